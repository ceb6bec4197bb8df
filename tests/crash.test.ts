/**
 * Durable acknowledgement under crashes: while retrying OpenTelemetry HTTP exporters send
 * spans with unique ids, spansift is killed with SIGKILL several times and restarted on
 * the same data. Every span whose export was acknowledged must be stored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { setupProcess, startProcess, type Proc } from './support/process.js';

const KILLS = 3;
const SENDERS = 4;
const SPANS_PER_EXPORT = 50;

function makeSpans(n: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('crash-test');
  for (let i = 0; i < n; i++) tracer.startSpan(`op-${i}`, { attributes: { 'gen_ai.prompt': 'p'.repeat(500), i } }).end();
  return memory.getFinishedSpans();
}

let proc: Proc | undefined;
afterAll(() => {
  proc?.child.kill('SIGKILL');
});

describe('crash safety', () => {
  it('keeps every acknowledged span across repeated SIGKILLs', async () => {
    // Fixed ports: the exporters keep sending to the same address across restarts.
    const setup = await setupProcess({ storage: { clickhouse: { batch: { max_delay: '50ms' } } } }, { fixedPorts: true });
    proc = await startProcess(setup);
    const acknowledged = new Set<string>();
    let attempted = 0;
    let running = true;

    const sender = async () => {
      const exporter = new OTLPTraceExporter({ url: `${setup.httpUrl}/v1/traces`, timeoutMillis: 60_000 });
      while (running) {
        const spans = makeSpans(SPANS_PER_EXPORT);
        attempted += spans.length;
        const result = await new Promise<{ code: number }>((r) => exporter.export(spans, r));
        if (result.code === ExportResultCode.SUCCESS) for (const s of spans) acknowledged.add(s.spanContext().spanId);
      }
      await exporter.shutdown();
    };
    const senders = Array.from({ length: SENDERS }, sender);

    for (let k = 0; k < KILLS; k++) {
      // Let some exports be acknowledged, then kill with requests in flight.
      const target = acknowledged.size + 400;
      while (acknowledged.size < target) await new Promise((r) => setTimeout(r, 20));
      proc.child.kill('SIGKILL');
      await proc.exited;
      proc = await startProcess(setup);
    }
    const target = acknowledged.size + 400;
    while (acknowledged.size < target) await new Promise((r) => setTimeout(r, 20));
    running = false;
    await Promise.all(senders);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    proc = undefined;

    const client = createClient({ connection: createChdbConnection({ path: join(setup.dir, 'clickhouse') }) as never });
    const rs = await client.query({ query: 'SELECT DISTINCT SpanId FROM otel_traces', format: 'JSONEachRow' });
    const stored = new Set((await rs.json<{ SpanId: string }>()).map((r) => r.SpanId));
    await client.close();

    const lost = [...acknowledged].filter((id) => !stored.has(id));
    expect(acknowledged.size).toBeGreaterThan(KILLS * 400);
    expect(attempted).toBeGreaterThanOrEqual(acknowledged.size);
    expect(lost).toEqual([]);
  }, 240_000);
});
