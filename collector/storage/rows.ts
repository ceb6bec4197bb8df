import type { Span } from '../span.js';
import { attrsToStrings } from './attributes.js';

/** One row of `otel_traces`, in the column names of the Collector's clickhouseexporter. */
export interface TraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

/** `SpanKind` values as the exporter writes them (ptrace.SpanKind.String()). */
export const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
/** `StatusCode` values as the exporter writes them (ptrace.StatusCode.String()). */
export const STATUS_CODE_NAMES = ['Unset', 'Ok', 'Error'];

const NS = 1_000_000_000n;

/** Nanoseconds since the epoch as `seconds.nanoseconds`, which DateTime64(9) parses exactly. */
export function nanosToDateTime64(ns: bigint): string {
  if (ns < 0n) ns = 0n;
  const s = ns / NS;
  const frac = (ns % NS).toString().padStart(9, '0');
  return `${s}.${frac}`;
}

export function spanToRow(span: Span, resourceAttrs?: Record<string, string>): TraceRow {
  const dur = span.endTimeUnixNano - span.startTimeUnixNano;
  const events = span.events;
  const links = span.links;
  return {
    Timestamp: nanosToDateTime64(span.startTimeUnixNano),
    TraceId: span.traceId,
    SpanId: span.spanId,
    ParentSpanId: span.parentSpanId,
    TraceState: span.traceState,
    SpanName: span.name,
    SpanKind: SPAN_KIND_NAMES[span.kind] ?? String(span.kind),
    ServiceName: span.resource.serviceName,
    ResourceAttributes: resourceAttrs ?? attrsToStrings(span.resource.attributes),
    ScopeName: span.scope.name,
    ScopeVersion: span.scope.version,
    SpanAttributes: attrsToStrings(span.attributes),
    Duration: (dur > 0n ? dur : 0n).toString(),
    StatusCode: STATUS_CODE_NAMES[span.status.code] ?? String(span.status.code),
    StatusMessage: span.status.message,
    'Events.Timestamp': events.map((e) => nanosToDateTime64(e.timeUnixNano)),
    'Events.Name': events.map((e) => e.name),
    'Events.Attributes': events.map((e) => attrsToStrings(e.attributes)),
    'Links.TraceId': links.map((l) => l.traceId),
    'Links.SpanId': links.map((l) => l.spanId),
    'Links.TraceState': links.map((l) => l.traceState),
    'Links.Attributes': links.map((l) => attrsToStrings(l.attributes)),
  };
}
