import type { PathName } from './ast.js';
import { SpanKind, StatusCode } from '../../collector/model/span.js';

/**
 * What the language knows about spans: paths with their static types, and enums. `dyn` is a
 * value whose type is only known per span (an attribute); `time` and `duration` are OTTL's
 * time.Time and time.Duration; `traceid`/`spanid` are pcommon.TraceID/SpanID.
 */
export type StaticType =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'bytes'
  | 'nil'
  | 'time'
  | 'duration'
  | 'traceid'
  | 'spanid'
  | 'list'
  | 'map'
  | 'dyn'
  | 'events';

export interface PathInfo {
  type: StaticType;
  /** `map`: takes `["key"]` (and is a whole map without it); `entries`: trace_state["key"]. */
  keyed?: 'map' | 'entries';
  /** Set for spansift's own paths: what `--strict-ottl` says about them. */
  extension?: string;
}

export const PATHS: Record<PathName, PathInfo> = {
  name: { type: 'string' },
  kind: { type: 'int' },
  'kind.string': { type: 'string' },
  'kind.deprecated_string': { type: 'string' },
  'status.code': { type: 'int' },
  'status.message': { type: 'string' },
  attributes: { type: 'map', keyed: 'map' },
  'resource.attributes': { type: 'map', keyed: 'map' },
  'instrumentation_scope.name': { type: 'string' },
  'instrumentation_scope.version': { type: 'string' },
  'instrumentation_scope.attributes': { type: 'map', keyed: 'map' },
  duration: { type: 'duration', extension: 'OTTL has no duration path; write end_time - start_time' },
  start_time: { type: 'time' },
  end_time: { type: 'time' },
  start_time_unix_nano: { type: 'int' },
  end_time_unix_nano: { type: 'int' },
  trace_id: { type: 'traceid' },
  'trace_id.string': { type: 'string' },
  span_id: { type: 'spanid' },
  'span_id.string': { type: 'string' },
  parent_span_id: { type: 'spanid' },
  'parent_span_id.string': { type: 'string' },
  trace_state: { type: 'string', keyed: 'entries' },
  dropped_attributes_count: { type: 'int' },
  dropped_events_count: { type: 'int' },
  dropped_links_count: { type: 'int' },
  'resource.dropped_attributes_count': { type: 'int' },
  'instrumentation_scope.dropped_attributes_count': { type: 'int' },
  events: { type: 'events', extension: 'OTTL reads events in the span event context; spansift counts them with Len(events)' },
  links: { type: 'events', extension: 'OTTL reads links in the span link context; spansift counts them with Len(links)' },
};

/** Names of the OTTL span context that are not values a condition can compare, and why. */
const NOT_KEPT: Record<string, string> = {
  status: 'status is a struct; compare its fields, status.code or status.message',
  resource: 'resource is a struct; compare resource.attributes["key"]',
  instrumentation_scope: 'instrumentation_scope is a struct; compare instrumentation_scope.name, .version or .attributes["key"]',
};

/** First path segments that belong to other OTTL contexts or other components. */
const OTHER_CONTEXTS: Record<string, string> = {
  request: "request[...] reads the routing connector's request context (gRPC or HTTP metadata of an export); a spansift condition sees one span",
  cache: 'cache is the transform context\'s scratch map that only editors write; a condition over a span cannot read it',
  spanevent: 'spanevent paths belong to the span event context; spansift conditions are about one span (use HasEvent("name") or Len(events))',
  log: 'log paths belong to the log context; spansift conditions are about spans',
  metric: 'metric paths belong to the metric context; spansift conditions are about spans',
  datapoint: 'datapoint paths belong to the datapoint context; spansift conditions are about spans',
  profile: 'profile paths belong to the profile context; spansift conditions are about spans',
  body: 'body belongs to the log context; spansift conditions are about spans',
  severity_number: 'severity_number belongs to the log context; spansift conditions are about spans',
  severity_text: 'severity_text belongs to the log context; spansift conditions are about spans',
  time_unix_nano: 'time_unix_nano belongs to span events, logs and datapoints; a span has start_time_unix_nano and end_time_unix_nano',
};

export type PathResolution = { path: PathName } | { refused: string } | undefined;

/** A dotted path as written (`span.kind.string`, `scope.name`) to a canonical path. */
export function resolvePath(dotted: string): PathResolution {
  // OTTL's context-qualified form (`span.attributes`) means the same as the bare one.
  let name = dotted.startsWith('span.') ? dotted.slice(5) : dotted;
  if (name.startsWith('scope.') || name === 'scope') name = 'instrumentation_scope' + name.slice(5);
  if (Object.hasOwn(PATHS, name)) return { path: name as PathName };
  if (Object.hasOwn(NOT_KEPT, name)) return { refused: NOT_KEPT[name] };
  const first = name.split('.')[0];
  if (Object.hasOwn(OTHER_CONTEXTS, first)) return { refused: OTHER_CONTEXTS[first] };
  return undefined;
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
