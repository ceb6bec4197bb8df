/**
 * OTLP/protobuf ExportTraceServiceRequest -> Span[], read straight off the wire.
 *
 * This is the ingest hot path, so it walks the protobuf wire format with a protobufjs Reader
 * and builds the collector/span.ts objects directly, instead of decoding into protobufjs
 * messages and copying those (twice the allocations, and fixed64 as Long objects). Field
 * numbers follow proto/opentelemetry/proto/**; the tests check this walker against the
 * protobufjs reflection types and against the OpenTelemetry JS serializer.
 *
 * Protobuf rules kept: fields in any order, unknown fields skipped, a known field with an
 * unexpected wire type treated as unknown (as Go's protobuf does), repeated embedded
 * messages merged, every read bounded by the enclosing message's length.
 */
import protobuf from 'protobufjs';
import type { DecodedExport, Resource, Scope, Span, SpanEvent, SpanLink } from '../../model/span.js';
import { DecodeError } from './decode-error.js';
import {
  RejectTally,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
  finishResource,
  idLengthProblem,
  newResource,
  newScope,
  newSpan,
} from './decode-shared.js';
import { decodeKeyValue, enter, readFixed64, readId } from './wire.js';

type Reader = protobuf.Reader;

/** Where the walker is, for the message of a DecodeError; plain counters cost nothing. */
interface Cursor {
  /** 0: request, 1: in a ResourceSpans, 2: in a ScopeSpans, 3: in a Span. */
  depth: number;
  resource: number;
  scope: number;
  span: number;
}

export function decodeProtobuf(buf: Uint8Array): DecodedExport {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // A Buffer gets protobufjs's BufferReader, whose strings come from the native utf8Slice.
  const r = protobuf.Reader.create(bytes);
  const at: Cursor = { depth: 0, resource: -1, scope: -1, span: -1 };
  const spans: Span[] = [];
  const tally = new RejectTally();
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) {
        at.resource++;
        at.scope = -1;
        at.depth = 1;
        const outer = enter(r);
        decodeResourceSpans(r, spans, tally, at);
        at.depth = 0;
        r.len = outer;
      } else {
        r.skipType(tag & 7, 0, tag >>> 3);
      }
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DecodeError(`invalid protobuf ExportTraceServiceRequest${where(at)} (byte ${r.pos}): ${detail}`, { cause: err });
  }
  return tally.result(spans);
}

function where(at: Cursor): string {
  if (at.depth === 0) return '';
  let s = ` at resourceSpans[${at.resource}]`;
  if (at.depth >= 2) s += `.scopeSpans[${at.scope}]`;
  if (at.depth >= 3) s += `.spans[${at.span}]`;
  return s;
}

function decodeResourceSpans(r: Reader, out: Span[], tally: RejectTally, at: Cursor): void {
  const resource = newResource();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) {
      const outer = enter(r);
      while (r.pos < r.len) {
        const t = r.uint32();
        if (t === 10) decodeKeyValue(r, resource.attributes, 0);
        else r.skipType(t & 7, 0, t >>> 3);
      }
      r.len = outer;
    } else if (tag === 18) {
      at.scope++;
      at.span = -1;
      at.depth = 2;
      const outer = enter(r);
      decodeScopeSpans(r, resource, out, tally, at);
      at.depth = 1;
      r.len = outer;
    } else if (tag === 26) {
      resource.schemaUrl = r.string();
    } else {
      r.skipType(tag & 7, 0, tag >>> 3);
    }
  }
  finishResource(resource);
}

function decodeScopeSpans(r: Reader, resource: Resource, out: Span[], tally: RejectTally, at: Cursor): void {
  // Created up front: spans may precede the scope field on the wire and must share this object.
  const scope = newScope();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 18) {
      at.span++;
      at.depth = 3;
      const outer = enter(r);
      const span = decodeSpan(r, resource, scope, tally);
      at.depth = 2;
      r.len = outer;
      if (span !== null) out.push(span);
    } else if (tag === 10) {
      const outer = enter(r);
      decodeScope(r, scope);
      r.len = outer;
    } else {
      r.skipType(tag & 7, 0, tag >>> 3);
    }
  }
}

