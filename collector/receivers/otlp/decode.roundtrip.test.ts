/**
 * What real exporters send: spans recorded by the OpenTelemetry JS SDK, serialized by the
 * same otlp-transformer code that @opentelemetry/exporter-trace-otlp-{proto,http} use.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, context, createTraceState, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../model/span.js';
import { decodeJson, decodeProtobuf } from './decode.js';

function recordSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '2.1.0', 'host.cpu.count': 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('my.instrumentation', '0.9.1');

  // A remote parent with a trace state, as an incoming traceparent/tracestate header makes.
  const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=abc,other=x1'),
  });
  const linked = tracer.startSpan('linked-target');
  linked.end();

  const span = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1234,
        'gen_ai.request.temperature': 0.7,
        'gen_ai.stream': true,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'scores': [1, 2.5, -3],
        'empty.string': '',
        'unicode': 'héllo → 世界 🙂',
      },
      links: [{ context: linked.spanContext(), attributes: { 'link.kind': 'follows', 'link.n': 2 } }],
      startTime: [1_700_000_000, 123_456_789],
    },
    remoteParent,
  );
  span.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'Say hi', 'index': 0 }, [1_700_000_000, 500_000_001]);
  span.addEvent('no-attributes', [1_700_000_001, 0]);
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited by upstream' });
  span.end([1_700_000_002, 999_999_999]);

  context.with(trace.setSpan(ROOT_CONTEXT, span), () => tracer.startSpan('child', { kind: SpanKind.INTERNAL }).end());
  return exporter.getFinishedSpans();
}

const hrToNanos = (t: [number, number]): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

function expectSame(decoded: Span, rs: ReadableSpan): void {
  const ctx = rs.spanContext();
  expect(decoded.traceId).toBe(ctx.traceId);
  expect(decoded.spanId).toBe(ctx.spanId);
  expect(decoded.parentSpanId).toBe(rs.parentSpanContext?.spanId ?? '');
  expect(decoded.traceState).toBe(ctx.traceState?.serialize() ?? '');
  expect(decoded.flags).toBe((ctx.traceFlags & 0xff) | 0x100 | (rs.parentSpanContext?.isRemote ? 0x200 : 0));
  expect(decoded.name).toBe(rs.name);
  expect(decoded.kind).toBe(rs.kind + 1); // the API's enum starts at INTERNAL = 0, OTLP's at UNSPECIFIED = 0
  expect(decoded.startTimeUnixNano).toBe(hrToNanos(rs.startTime));
  expect(decoded.endTimeUnixNano).toBe(hrToNanos(rs.endTime));
  expect(decoded.attributes).toStrictEqual({ ...rs.attributes });
  expect(decoded.events).toStrictEqual(
    rs.events.map((e) => ({ timeUnixNano: hrToNanos(e.time), name: e.name, attributes: { ...(e.attributes ?? {}) } })),
  );
  expect(decoded.links).toStrictEqual(
    rs.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      attributes: { ...(l.attributes ?? {}) },
    })),
  );
  expect(decoded.status).toStrictEqual({ code: rs.status.code, message: rs.status.message ?? '' });
  expect(decoded.resource.attributes).toStrictEqual({ ...rs.resource.attributes });
  expect(decoded.resource.serviceName).toBe('checkout');
  expect(decoded.scope).toStrictEqual({
    name: rs.instrumentationScope.name,
    version: rs.instrumentationScope.version ?? '',
    attributes: {},
  });
}

describe.each([
  ['protobuf', (spans: ReadableSpan[]) => decodeProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!)],
  ['json', (spans: ReadableSpan[]) => decodeJson(JsonTraceSerializer.serializeRequest(spans)!)],
])('round trip through the OpenTelemetry JS %s serializer', (_format, decode) => {
  const readable = recordSpans();
  const decoded = decode(readable);

  it('keeps every span and rejects none', () => {
    expect(decoded.rejected).toBe(0);
    expect(decoded.rejectReason).toBe('');
    expect(decoded.spans.map((s) => s.name)).toStrictEqual(readable.map((s) => s.name));
  });

  it('decodes every field of every span', () => {
    for (const rs of readable) {
      const span = decoded.spans.find((s) => s.spanId === rs.spanContext().spanId);
      expect(span, rs.name).toBeDefined();
      expectSame(span!, rs);
    }
  });

  it('checks the interesting values explicitly', () => {
    const span = decoded.spans.find((s) => s.name === 'chat gpt-4o')!;
    expect(span.kind).toBe(3);
    expect(span.status).toStrictEqual({ code: 2, message: 'rate limited by upstream' });
    expect(span.parentSpanId).toBe('b7ad6b7169203331');
    expect(span.traceState).toBe('vendor=abc,other=x1');
    expect(span.flags).toBe(0x301);
    expect(span.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(1234);
    expect(span.attributes['scores']).toStrictEqual([1, 2.5, -3]);
    expect(span.events[0].timeUnixNano).toBe(1_700_000_000_500_000_001n);
    expect(span.links).toHaveLength(1);
  });

  it('shares the resource and scope objects between spans of the same batch', () => {
    const [a, b] = decoded.spans;
    expect(a.resource).toBe(b.resource);
    expect(a.scope).toBe(b.scope);
  });
});
