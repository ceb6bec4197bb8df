import type { Span } from '../../collector/model/span.js';
import { SPAN_KIND_NAMES } from '../../collector/model/names.js';
import type { PathName } from './ast.js';
import { normalizeInt } from './numbers.js';
import { durationOf, startOf, type Getter } from './values.js';

/**
 * Span paths read from a live span, in the plain form of their static type: times and
 * durations as bigint nanoseconds (clamped as storage clamps them: no start before the
 * epoch, no negative duration), ids as lower-case hex ('' when empty for the bare id
 * paths, zeros for `.string` as pcommon writes them).
 */
const ZEROS_16 = '0'.repeat(16);
const ZEROS_32 = '0'.repeat(32);

/** ptrace.SpanKind.String(), '' for a kind it does not know. */
export function kindString(kind: number): string {
  return SPAN_KIND_NAMES[kind] ?? '';
}

const DEPRECATED_KIND = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];

export function deprecatedKindString(kind: number): string {
  return DEPRECATED_KIND[kind] ?? '';
}

export function pathGetter(path: PathName): Getter {
  switch (path) {
    case 'attributes':
      return (s) => s.attributes;
    case 'resource.attributes':
      return (s) => s.resource.attributes;
    case 'instrumentation_scope.attributes':
      return (s) => s.scope.attributes;
    case 'name':
      return (s) => s.name;
    case 'kind':
      return (s) => s.kind;
    case 'kind.string':
      return (s) => kindString(s.kind);
    case 'kind.deprecated_string':
      return (s) => deprecatedKindString(s.kind);
    case 'status.code':
      return (s) => s.status.code;
    case 'status.message':
      return (s) => s.status.message;
    case 'instrumentation_scope.name':
      return (s) => s.scope.name;
    case 'instrumentation_scope.version':
      return (s) => s.scope.version;
    case 'duration':
      return durationOf;
    case 'start_time':
      return startOf;
    case 'end_time':
      return (s) => startOf(s) + durationOf(s);
    case 'start_time_unix_nano':
      return (s) => normalizeInt(startOf(s));
    case 'end_time_unix_nano':
      return (s) => normalizeInt(startOf(s) + durationOf(s));
    case 'trace_id':
      return (s) => s.traceId;
    case 'trace_id.string':
      return (s) => s.traceId || ZEROS_32;
    case 'span_id':
      return (s) => s.spanId;
    case 'span_id.string':
      return (s) => s.spanId || ZEROS_16;
    case 'parent_span_id':
      return (s) => s.parentSpanId;
    case 'parent_span_id.string':
      return (s) => s.parentSpanId || ZEROS_16;
    case 'trace_state':
      return (s) => s.traceState;
    case 'dropped_attributes_count':
      return (s) => s.droppedAttributesCount ?? 0;
    case 'dropped_events_count':
      return (s) => s.droppedEventsCount ?? 0;
    case 'dropped_links_count':
      return (s) => s.droppedLinksCount ?? 0;
    case 'resource.dropped_attributes_count':
      return (s) => s.resource.droppedAttributesCount ?? 0;
    case 'instrumentation_scope.dropped_attributes_count':
      return (s) => s.scope.droppedAttributesCount ?? 0;
    case 'events':
    case 'links':
      return () => undefined;
  }
}

/** The reading of a span for the rules engine's index (see required.ts). */
export function readPath(path: PathName): (s: Span) => unknown {
  return pathGetter(path);
}

const KEY_PART = /^[a-z][_0-9a-z\-*/]{0,255}$/;
const TENANT = /^[a-z0-9][_0-9a-z\-*/]{0,240}$/;
const SYSTEM = /^[a-z][_0-9a-z\-*/]{0,13}$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

function validKey(key: string): boolean {
  const at = key.indexOf('@');
  if (at < 0) return KEY_PART.test(key);
  return TENANT.test(key.slice(0, at)) && SYSTEM.test(key.slice(at + 1));
}

/**
 * `trace_state["key"]`: the entry's value as OpenTelemetry's W3C trace state parser reads
 * it, '' for a key that is not there, nil when the trace state does not parse.
 */
export function traceStateEntry(traceState: string, key: string): string | undefined {
  if (traceState === '') return '';
  const seen = new Map<string, string>();
  for (const member of traceState.split(',')) {
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq < 0) return undefined;
    const k = member.slice(0, eq).replace(/^[ \t]+/, '');
    const v = member.slice(eq + 1).replace(/[ \t]+$/, '');
    if (!validKey(k) || !VALUE.test(v) || seen.has(k)) return undefined;
    seen.set(k, v);
    if (seen.size > 32) return undefined;
  }
  return seen.get(key) ?? '';
}
