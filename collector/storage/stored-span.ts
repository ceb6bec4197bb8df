/**
 * Reading spans back out of `otel_traces`: one column list for every query, the JSON form
 * the API returns, and the in-memory Span (attribute values are the stored strings) that
 * backfill and push-by-reference route like a live span.
 */
import type { Span } from '../model/span.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../model/names.js';

export const SPAN_COLUMNS = `
  TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
  toString(toUnixTimestamp64Nano(Timestamp)) AS start_ns,
  toString(Duration) AS duration_ns,
  toString(toUnixTimestamp64Nano(Timestamp) + Duration) AS end_ns,
  StatusCode, StatusMessage, SpanAttributes, ResourceAttributes, ScopeName, ScopeVersion,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS event_ns,
  Events.Name AS event_names, Events.Attributes AS event_attrs,
  Links.TraceId AS link_trace_ids, Links.SpanId AS link_span_ids,
  Links.TraceState AS link_states, Links.Attributes AS link_attrs`;

export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: string;
  serviceName: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNano: string;
  status: { code: string; message: string };
  attributes: Record<string, string>;
  resource: { attributes: Record<string, string> };
  scope: { name: string; version: string };
  events: { timeUnixNano: string; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
}

export type SpanRow = Record<string, unknown>;

export function toStoredSpan(r: SpanRow): StoredSpan {
  const s = (k: string) => r[k] as string;
  const a = <T>(k: string) => r[k] as T[];
  return {
    traceId: s('TraceId'),
    spanId: s('SpanId'),
    parentSpanId: s('ParentSpanId'),
    traceState: s('TraceState'),
    name: s('SpanName'),
    kind: s('SpanKind'),
    serviceName: s('ServiceName'),
    startTimeUnixNano: s('start_ns'),
    endTimeUnixNano: s('end_ns'),
    durationNano: s('duration_ns'),
    status: { code: s('StatusCode'), message: s('StatusMessage') },
    attributes: r.SpanAttributes as Record<string, string>,
    resource: { attributes: r.ResourceAttributes as Record<string, string> },
    scope: { name: s('ScopeName'), version: s('ScopeVersion') },
    events: a<string>('event_ns').map((t, i) => ({ timeUnixNano: t, name: a<string>('event_names')[i], attributes: a<Record<string, string>>('event_attrs')[i] })),
    links: a<string>('link_trace_ids').map((t, i) => ({
      traceId: t,
      spanId: a<string>('link_span_ids')[i],
      traceState: a<string>('link_states')[i],
      attributes: a<Record<string, string>>('link_attrs')[i],
    })),
  };
}

/** A stored span as a Span to route; attribute values are the stored strings. */
export function storedToSpan(s: StoredSpan): Span {
  const kind = SPAN_KIND_NAMES.indexOf(s.kind);
  const code = STATUS_CODE_NAMES.indexOf(s.status.code);
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    flags: 0,
    name: s.name,
    kind: kind < 0 ? 0 : kind,
    startTimeUnixNano: BigInt(s.startTimeUnixNano),
    endTimeUnixNano: BigInt(s.endTimeUnixNano),
    attributes: s.attributes,
    events: s.events.map((e) => ({ timeUnixNano: BigInt(e.timeUnixNano), name: e.name, attributes: e.attributes })),
    links: s.links,
    status: { code: code < 0 ? 0 : code, message: s.status.message },
    resource: { attributes: s.resource.attributes, serviceName: s.serviceName, schemaUrl: '' },
    scope: { name: s.scope.name, version: s.scope.version, attributes: {} },
  };
}
