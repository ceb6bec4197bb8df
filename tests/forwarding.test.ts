/**
 * Forwarding through a running spansift: spans sent by a real OpenTelemetry exporter are
 * stored and forwarded over OTLP/HTTP and OTLP/gRPC (one exporter with a `when`); logs and
 * metrics pass through untouched to the exporters that take them, over both transports;
 * a signal no exporter takes answers 404 / UNIMPLEMENTED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, makeGenericClientConstructor, Metadata, status as GrpcStatus, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import { context, trace } from '@opentelemetry/api';
import { getTrace, startSpansift, type Running } from './support/spansift.js';
import { OtlpSink } from './support/otlp-sink.js';
import { logsRequest, metricsRequest } from './support/signals.js';
import { until } from './support/until.js';
import { protobufRequest } from './support/otlp.js';
import { logsService, metricsService } from '../collector/receivers/otlp/grpc.js';
import { countItems } from '../collector/model/otlp-frames.js';

let sink: OtlpSink;
let sift: Running;
let bare: Running;

beforeAll(async () => {
  sink = await new OtlpSink().start();
  const retry = { initial_interval: '20ms', max_interval: '200ms' };
  sift = await startSpansift({
    exporters: {
      otlphttp: { endpoint: sink.httpUrl, signals: ['traces', 'logs'], headers: { 'x-tenant': 'acme' }, retry_on_failure: retry },
      'otlp/chosen': { endpoint: sink.grpcEndpoint, tls: { insecure: true }, signals: ['traces', 'metrics'], when: 'attributes["forward"] == true', retry_on_failure: retry },
    },
  });
  bare = await startSpansift();
});
afterAll(async () => {
  await sift?.stop();
  await bare?.stop();
  await sink?.stop();
});

function makeTrace(n: number, forwardEvery: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('forwarding-test');
  const root = tracer.startSpan('root', { attributes: { forward: true } });
  const ctx = trace.setSpan(context.active(), root);
  for (let i = 1; i < n; i++) tracer.startSpan(`op-${i}`, { attributes: { i, forward: i % forwardEvery === 0 } }, ctx).end();
  root.end();
  return memory.getFinishedSpans();
}

async function exportSpans(url: string, spans: ReadableSpan[]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces` });
  const result = await new Promise<{ code: number; error?: Error }>((r) => exporter.export(spans, r));
  await exporter.shutdown();
  if (result.code !== ExportResultCode.SUCCESS) throw result.error ?? new Error('export failed');
}

function grpcCall(service: ServiceDefinition, grpcUrl: string, body: Uint8Array): Promise<ServiceError | null> {
  const Client = makeGenericClientConstructor(service, 'Service');
  const client = new Client(grpcUrl.replace('http://', ''), credentials.createInsecure());
  return new Promise((resolve) => {
    (client as unknown as { Export: (b: Buffer, m: Metadata, cb: (e: ServiceError | null) => void) => void }).Export(Buffer.from(body), new Metadata(), (err) => {
      client.close();
      resolve(err);
    });
  });
}

describe('forwarding', () => {
  it('stores every span and forwards it to each exporter, only matching spans where a `when` is set', async () => {
    const spans = makeTrace(10, 3);
    const traceId = spans[0].spanContext().traceId;
    await exportSpans(sift.httpUrl, spans);
    const stored = await getTrace(sift, traceId);
    expect(stored.body.spans).toHaveLength(10);
    await until('every span over OTLP/HTTP and the chosen over gRPC', async () => {
      const http = sink.received.filter((r) => r.signal === 'traces' && r.transport === 'http').reduce((n, r) => n + r.items, 0);
      const grpc = sink.received.filter((r) => r.signal === 'traces' && r.transport === 'grpc').reduce((n, r) => n + r.items, 0);
      return http === 10 && grpc === 4;
    });
    const forwarded = sink.spans();
    const byId = new Map(forwarded.map((s) => [s.spanId, s]));
    for (const s of spans) {
      const f = byId.get(s.spanContext().spanId)!;
      expect(f.name).toBe(s.name);
      expect(f.attributes.forward).toBe(s.attributes.forward);
    }
    const chosen = sink.received.filter((r) => r.signal === 'traces' && r.transport === 'grpc');
    expect(chosen.every((r) => r.items > 0)).toBe(true);
    expect(sink.received.find((r) => r.transport === 'http')!.headers['x-tenant']).toBe('acme');
    const sent = async () => Object.fromEntries((await sift.service.metrics.registry.getSingleMetric('spansift_exporter_sent_spans_total')!.get()).values.map((v) => [v.labels.exporter, v.value]));
    // Compared by key: the exporter that sends first is counted first.
    await until('the spans counted as sent', async () => {
      const counted = await sent();
      return Object.keys(counted).length === 2 && counted.otlphttp === 10 && counted['otlp/chosen'] === 4;
    });
  });

  it('forwards a protobuf request whose spans are stored unchanged as the very bytes received', async () => {
    const body = protobufRequest([{ name: 'verbatim-a', attributes: { k: 'v' } }, { name: 'verbatim-b' }]);
    const res = await fetch(`${sift.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(body) });
    expect(res.status).toBe(200);
    await until('the request at the receiver', async () => sink.received.some((r) => r.transport === 'http' && Buffer.from(r.body).includes(Buffer.from(body))));
  });

  it('passes logs through to the exporter of logs, over HTTP (protobuf and JSON) and gRPC, untouched', async () => {
    const before = sink.items('logs');
    const proto = logsRequest(3, 'protobuf', 'proto');
    const res = await fetch(`${sift.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(proto) });
    expect(res.status).toBe(200);
    const json = await fetch(`${sift.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(logsRequest(2, 'json', 'json')) });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({});
    expect(await grpcCall(logsService, sift.grpcUrl, logsRequest(4, 'protobuf', 'grpc'))).toBeNull();
    await until('9 log records at the receiver', async () => sink.items('logs') - before === 9);
    const bodies = sink.received.filter((r) => r.signal === 'logs').map((r) => Buffer.from(r.body));
    // Requests may be joined into one batch; the protobuf request arrives byte for byte inside it.
    expect(bodies.some((b) => b.includes(Buffer.from(proto)))).toBe(true);
    expect(sink.received.filter((r) => r.signal === 'logs').every((r) => r.transport === 'http')).toBe(true);
  });

  it('passes metrics through to the exporter of metrics (gRPC here), from HTTP and gRPC', async () => {
    const body = await metricsRequest(2, 'protobuf');
    const res = await fetch(`${sift.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(body) });
    expect(res.status).toBe(200);
    expect(await grpcCall(metricsService, sift.grpcUrl, body)).toBeNull();
    await until('12 metric points at the receiver', async () => sink.items('metrics') === 2 * countItems('metrics', body));
    expect(sink.received.filter((r) => r.signal === 'metrics').every((r) => r.transport === 'grpc')).toBe(true);
  });

  it('answers 404 and UNIMPLEMENTED for a signal no exporter takes', async () => {
    const logs = await fetch(`${bare.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(logsRequest(1, 'protobuf')) });
    expect(logs.status).toBe(404);
    expect(await logs.json()).toMatchObject({ message: expect.stringContaining('no exporter forwards logs') });
    const metrics = await fetch(`${bare.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(await metricsRequest(1, 'protobuf')) });
    expect(metrics.status).toBe(404);
    expect(await grpcCall(metricsService, bare.grpcUrl, await metricsRequest(1, 'protobuf'))).toMatchObject({ code: GrpcStatus.UNIMPLEMENTED });
    const err = await grpcCall(logsService, bare.grpcUrl, logsRequest(1, 'protobuf'));
    expect(err?.code).toBe(GrpcStatus.UNIMPLEMENTED);
    const bad = await fetch(`${sift.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0x05, 0x01]) });
    expect(bad.status).toBe(400);
  });
});

describe("an exporter's own redaction", () => {
  let own: OtlpSink;
  let redacting: Running;
  beforeAll(async () => {
    own = await new OtlpSink().start();
    redacting = await startSpansift({
      exporters: {
        otlphttp: { endpoint: own.httpUrl, retry_on_failure: { initial_interval: '20ms', max_interval: '200ms' }, redaction: { mask_keys: ['user.secret'], mask_values: ['email'] } },
      },
    });
  });
  afterAll(async () => {
    await redacting?.stop();
    await own?.stop();
  });

  it('redacts the forwarded copy and stores the span as received', async () => {
    const body = protobufRequest([{ name: 'with-secrets', attributes: { 'user.secret': 'hunter2', note: 'write to bob@example.com', plain: 'kept' } }]);
    const res = await fetch(`${redacting.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(body) });
    expect(res.status).toBe(200);
    await until('the span at the receiver', async () => own.spans().some((s) => s.name === 'with-secrets'));
    const forwarded = own.spans().find((s) => s.name === 'with-secrets')!;
    expect(forwarded.attributes).toMatchObject({ 'user.secret': '****', note: 'write to ****', plain: 'kept' });
    expect(own.received.some((r) => Buffer.from(r.body).includes(Buffer.from('hunter2')))).toBe(false);
    const stored = await getTrace(redacting, forwarded.traceId);
    expect(stored.body.spans[0].attributes).toMatchObject({ 'user.secret': 'hunter2', note: 'write to bob@example.com' });
  });
});

describe('processors.redaction before forwarding', () => {
  let own: OtlpSink;
  let redacting: Running;
  beforeAll(async () => {
    own = await new OtlpSink().start();
    redacting = await startSpansift({
      processors: { redaction: { mask_values: ['email'] } },
      exporters: { otlphttp: { endpoint: own.httpUrl, retry_on_failure: { initial_interval: '20ms', max_interval: '200ms' } } },
    });
  });
  afterAll(async () => {
    await redacting?.stop();
    await own?.stop();
  });

  it('forwards the redacted spans, never the request as received', async () => {
    const body = protobufRequest([{ name: 'mailing', attributes: { to: 'alice@example.com' } }]);
    const res = await fetch(`${redacting.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(body) });
    expect(res.status).toBe(200);
    await until('the span at the receiver', async () => own.spans().some((s) => s.name === 'mailing'));
    expect(own.spans().find((s) => s.name === 'mailing')!.attributes.to).toBe('****');
    expect(own.received.some((r) => Buffer.from(r.body).includes(Buffer.from('alice@example.com')))).toBe(false);
  });
});
