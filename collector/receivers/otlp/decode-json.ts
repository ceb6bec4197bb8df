/**
 * OTLP/JSON ExportTraceServiceRequest -> Span[] (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * lowerCamelCase keys (proto names accepted too), hex ids, 64-bit integers as strings or
 * numbers, enums as integers or names, unknown keys ignored, absent or null = default.
 */
import type { AttrValue, Attributes, Resource, Scope, Span, SpanEvent, SpanLink } from '../../model/span.js';
import { DecodeError } from './decode-error.js';
import { DEFAULT_SPAN_LIMITS, Dropped, timeProblem, truncateString, type SpanLimits } from './limits.js';
import {
  type DecodedRequest,
  MAX_VALUE_DEPTH,
  RejectTally,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
  addDropped,
  finishResource,
  newResource,
  newScope,
  newSpan,
  requiredIdProblem,
  setAttr,
} from './decode-shared.js';
import {
  type JsonObject,
  JsonPath,
  get,
  isObject,
  mayHaveLoneSurrogates,
  readArray,
  readBase64,
  readBool,
  readDouble,
  readEnum,
  readHexId,
  readInt64,
  readObject,
  readString,
  readUint32,
  readUint64,
} from './json-values.js';

const SPAN_KIND_NAMES: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE_NAMES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};
const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** The path of the walk (formatted only on error) and the span limits it applies. */
class Walk extends JsonPath {
  readonly dropped = new Dropped();
  constructor(readonly limits: SpanLimits) {
    super();
  }
}

export function decodeJson(input: string | Uint8Array, limits: SpanLimits = DEFAULT_SPAN_LIMITS): DecodedRequest {
  let text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const spans: Span[] = [];
  const path = new Walk(limits);
  const tally = new RejectTally(path.dropped);
  if (text.trim() === '') return tally.result(spans);
  path.mayHaveLoneSurrogates = mayHaveLoneSurrogates(text, typeof input !== 'string');
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!isObject(root)) throw new DecodeError('request: expected a JSON object');
  const list = readArray(get(root, 'resourceSpans', 'resource_spans'), path, 'resourceSpans');
  path.parts.push('resourceSpans');
  for (let i = 0; i < list.length; i++) {
    path.parts.push(i);
    decodeResourceSpans(element(list[i], path), path, spans, tally);
    path.parts.pop();
  }
  path.parts.pop();
  return tally.result(spans);
}

/** An element of a repeated message field: null there is an error in the protobuf JSON mapping. */
function element(v: unknown, path: Walk): JsonObject {
  if (!isObject(v)) path.fail('', 'expected an object');
  return v;
}

