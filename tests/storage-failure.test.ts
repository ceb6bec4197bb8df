/**
 * When ClickHouse fails, nothing is acknowledged that is not stored: retryable failures
 * answer 503 / UNAVAILABLE with a retry delay, data errors answer 400 and are not retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ExportResultCode } from '@opentelemetry/core';
import { startSpansift, testStorage, getTrace, type Running } from './support/spansift.js';
import { faulty, clickhouseError, type Faults } from './support/faulty-connection.js';
import { decodeStatus, hex, post, protobufRequest } from './support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };
const faults: Faults = { inserts: 0 };
const storage = testStorage(faulty(faults));
let sift: Running;

beforeAll(async () => {
  sift = await startSpansift({ limits: { retry_after: '2s' } }, storage);
});
afterAll(async () => {
  await sift?.stop();
  await storage.client.close();
});

describe('storage failures', () => {
  it('answers 503 with Retry-After while ClickHouse is down, and stores on retry', async () => {
    const traceId = hex(16);
    const body = protobufRequest([{ traceId, name: 'while down' }]);
    faults.insertError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    const down = await post(sift.httpUrl, body, PB);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('2');
    const status = decodeStatus(down.body);
    expect(status.code).toBe(14); // UNAVAILABLE
    expect(status.message).toContain('nothing was stored');
    expect((await getTrace(sift, traceId)).status).toBe(404);

    faults.insertError = undefined;
    const up = await post(sift.httpUrl, body, PB);
    expect(up.status).toBe(200);
    expect((await getTrace(sift, traceId)).body.spans).toHaveLength(1);
  });

  it('answers 400 for data ClickHouse can never take, without retrying the insert', async () => {
    faults.insertError = clickhouseError(27, 'Cannot parse input: expected , before: ...');
    const before = faults.inserts;
    const res = await post(sift.httpUrl, protobufRequest([{ name: 'bad data' }]), PB);
    faults.insertError = undefined;
    expect(res.status).toBe(400);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(decodeStatus(res.body).message).toContain('rejected');
    expect(faults.inserts - before).toBe(1);
  });

  it('answers UNAVAILABLE over gRPC while ClickHouse is down', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    provider.getTracer('t').startSpan('grpc while down').end();
    const span = memory.getFinishedSpans()[0];
    faults.insertError = new Error('socket hang up');
    // The exporter retries UNAVAILABLE on its own; with a short timeout it gives up and reports the failure.
    const exporter = new GrpcExporter({ url: sift.grpcUrl, timeoutMillis: 1500 });
    const result = await new Promise<{ code: number; error?: Error }>((r) => exporter.export([span], r));
    faults.insertError = undefined;
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect((await getTrace(sift, span.spanContext().traceId)).status).toBe(404);
  });

  it('reports not ready while storage cannot be reached', async () => {
    faults.pingError = new Error('connection refused');
    const down = await fetch(`${sift.uiUrl}/readyz`);
    faults.pingError = undefined;
    expect(down.status).toBe(503);
    expect((await fetch(`${sift.uiUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${sift.uiUrl}/healthz`)).status).toBe(200);
  });
});
