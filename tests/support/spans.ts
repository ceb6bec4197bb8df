/** Test helpers for payload extraction: a span from attributes, and real SDK spans as spansift receives them. */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeProtobuf } from '../../collector/receivers/otlp/decode.js';
import type { Attributes, Span } from '../../collector/model/span.js';

export function spanWith(attributes: Attributes, name = 'span'): Span {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name,
    kind: 1,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_001_000_000_000n,
    attributes,
    events: [],
    links: [],
    status: { code: 0, message: '' },
    resource: { attributes: {}, serviceName: '', schemaUrl: '' },
    scope: { name: '', version: '', attributes: {} },
  };
}

/** Exactly what an OTLP/HTTP protobuf exporter sends, decoded the way spansift decodes it. */
export function overTheWire(spans: ReadableSpan[]): Span[] {
  const body = ProtobufTraceSerializer.serializeRequest(spans);
  if (body === undefined) throw new Error('serializer produced no body');
  const decoded = decodeProtobuf(body);
  if (decoded.rejected !== 0) throw new Error(decoded.rejectReason);
  return decoded.spans;
}

export function byName(spans: Span[], name: string): Span {
  const s = spans.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no span named ${name}; have: ${spans.map((x) => x.name).join(', ')}`);
  return s;
}

/** What openai's APIPromise offers its instrumentation: a promise with _thenUnwrap. */
export function apiPromise<T>(value: T): Promise<T> {
  const p = Promise.resolve(value) as Promise<T> & { _thenUnwrap?: (f: (v: T) => unknown) => Promise<unknown> };
  p._thenUnwrap = (f) => p.then(f);
  return p;
}
