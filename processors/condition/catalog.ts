import type { FunctionName, PathName, ValueExpr } from './ast.js';
import { SpanKind, StatusCode } from '../../collector/model/span.js';

/**
 * What the language knows about: paths, functions and enums, with their static types.
 * `dyn` is an attribute value, whose type is only known per span.
 */
export type StaticType = 'string' | 'int' | 'float' | 'bool' | 'dyn' | 'nil' | 'events';

export interface PathInfo {
  type: StaticType;
  keyed: boolean;
}

export const PATHS: Record<PathName, PathInfo> = {
  name: { type: 'string', keyed: false },
  kind: { type: 'int', keyed: false },
  'status.code': { type: 'int', keyed: false },
  'status.message': { type: 'string', keyed: false },
  attributes: { type: 'dyn', keyed: true },
  'resource.attributes': { type: 'dyn', keyed: true },
  'instrumentation_scope.name': { type: 'string', keyed: false },
  'instrumentation_scope.version': { type: 'string', keyed: false },
  duration: { type: 'int', keyed: false },
  start_time: { type: 'int', keyed: false },
  end_time: { type: 'int', keyed: false },
  trace_id: { type: 'string', keyed: false },
  span_id: { type: 'string', keyed: false },
  parent_span_id: { type: 'string', keyed: false },
  trace_state: { type: 'string', keyed: false },
  events: { type: 'events', keyed: false },
};

/** Spellings OTTL users bring from the collector, mapped to the canonical path. */
const ALIASES: Record<string, PathName> = {
  'trace_id.string': 'trace_id',
  'span_id.string': 'span_id',
  'parent_span_id.string': 'parent_span_id',
  start_time_unix_nano: 'start_time',
  end_time_unix_nano: 'end_time',
  'scope.name': 'instrumentation_scope.name',
  'scope.version': 'instrumentation_scope.version',
};

export function resolvePath(dotted: string): PathName | undefined {
  // OTTL's context-qualified form (`span.attributes`) means the same as the bare one.
  const name = dotted.startsWith('span.') ? dotted.slice(5) : dotted;
  if (Object.hasOwn(PATHS, name)) return name as PathName;
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

/** `value`: any value; `pattern`/`text`: a string literal; `sized`: a value or `events`. */
export type ParamKind = 'value' | 'sized' | 'pattern' | 'text';

export interface FunctionInfo {
  params: readonly ParamKind[];
  returns: StaticType;
}

export const FUNCTIONS: Record<FunctionName, FunctionInfo> = {
  IsMatch: { params: ['value', 'pattern'], returns: 'bool' },
  HasPrefix: { params: ['value', 'text'], returns: 'bool' },
  HasSuffix: { params: ['value', 'text'], returns: 'bool' },
  Len: { params: ['sized'], returns: 'int' },
  Int: { params: ['value'], returns: 'int' },
  Double: { params: ['value'], returns: 'float' },
  String: { params: ['value'], returns: 'string' },
  IsString: { params: ['value'], returns: 'bool' },
  HasEvent: { params: ['text'], returns: 'bool' },
};

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

export const ENUMS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: SpanKind.UNSPECIFIED,
  SPAN_KIND_INTERNAL: SpanKind.INTERNAL,
  SPAN_KIND_SERVER: SpanKind.SERVER,
  SPAN_KIND_CLIENT: SpanKind.CLIENT,
  SPAN_KIND_PRODUCER: SpanKind.PRODUCER,
  SPAN_KIND_CONSUMER: SpanKind.CONSUMER,
  STATUS_CODE_UNSET: StatusCode.UNSET,
  STATUS_CODE_OK: StatusCode.OK,
  STATUS_CODE_ERROR: StatusCode.ERROR,
};

/** The static type of a value; Int/Double/String/Len may still yield nil at run time. */
export function staticType(v: ValueExpr): StaticType {
  switch (v.type) {
    case 'literal':
      switch (v.kind) {
        case 'string':
          return 'string';
        case 'float':
          return 'float';
        case 'bool':
          return 'bool';
        case 'nil':
          return 'nil';
        default:
          return 'int';
      }
    case 'path':
      return PATHS[v.path].type;
    case 'call':
      return FUNCTIONS[v.name].returns;
  }
}
