/**
 * Spans (collector/model) -> an OTLP ExportTraceServiceRequest in protobuf, for forwarding
 * spans that spansift changed (redacted, filtered) or received as OTLP JSON. Field numbers
 * follow proto/opentelemetry/proto/trace/v1/trace.proto; the tests decode the output with
 * spansift's decoder and with protobufjs's reflection types.
 *
 * Consecutive spans that share a resource and a scope object (as the decoders make them for
 * one ResourceSpans and ScopeSpans) go into one ResourceSpans / ScopeSpans. The span model
 * keeps no scope schema URL and no dropped counts of events and links, so those are not
 * written; the dropped counts of spans, resources and scopes are.
 */
import protobuf from 'protobufjs';
import type { AttrValue, Attributes, Resource, Scope, Span } from '../../model/span.js';

type Writer = protobuf.Writer;

const TWO_32 = 2 ** 32;

/** Wire tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
const T = {
  resourceSpans: (1 << 3) | 2,
  rsResource: (1 << 3) | 2,
  rsScopeSpans: (2 << 3) | 2,
  rsSchemaUrl: (3 << 3) | 2,
  resAttributes: (1 << 3) | 2,
  resDroppedAttributes: (2 << 3) | 0,
  ssScope: (1 << 3) | 2,
  ssSpans: (2 << 3) | 2,
  scopeName: (1 << 3) | 2,
  scopeVersion: (2 << 3) | 2,
  scopeAttributes: (3 << 3) | 2,
  scopeDroppedAttributes: (4 << 3) | 0,
  traceId: (1 << 3) | 2,
  spanId: (2 << 3) | 2,
  traceState: (3 << 3) | 2,
  parentSpanId: (4 << 3) | 2,
  name: (5 << 3) | 2,
  kind: (6 << 3) | 0,
  start: (7 << 3) | 1,
  end: (8 << 3) | 1,
  attributes: (9 << 3) | 2,
  droppedAttributes: (10 << 3) | 0,
  events: (11 << 3) | 2,
  droppedEvents: (12 << 3) | 0,
  links: (13 << 3) | 2,
  droppedLinks: (14 << 3) | 0,
  status: (15 << 3) | 2,
  flags: (16 << 3) | 5,
  eventTime: (1 << 3) | 1,
  eventName: (2 << 3) | 2,
  eventAttributes: (3 << 3) | 2,
  linkTraceId: (1 << 3) | 2,
  linkSpanId: (2 << 3) | 2,
  linkTraceState: (3 << 3) | 2,
  linkAttributes: (4 << 3) | 2,
  statusMessage: (2 << 3) | 2,
  statusCode: (3 << 3) | 0,
  kvKey: (1 << 3) | 2,
  kvValue: (2 << 3) | 2,
  anyString: (1 << 3) | 2,
  anyBool: (2 << 3) | 0,
  anyInt: (3 << 3) | 0,
  anyDouble: (4 << 3) | 1,
  anyArray: (5 << 3) | 2,
  anyKvlist: (6 << 3) | 2,
  anyBytes: (7 << 3) | 2,
  listValues: (1 << 3) | 2,
} as const;

/** The spans as one ExportTraceServiceRequest. */
export function encodeTraces(spans: readonly Span[]): Uint8Array {
  const w = protobuf.Writer.create();
  let i = 0;
  while (i < spans.length) {
    const resource = spans[i].resource;
    w.uint32(T.resourceSpans).fork();
    writeResource(w, resource);
    while (i < spans.length && spans[i].resource === resource) {
      const scope = spans[i].scope;
      w.uint32(T.rsScopeSpans).fork();
      writeScope(w, scope);
      while (i < spans.length && spans[i].resource === resource && spans[i].scope === scope) {
        w.uint32(T.ssSpans).fork();
        writeSpan(w, spans[i]);
        w.ldelim();
        i++;
      }
      w.ldelim();
    }
    if (resource.schemaUrl) w.uint32(T.rsSchemaUrl).string(resource.schemaUrl);
    w.ldelim();
  }
  return w.finish();
}

function writeResource(w: Writer, r: Resource): void {
  w.uint32(T.rsResource).fork();
  writeAttributes(w, T.resAttributes, r.attributes);
  writeCount(w, T.resDroppedAttributes, r.droppedAttributesCount);
  w.ldelim();
}

function writeScope(w: Writer, s: Scope): void {
  w.uint32(T.ssScope).fork();
  if (s.name) w.uint32(T.scopeName).string(s.name);
  if (s.version) w.uint32(T.scopeVersion).string(s.version);
  writeAttributes(w, T.scopeAttributes, s.attributes);
  writeCount(w, T.scopeDroppedAttributes, s.droppedAttributesCount);
  w.ldelim();
}