function decodeScope(r: Reader, scope: Scope): void {
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) scope.name = r.string();
    else if (tag === 18) scope.version = r.string();
    else if (tag === 26) decodeKeyValue(r, scope.attributes, 0);
    else r.skipType(tag & 7, 0, tag >>> 3);
  }
}

/** Returns null (and tallies the reason) for a span whose ids are invalid. */
function decodeSpan(r: Reader, resource: Resource, scope: Scope, tally: RejectTally): Span | null {
  const span = newSpan(resource, scope);
  let problem: string | null = null;
  // A number is the wrong byte length seen (0 when absent), kept for the reject reason.
  let traceId: string | number = 0;
  let spanId: string | number = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 10: traceId = readId(r, 16); break;
      case 18: spanId = readId(r, 8); break;
      case 26: span.traceState = r.string(); break;
      case 34: {
        // Some SDKs send eight zero bytes for a root span; that means "no parent".
        const parent = readId(r, 8);
        if (typeof parent === 'string') span.parentSpanId = parent === ZERO_SPAN_ID ? '' : parent;
        else if (parent === 0) span.parentSpanId = '';
        else problem ??= idLengthProblem('parent_span_id', 8, parent);
        break;
      }
      case 42: span.name = r.string(); break;
      case 48: span.kind = r.int32(); break;
      case 57: span.startTimeUnixNano = readFixed64(r); break;
      case 65: span.endTimeUnixNano = readFixed64(r); break;
      case 74: decodeKeyValue(r, span.attributes, 0); break;
      case 90: {
        const outer = enter(r);
        span.events.push(decodeEvent(r));
        r.len = outer;
        break;
      }
      case 106: {
        const outer = enter(r);
        const link = decodeLink(r);
        r.len = outer;
        if (typeof link === 'string') problem ??= link;
        else span.links.push(link);
        break;
      }
      case 122: {
        const outer = enter(r);
        decodeStatus(r, span.status);
        r.len = outer;
        break;
      }
      case 133: span.flags = r.fixed32(); break;
      default: r.skipType(tag & 7, 0, tag >>> 3);
    }
  }
  // The id checks come first so the reason names the most basic problem.
  if (typeof traceId === 'number') problem = idLengthProblem('trace_id', 16, traceId);
  else if (traceId === ZERO_TRACE_ID) problem = 'trace_id must not be all zero';
  else if (typeof spanId === 'number') problem = idLengthProblem('span_id', 8, spanId);
  else if (spanId === ZERO_SPAN_ID) problem = 'span_id must not be all zero';
  if (problem === null) {
    span.traceId = traceId as string;
    span.spanId = spanId as string;
    return span;
  }
  tally.add(problem);
  return null;
}

function decodeEvent(r: Reader): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {} };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 9) event.timeUnixNano = readFixed64(r);
    else if (tag === 18) event.name = r.string();
    else if (tag === 26) decodeKeyValue(r, event.attributes, 0);
    else r.skipType(tag & 7, 0, tag >>> 3);
  }
  return event;
}

/** The link, or the reason it makes its span invalid. */
function decodeLink(r: Reader): SpanLink | string {
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {} };
  let traceId: string | number = 0;
  let spanId: string | number = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) traceId = readId(r, 16);
    else if (tag === 18) spanId = readId(r, 8);
    else if (tag === 26) link.traceState = r.string();
    else if (tag === 34) decodeKeyValue(r, link.attributes, 0);
    else r.skipType(tag & 7, 0, tag >>> 3);
  }
  if (typeof traceId === 'number') return idLengthProblem('link trace_id', 16, traceId);
  if (traceId === ZERO_TRACE_ID) return 'link trace_id must not be all zero';
  if (typeof spanId === 'number') return idLengthProblem('link span_id', 8, spanId);
  if (spanId === ZERO_SPAN_ID) return 'link span_id must not be all zero';
  link.traceId = traceId;
  link.spanId = spanId;
  return link;
}

function decodeStatus(r: Reader, status: Span['status']): void {
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 18) status.message = r.string();
    else if (tag === 24) status.code = r.int32();
    else r.skipType(tag & 7, 0, tag >>> 3);
  }
}
