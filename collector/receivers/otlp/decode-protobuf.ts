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
import type { Resource, Scope, Span, SpanEvent, SpanLink } from '../../model/span.js';
import { DecodeError } from './decode-error.js';
import {
  type DecodedRequest,
  RejectTally,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
  addDropped,
  finishResource,
  idLengthProblem,
  newResource,
  newScope,
  newSpan,
} from './decode-shared.js';
import { DEFAULT_SPAN_LIMITS, Dropped, timeProblem, type SpanLimits } from './limits.js';
import { decodeKeyValue, enter, readFixed64, readId } from './wire.js';

type Reader = protobuf.Reader;

/** Where the walker is (for the message of a DecodeError; plain counters cost nothing) and what it applies. */
interface Cursor {
  /** 0: request, 1: in a ResourceSpans, 2: in a ScopeSpans, 3: in a Span. */
  depth: number;
  resource: number;
  scope: number;
  span: number;
  limits: SpanLimits;
  dropped: Dropped;
  /** The reader position at which the clock is read next, and the time to pause at (see walk). */
  checkAt: number;
  pauseAt: number;
}

/** How often (bytes) the walker reads the clock, and how long it runs before it pauses. */
const CHECK_BYTES = 64 * 1024;
const SLICE_MS = 10;

/**
 * Strings come from the native utf8Slice of protobufjs's BufferReader, which turns invalid
 * UTF-8 (an encoded lone surrogate included) into U+FFFD: protobuf text is always valid.
 */
export function decodeProtobuf(buf: Uint8Array, limits: SpanLimits = DEFAULT_SPAN_LIMITS): DecodedRequest {
  const walker = walk(buf, limits, Infinity);
  for (;;) {
    const step = walker.next();
    if (step.done) return step.value;
  }
}

/**
 * The same, pausing for the event loop every SLICE_MS of work. A 20 MiB request of millions
 * of small attributes takes seconds to decode (V8 interns every distinct key, about 0.5 µs
 * each); in slices, other clients' requests and /healthz are answered meanwhile.
 */
export async function decodeProtobufAsync(buf: Uint8Array, limits: SpanLimits = DEFAULT_SPAN_LIMITS): Promise<DecodedRequest> {
  const walker = walk(buf, limits, performance.now() + SLICE_MS);
  for (;;) {
    const step = walker.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
    step.value.pauseAt = performance.now() + SLICE_MS;
  }
}

/** The walk of a request; it yields its cursor when past `pauseAt`, between spans. */
function* walk(buf: Uint8Array, limits: SpanLimits, pauseAt: number): Generator<Cursor, DecodedRequest> {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const r = protobuf.Reader.create(bytes);
  const at: Cursor = { depth: 0, resource: -1, scope: -1, span: -1, limits, dropped: new Dropped(), checkAt: CHECK_BYTES, pauseAt };
  const spans: Span[] = [];
  const tally = new RejectTally(at.dropped);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) {
        at.resource++;
        at.scope = -1;
        at.depth = 1;
        const outer = enter(r);
        yield* decodeResourceSpans(r, spans, tally, at);
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

function* decodeResourceSpans(r: Reader, out: Span[], tally: RejectTally, at: Cursor): Generator<Cursor, void> {
  const resource = newResource();
  let attrs = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) {
      const outer = enter(r);
      while (r.pos < r.len) {
        const t = r.uint32();
        if (t === 10) attrs = keyValue(r, resource.attributes, attrs, at.limits.maxAttributes, at, 10);
        else if (t === 16) addDropped(resource, r.uint32());
        else r.skipType(t & 7, 0, t >>> 3);
      }
      r.len = outer;
      addDropped(resource, attrs - at.limits.maxAttributes);
    } else if (tag === 18) {
      at.scope++;
      at.span = -1;
      at.depth = 2;
      const outer = enter(r);
      yield* decodeScopeSpans(r, resource, out, tally, at);
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

function* decodeScopeSpans(r: Reader, resource: Resource, out: Span[], tally: RejectTally, at: Cursor): Generator<Cursor, void> {
  // Created up front: spans may precede the scope field on the wire and must share this object.
  const scope = newScope();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 18) {
      at.span++;
      at.depth = 3;
      const outer = enter(r);
      const span = decodeSpan(r, resource, scope, tally, at);
      at.depth = 2;
      r.len = outer;
      if (span !== null) out.push(span);
      // The clock is read every CHECK_BYTES only: reading it per span would cost about 1%.
      if (r.pos >= at.checkAt) {
        at.checkAt = r.pos + CHECK_BYTES;
        if (performance.now() >= at.pauseAt) yield at;
      }
    } else if (tag === 10) {
      const outer = enter(r);
      decodeScope(r, scope, at);
      r.len = outer;
    } else {
      r.skipType(tag & 7, 0, tag >>> 3);
    }
  }
}

