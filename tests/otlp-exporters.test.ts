/**
 * Real OpenTelemetry JS exporters (HTTP protobuf, HTTP JSON, gRPC; each plain and gzip)
 * send real SDK spans to a running spansift; the spans read back through the API match
 * field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ExportResultCode } from '@opentelemetry/core';
import type { HrTime } from '@opentelemetry/api';
import { startSpansift, getTrace, type Running } from './support/spansift.js';

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift();
});
afterAll(async () => {
  await sift?.stop();
});

/** Makes one trace of two spans (parent + child with every attribute type, events, a link). */
function makeTrace(label: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `svc-${label}`, 'deployment.environment': 'test', 'host.cpu': 8 }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('spansift-tests', '1.2.3');
  const linked = tracer.startSpan('linked');
  linked.end();
  const parent = tracer.startSpan('chat gpt-4o', { kind: SpanKind.SERVER });
  const ctx = trace.setSpan(context.active(), parent);
  const child = tracer.startSpan(
    'llm call',
    {
      kind: SpanKind.CLIENT,
      links: [{ context: linked.spanContext(), attributes: { 'link.reason': 'retry-of' } }],
      attributes: {
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1234,
        'gen_ai.request.temperature': 0.25,
        'gen_ai.is_stream': true,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'llm.scores': [1, 2.5, 3],
        'llm.flags': [true, false],
        'text.unicode': 'naïve ☃ 日本語 "quoted" \\ back',
      },
    },
    ctx,
  );
  child.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'Hello?', 'attempt': 2 });
  child.addEvent('exception', { 'exception.type': 'RateLimit', 'exception.message': 'slow down' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream said 429' });
  child.end();
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end();
  return memory.getFinishedSpans().filter((s) => s.name !== 'linked').concat(memory.getFinishedSpans().filter((s) => s.name === 'linked'));
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error ?? new Error('export failed')))),
  );
}

/** Exact nanoseconds (hrTimeToNanoseconds returns a double, which rounds). */
const ns = (t: HrTime) => String(BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]));

const KIND = ['Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS = ['Unset', 'Ok', 'Error'];

function expectStored(stored: any, s: ReadableSpan) {
  const ctx = s.spanContext();
  expect(stored.traceId).toBe(ctx.traceId);
  expect(stored.spanId).toBe(ctx.spanId);
  expect(stored.parentSpanId).toBe(s.parentSpanContext?.spanId ?? '');
  expect(stored.name).toBe(s.name);
  expect(stored.kind).toBe(KIND[s.kind]);
  expect(stored.startTimeUnixNano).toBe(ns(s.startTime));
  expect(stored.endTimeUnixNano).toBe(ns(s.endTime));
  expect(stored.status).toEqual({ code: STATUS[s.status.code], message: s.status.message ?? '' });
  expect(stored.serviceName).toBe(s.resource.attributes['service.name']);
  expect(stored.resource.attributes).toEqual({ 'service.name': s.resource.attributes['service.name'], 'deployment.environment': 'test', 'host.cpu': '8', ...sdkResourceExtras(s) });
  expect(stored.scope).toEqual({ name: 'spansift-tests', version: '1.2.3' });
  const expectedAttrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.attributes)) expectedAttrs[k] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  expect(stored.attributes).toEqual(expectedAttrs);
  expect(stored.events).toEqual(
    s.events.map((e) => ({
      timeUnixNano: ns(e.time),
      name: e.name,
      attributes: Object.fromEntries(Object.entries(e.attributes ?? {}).map(([k, v]) => [k, String(v)])),
    })),
  );
  expect(stored.links).toEqual(
    s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: '',
      attributes: Object.fromEntries(Object.entries(l.attributes ?? {}).map(([k, v]) => [k, String(v)])),
    })),
  );
}

/** The SDK adds telemetry.sdk.* to every resource; they are stored like any attribute. */
function sdkResourceExtras(s: ReadableSpan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.resource.attributes)) if (k.startsWith('telemetry.')) out[k] = String(v);
  return out;
}

const transports = [
  { name: 'http/protobuf', make: (r: Running, compression?: 'gzip') => new ProtoExporter({ url: `${r.httpUrl}/v1/traces`, compression: compression as never }) },
  { name: 'http/json', make: (r: Running, compression?: 'gzip') => new JsonExporter({ url: `${r.httpUrl}/v1/traces`, compression: compression as never }) },
  { name: 'grpc', make: (r: Running, compression?: 'gzip') => new GrpcExporter({ url: r.grpcUrl, compression: compression as never }) },
];

describe.each(transports)('$name exporter', ({ name, make }) => {
  it.each([undefined, 'gzip' as const])('stores every field (compression: %s)', async (compression) => {
    const spans = makeTrace(`${name}-${compression ?? 'none'}`);
    const exporter = make(sift, compression);
    await exportWith(exporter, spans);
    await exporter.shutdown();
    const traceId = spans[0].spanContext().traceId;
    const { status, body } = await getTrace(sift, traceId);
    expect(status).toBe(200);
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    expect(body.spans).toHaveLength(inTrace.length);
    for (const s of inTrace) expectStored(body.spans.find((x: any) => x.spanId === s.spanContext().spanId), s);
    // The linked span lives in its own trace and is stored too.
    const linked = spans.find((s) => s.name === 'linked')!;
    const other = await getTrace(sift, linked.spanContext().traceId);
    expect(other.body.spans.map((x: any) => x.name)).toEqual(['linked']);
  });
});
