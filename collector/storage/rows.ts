import type { Span } from '../model/span.js';
import { attrsToStrings } from '../model/attributes.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../model/names.js';

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


const NS = 1_000_000_000n;

/** Nanoseconds since the epoch as `seconds.nanoseconds`, which DateTime64(9) parses exactly. */
export function nanosToDateTime64(ns: bigint): string {
  if (ns < 0n) ns = 0n;
  // Ten digits of seconds: ClickHouse reads fewer (times before 1973-03-03, an unset 0) as a date, and fails.
  const s = (ns / NS).toString().padStart(10, '0');
  const frac = (ns % NS).toString().padStart(9, '0');
  return `${s}.${frac}`;
}

/** Milliseconds since the epoch as DateTime64 text. */
export function msToDateTime64(ms: number): string {
  return nanosToDateTime64(BigInt(Math.round(ms)) * 1_000_000n);
}

/** DateTime64 text (`seconds.fraction`) as whole milliseconds since the epoch. */
export function dateTime64ToMs(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return Number(text) * 1000;
  return Number(text.slice(0, dot)) * 1000 + Number(text.slice(dot + 1, dot + 4).padEnd(3, '0'));
}

/** otel_traces columns in the order of `spanToValues`. */
export const TRACE_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName',
  'ResourceAttributes', 'ScopeName', 'ScopeVersion', 'SpanAttributes', 'Duration', 'StatusCode', 'StatusMessage',
  'Events.Timestamp', 'Events.Name', 'Events.Attributes',
  'Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes',
] as const satisfies readonly (keyof TraceRow)[];

/** The ClickHouse type of each of TRACE_COLUMNS, as the clickhouseexporter creates them. */
export const TRACE_COLUMN_TYPES: Record<(typeof TRACE_COLUMNS)[number], string> = {
  Timestamp: 'DateTime64(9)',
  TraceId: 'String',
  SpanId: 'String',
  ParentSpanId: 'String',
  TraceState: 'String',
  SpanName: 'LowCardinality(String)',
  SpanKind: 'LowCardinality(String)',
  ServiceName: 'LowCardinality(String)',
  ResourceAttributes: 'Map(LowCardinality(String), String)',
  ScopeName: 'String',
  ScopeVersion: 'String',
  SpanAttributes: 'Map(LowCardinality(String), String)',
  Duration: 'UInt64',
  StatusCode: 'LowCardinality(String)',
  StatusMessage: 'String',
  'Events.Timestamp': 'Array(DateTime64(9))',
  'Events.Name': 'Array(LowCardinality(String))',
  'Events.Attributes': 'Array(Map(LowCardinality(String), String))',
  'Links.TraceId': 'Array(String)',
  'Links.SpanId': 'Array(String)',
  'Links.TraceState': 'Array(String)',
  'Links.Attributes': 'Array(Map(LowCardinality(String), String))',
};

/**
 * One otel_traces row as values in TRACE_COLUMNS order: the form spansift inserts,
 * which the engine parses faster than objects with their keys.
 */
export function spanToValues(span: Span, resourceAttrs?: Record<string, string>): unknown[] {
  const dur = span.endTimeUnixNano - span.startTimeUnixNano;
  const events = span.events;
  const links = span.links;
  return [
    nanosToDateTime64(span.startTimeUnixNano),
    span.traceId,
    span.spanId,
    span.parentSpanId,
    span.traceState,
    span.name,
    SPAN_KIND_NAMES[span.kind] ?? String(span.kind),
    span.resource.serviceName,
    resourceAttrs ?? attrsToStrings(span.resource.attributes),
    span.scope.name,
    span.scope.version,
    attrsToStrings(span.attributes),
    (dur > 0n ? dur : 0n).toString(),
    STATUS_CODE_NAMES[span.status.code] ?? String(span.status.code),
    span.status.message,
    events.map((e) => nanosToDateTime64(e.timeUnixNano)),
    events.map((e) => e.name),
    events.map((e) => attrsToStrings(e.attributes)),
    links.map((l) => l.traceId),
    links.map((l) => l.spanId),
    links.map((l) => l.traceState),
    links.map((l) => attrsToStrings(l.attributes)),
  ];
}

/** The same row keyed by column name (JSONEachRow). */
export function spanToRow(span: Span, resourceAttrs?: Record<string, string>): TraceRow {
  const values = spanToValues(span, resourceAttrs);
  const row: Record<string, unknown> = {};
  TRACE_COLUMNS.forEach((c, i) => (row[c] = values[i]));
  return row as unknown as TraceRow;
}