function decodeScope(r: Reader, scope: Scope, at: Cursor): void {
  let attrs = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) scope.name = r.string();
    else if (tag === 18) scope.version = r.string();
    else if (tag === 26) attrs = keyValue(r, scope.attributes, attrs, at.limits.maxAttributes, at, 26);
    else if (tag === 32) addDropped(scope, r.uint32());
    else r.skipType(tag & 7, 0, tag >>> 3);
  }
  addDropped(scope, attrs - at.limits.maxAttributes);
}

/**
 * One KeyValue into `target` while it holds fewer than `max` (the count so far is `n`);
 * beyond that it is skipped unread and counted, with the KeyValues right after it in the same
 * field (`tag`). Returns the new count.
 */
function keyValue(r: Reader, target: Span['attributes'], n: number, max: number, at: Cursor, tag: number): number {
  if (n < max) {
    decodeKeyValue(r, target, 0, at.limits, at.dropped);
    return n + 1;
  }
  const skipped = skipRun(r, tag);
  at.dropped.attributes += skipped;
  return n + skipped;
}

/**
 * Skips the length-delimited field the reader is at (its tag read), and each one right after
 * it with the same one-byte tag; returns how many. A span can hold millions of attributes past
 * the limit, which the walker cannot pause inside: this loop reads only their lengths, in
 * one or two bytes. A longer length, or one running past the message, is left to protobufjs.
 */
function skipRun(r: Reader, tag: number): number {
  const buf = r.buf;
  const end = r.len;
  let pos = r.pos;
  let n = 0;
  for (;;) {
    const start = pos;
    const low = buf[pos++];
    const high = low & 0x80 ? buf[pos++] : 0;
    pos += (low & 0x7f) | ((high & 0x7f) << 7);
    if (high & 0x80 || pos > end) {
      r.pos = start;
      r.skipType(2);
      return n + 1;
    }
    n++;
    if (pos >= end || buf[pos] !== tag) break;
    pos++;
  }
  r.pos = pos;
  return n;
}

/** Returns null (and tallies the reason) for a span whose ids are invalid. */
function decodeSpan(r: Reader, resource: Resource, scope: Scope, tally: RejectTally, at: Cursor): Span | null {
  const span = newSpan(resource, scope);
  const { limits, dropped } = at;
  let problem: string | null = null;
  let attrs = 0;
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
      case 74: attrs = keyValue(r, span.attributes, attrs, limits.maxAttributes, at, 74); break;
      case 80: addDropped(span, r.uint32()); break;
      case 90: {
        if (span.events.length >= limits.maxEvents) {
          r.skipType(2);
          dropped.events++;
          addDropped(span, 1, 'droppedEventsCount');
          break;
        }
        const outer = enter(r);
        const event = decodeEvent(r, at);
        r.len = outer;
        problem ??= timeProblem('event time_unix_nano', event.timeUnixNano);
        span.events.push(event);
        break;
      }
      case 106: {
        if (span.links.length >= limits.maxLinks) {
          r.skipType(2);
          dropped.links++;
          addDropped(span, 1, 'droppedLinksCount');
          break;
        }
        const outer = enter(r);
        const link = decodeLink(r, at);
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
      case 96: addDropped(span, r.uint32(), 'droppedEventsCount'); break;
      case 112: addDropped(span, r.uint32(), 'droppedLinksCount'); break;
      case 133: span.flags = r.fixed32(); break;
      default: r.skipType(tag & 7, 0, tag >>> 3);
    }
  }
  addDropped(span, attrs - limits.maxAttributes);
  // The id checks come first so the reason names the most basic problem.
  if (typeof traceId === 'number') problem = idLengthProblem('trace_id', 16, traceId);
  else if (traceId === ZERO_TRACE_ID) problem = 'trace_id must not be all zero';
  else if (typeof spanId === 'number') problem = idLengthProblem('span_id', 8, spanId);
  else if (spanId === ZERO_SPAN_ID) problem = 'span_id must not be all zero';
  else problem = timeProblem('start_time_unix_nano', span.startTimeUnixNano) ?? timeProblem('end_time_unix_nano', span.endTimeUnixNano) ?? problem;
  if (problem === null) {
    span.traceId = traceId as string;
    span.spanId = spanId as string;
    return span;
  }
  tally.add(problem);
  return null;
}

function decodeEvent(r: Reader, at: Cursor): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {} };
  let attrs = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 9) event.timeUnixNano = readFixed64(r);
    else if (tag === 18) event.name = r.string();
    else if (tag === 26) attrs = keyValue(r, event.attributes, attrs, at.limits.maxAttributesPerEvent, at, 26);
    else r.skipType(tag & 7, 0, tag >>> 3);
  }
  return event;
}

/** The link, or the reason it makes its span invalid. */
function decodeLink(r: Reader, at: Cursor): SpanLink | string {
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {} };
  let traceId: string | number = 0;
  let spanId: string | number = 0;
  let attrs = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) traceId = readId(r, 16);
    else if (tag === 18) spanId = readId(r, 8);
    else if (tag === 26) link.traceState = r.string();
    else if (tag === 34) attrs = keyValue(r, link.attributes, attrs, at.limits.maxAttributesPerLink, at, 34);
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