function writeSpan(w: Writer, s: Span): void {
  writeId(w, T.traceId, s.traceId);
  writeId(w, T.spanId, s.spanId);
  if (s.traceState) w.uint32(T.traceState).string(s.traceState);
  writeId(w, T.parentSpanId, s.parentSpanId);
  if (s.name) w.uint32(T.name).string(s.name);
  if (s.kind) w.uint32(T.kind).uint32(s.kind);
  writeFixed64(w, T.start, s.startTimeUnixNano);
  writeFixed64(w, T.end, s.endTimeUnixNano);
  writeAttributes(w, T.attributes, s.attributes);
  writeCount(w, T.droppedAttributes, s.droppedAttributesCount);
  for (const e of s.events) {
    w.uint32(T.events).fork();
    writeFixed64(w, T.eventTime, e.timeUnixNano);
    if (e.name) w.uint32(T.eventName).string(e.name);
    writeAttributes(w, T.eventAttributes, e.attributes);
    w.ldelim();
  }
  for (const l of s.links) {
    w.uint32(T.links).fork();
    writeId(w, T.linkTraceId, l.traceId);
    writeId(w, T.linkSpanId, l.spanId);
    if (l.traceState) w.uint32(T.linkTraceState).string(l.traceState);
    writeAttributes(w, T.linkAttributes, l.attributes);
    w.ldelim();
  }
  writeCount(w, T.droppedEvents, s.droppedEventsCount);
  writeCount(w, T.droppedLinks, s.droppedLinksCount);
  if (s.status.code || s.status.message) {
    w.uint32(T.status).fork();
    if (s.status.message) w.uint32(T.statusMessage).string(s.status.message);
    if (s.status.code) w.uint32(T.statusCode).uint32(s.status.code);
    w.ldelim();
  }
  if (s.flags) w.uint32(T.flags).fixed32(s.flags);
}

/** A dropped_*_count (uint32), left out when 0 as proto3 does. */
function writeCount(w: Writer, tag: number, n: number | undefined): void {
  if (n) w.uint32(tag).uint32(Math.min(n, 0xffffffff));
}

function writeId(w: Writer, tag: number, hex: string): void {
  if (hex) w.uint32(tag).bytes(Buffer.from(hex, 'hex'));
}

function writeFixed64(w: Writer, tag: number, ns: bigint): void {
  if (ns === 0n) return;
  const n = BigInt.asUintN(64, ns);
  w.uint32(tag);
  if (n < 0x20000000000000n) {
    const v = Number(n);
    w.fixed32(v % TWO_32).fixed32(Math.floor(v / TWO_32));
  } else {
    w.fixed32(Number(n & 0xffffffffn)).fixed32(Number(n >> 32n));
  }
}

function writeAttributes(w: Writer, tag: number, attrs: Attributes): void {
  for (const key in attrs) {
    w.uint32(tag).fork();
    writeKeyValue(w, key, attrs[key]);
    w.ldelim();
  }
}

function writeKeyValue(w: Writer, key: string, value: AttrValue): void {
  w.uint32(T.kvKey).string(key);
  w.uint32(T.kvValue).fork();
  writeAnyValue(w, value);
  w.ldelim();
}

/** An AnyValue's fields (its length prefix is the caller's); null is the empty AnyValue. */
function writeAnyValue(w: Writer, v: AttrValue): void {
  switch (typeof v) {
    case 'string':
      w.uint32(T.anyString).string(v);
      return;
    case 'boolean':
      w.uint32(T.anyBool).bool(v);
      return;
    case 'number':
      // The decoders give int_value as a number only when it is a safe integer, double_value
      // always as a number: an integral double (1.0) comes back as int, as OTLP JSON would.
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) w.uint32(T.anyInt).int64(v);
      else w.uint32(T.anyDouble).double(v);
      return;
    case 'bigint': {
      const u = BigInt.asUintN(64, v);
      w.uint32(T.anyInt).int64({ low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: false } as never);
      return;
    }
    default:
      if (v === null) return;
      if (v instanceof Uint8Array) {
        w.uint32(T.anyBytes).bytes(v);
        return;
      }
      if (Array.isArray(v)) {
        w.uint32(T.anyArray).fork();
        for (const item of v) {
          w.uint32(T.listValues).fork();
          writeAnyValue(w, item);
          w.ldelim();
        }
        w.ldelim();
        return;
      }
      w.uint32(T.anyKvlist).fork();
      for (const k in v) {
        w.uint32(T.listValues).fork();
        writeKeyValue(w, k, v[k]);
        w.ldelim();
      }
      w.ldelim();
  }
}