function decodeResourceSpans(o: JsonObject, path: Walk, out: Span[], tally: RejectTally): void {
  const resource = newResource();
  const res = readObject(o.resource, path, 'resource');
  if (res !== undefined) {
    path.parts.push('resource');
    decodeAttributes(res.attributes, path, resource.attributes, 0, path.limits.maxAttributes);
    addDropped(resource, readUint32(get(res, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'));
    addDropped(resource, attributeCount(res.attributes) - path.limits.maxAttributes);
    path.parts.pop();
  }
  resource.schemaUrl = readString(get(o, 'schemaUrl', 'schema_url'), path, 'schemaUrl');
  finishResource(resource);
  const list = readArray(get(o, 'scopeSpans', 'scope_spans'), path, 'scopeSpans');
  path.parts.push('scopeSpans');
  for (let i = 0; i < list.length; i++) {
    path.parts.push(i);
    decodeScopeSpans(element(list[i], path), path, resource, out, tally);
    path.parts.pop();
  }
  path.parts.pop();
}

function decodeScopeSpans(o: JsonObject, path: Walk, resource: Resource, out: Span[], tally: RejectTally): void {
  const scope = newScope();
  const s = readObject(o.scope, path, 'scope');
  if (s !== undefined) {
    path.parts.push('scope');
    scope.name = readString(s.name, path, 'name');
    scope.version = readString(s.version, path, 'version');
    decodeAttributes(s.attributes, path, scope.attributes, 0, path.limits.maxAttributes);
    addDropped(scope, readUint32(get(s, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'));
    addDropped(scope, attributeCount(s.attributes) - path.limits.maxAttributes);
    path.parts.pop();
  }
  const list = readArray(o.spans, path, 'spans');
  path.parts.push('spans');
  for (let i = 0; i < list.length; i++) {
    path.parts.push(i);
    const span = decodeSpan(element(list[i], path), path, resource, scope, tally);
    if (span !== null) out.push(span);
    path.parts.pop();
  }
  path.parts.pop();
}

/** Returns null (and tallies the reason) for a span whose ids are invalid. */
function decodeSpan(o: JsonObject, path: Walk, resource: Resource, scope: Scope, tally: RejectTally): Span | null {
  const span = newSpan(resource, scope);
  span.traceId = readHexId(get(o, 'traceId', 'trace_id'), path, 'traceId');
  span.spanId = readHexId(get(o, 'spanId', 'span_id'), path, 'spanId');
  span.parentSpanId = readHexId(get(o, 'parentSpanId', 'parent_span_id'), path, 'parentSpanId');
  span.traceState = readString(get(o, 'traceState', 'trace_state'), path, 'traceState');
  span.flags = readUint32(o.flags, path, 'flags');
  span.name = readString(o.name, path, 'name');
  span.kind = readEnum(o.kind, SPAN_KIND_NAMES, path, 'kind');
  span.startTimeUnixNano = readUint64(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), path, 'startTimeUnixNano');
  span.endTimeUnixNano = readUint64(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), path, 'endTimeUnixNano');
  const { limits, dropped } = path;
  decodeAttributes(o.attributes, path, span.attributes, 0, limits.maxAttributes);
  addDropped(span, readUint32(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'));
  addDropped(span, attributeCount(o.attributes) - limits.maxAttributes);
  addDropped(span, readUint32(get(o, 'droppedEventsCount', 'dropped_events_count'), path, 'droppedEventsCount'), 'droppedEventsCount');
  addDropped(span, readUint32(get(o, 'droppedLinksCount', 'dropped_links_count'), path, 'droppedLinksCount'), 'droppedLinksCount');
  let problem =
    idProblem('trace_id', span.traceId, 16, ZERO_TRACE_ID) ??
    idProblem('span_id', span.spanId, 8, ZERO_SPAN_ID) ??
    timeProblem('start_time_unix_nano', span.startTimeUnixNano) ??
    timeProblem('end_time_unix_nano', span.endTimeUnixNano);
  if (span.parentSpanId === ZERO_SPAN_ID) span.parentSpanId = '';
  else if (span.parentSpanId !== '') problem ??= idProblem('parent_span_id', span.parentSpanId, 8, ZERO_SPAN_ID);

  // Events and links beyond the limits are dropped unread (JSON.parse has built them already).
  const events = readArray(o.events, path, 'events');
  dropped.events += Math.max(0, events.length - limits.maxEvents);
  addDropped(span, events.length - limits.maxEvents, 'droppedEventsCount');
  path.parts.push('events');
  for (let i = 0; i < events.length && i < limits.maxEvents; i++) {
    path.parts.push(i);
    const event = decodeEvent(element(events[i], path), path);
    problem ??= timeProblem('event time_unix_nano', event.timeUnixNano);
    span.events.push(event);
    path.parts.pop();
  }
  path.parts.pop();

  const links = readArray(o.links, path, 'links');
  dropped.links += Math.max(0, links.length - limits.maxLinks);
  addDropped(span, links.length - limits.maxLinks, 'droppedLinksCount');
  path.parts.push('links');
  for (let i = 0; i < links.length && i < limits.maxLinks; i++) {
    path.parts.push(i);
    const l = element(links[i], path);
    const link: SpanLink = {
      traceId: readHexId(get(l, 'traceId', 'trace_id'), path, 'traceId'),
      spanId: readHexId(get(l, 'spanId', 'span_id'), path, 'spanId'),
      traceState: readString(get(l, 'traceState', 'trace_state'), path, 'traceState'),
      attributes: {},
    };
    decodeAttributes(l.attributes, path, link.attributes, 0, limits.maxAttributesPerLink);
    readUint32(l.flags, path, 'flags');
    problem ??=
      idProblem('link trace_id', link.traceId, 16, ZERO_TRACE_ID) ?? idProblem('link span_id', link.spanId, 8, ZERO_SPAN_ID);
    span.links.push(link);
    path.parts.pop();
  }
  path.parts.pop();

  const status = readObject(o.status, path, 'status');
  if (status !== undefined) {
    path.parts.push('status');
    span.status.message = readString(status.message, path, 'message');
    span.status.code = readEnum(status.code, STATUS_CODE_NAMES, path, 'code');
    path.parts.pop();
  }
  if (problem === null) return span;
  tally.add(problem);
  return null;
}

/** Entries of a repeated attributes field as sent (0 when it is not a list; decodeAttributes has checked it). */
function attributeCount(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

function idProblem(field: string, hex: string, bytes: number, zero: string): string | null {
  if (!HEX_RE.test(hex)) return `${field} is not valid hex`;
  return requiredIdProblem(field, hex, bytes, zero);
}

function decodeEvent(o: JsonObject, path: Walk): SpanEvent {
  const event: SpanEvent = {
    timeUnixNano: readUint64(get(o, 'timeUnixNano', 'time_unix_nano'), path, 'timeUnixNano'),
    name: readString(o.name, path, 'name'),
    attributes: {},
  };
  decodeAttributes(o.attributes, path, event.attributes, 0, path.limits.maxAttributesPerEvent);
  return event;
}

/**
 * A repeated KeyValue field into `target`, its first `max` entries (the rest is counted as
 * dropped); the last of duplicate keys wins.
 */
function decodeAttributes(v: unknown, path: Walk, target: Attributes, depth: number, max: number): void {
  const list = readArray(v, path, depth === 0 ? 'attributes' : 'values');
  if (list.length === 0) return;
  path.dropped.attributes += Math.max(0, list.length - max);
  path.parts.push(depth === 0 ? 'attributes' : 'values');
  for (let i = 0; i < list.length && i < max; i++) {
    path.parts.push(i);
    const kv = element(list[i], path);
    const key = readString(kv.key, path, 'key');
    const value = kv.value;
    if (value === undefined || value === null) {
      setAttr(target, key, null);
    } else {
      path.parts.push('value');
      setAttr(target, key, decodeAnyValue(element(value, path), path, depth));
      path.parts.pop();
    }
    path.parts.pop();
  }
  path.parts.pop();
}

function decodeAnyValue(o: JsonObject, path: Walk, depth: number): AttrValue {
  if (depth >= MAX_VALUE_DEPTH) path.fail('', `AnyValue nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let v: unknown;
  if ((v = get(o, 'stringValue', 'string_value')) != null) return truncateString(readString(v, path, 'stringValue'), path.limits.maxValueLength, path.dropped);
  if ((v = get(o, 'intValue', 'int_value')) != null) return readInt64(v, path, 'intValue');
  if ((v = get(o, 'boolValue', 'bool_value')) != null) return readBool(v, path, 'boolValue');
  if ((v = get(o, 'doubleValue', 'double_value')) != null) return readDouble(v, path, 'doubleValue');
  if ((v = get(o, 'arrayValue', 'array_value')) != null) {
    path.parts.push('arrayValue');
    const values = readArray(element(v, path).values, path, 'values');
    const out: AttrValue[] = new Array<AttrValue>(values.length);
    path.parts.push('values');
    for (let i = 0; i < values.length; i++) {
      path.parts.push(i);
      const item = values[i];
      out[i] = item === null ? null : decodeAnyValue(element(item, path), path, depth + 1);
      path.parts.pop();
    }
    path.parts.length -= 2;
    return out;
  }
  if ((v = get(o, 'kvlistValue', 'kvlist_value')) != null) {
    path.parts.push('kvlistValue');
    const map: Attributes = {};
    // A map value is bounded as an attribute list is: a million keys cost the same either way.
    decodeAttributes(element(v, path).values, path, map, depth + 1, path.limits.maxAttributes);
    path.parts.pop();
    return map;
  }
  if ((v = get(o, 'bytesValue', 'bytes_value')) != null) return readBase64(v, path, 'bytesValue');
  return null;
}
