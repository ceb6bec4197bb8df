/**
 * Forwarding survives its receiver being down and spansift being killed: spansift forwards
 * to a second spansift (a real OTLP receiver with its own storage) that is not running yet,
 * spansift is killed (SIGKILL) and restarted while spans wait in its sending queue, and once
 * the receiver comes up every span arrives there, and every span is in spansift's own storage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import { setupProcess, startProcess, type Proc, type ProcessSetup } from './support/process.js';
import { until } from './support/until.js';

const procs: Proc[] = [];
afterAll(() => {
  for (const p of procs) p.child.kill('SIGKILL');
});

function makeTrace(tag: string, n: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('forwarding-restart');
  const root = tracer.startSpan(`${tag}-root`);
  const ctx = trace.setSpan(context.active(), root);
  for (let i = 1; i < n; i++) tracer.startSpan(`${tag}-${i}`, { attributes: { 'gen_ai.prompt': `prompt ${i}`, i } }, ctx).end();
  root.end();
  return memory.getFinishedSpans();
}

async function exportSpans(url: string, spans: ReadableSpan[]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces` });
  const result = await new Promise<{ code: number; error?: Error }>((r) => exporter.export(spans, r));
  await exporter.shutdown();
  if (result.code !== ExportResultCode.SUCCESS) throw result.error ?? new Error('export failed');
}

/** Span ids stored for a trace, read through the API as a user would. */
async function storedIds(setup: ProcessSetup, traceId: string): Promise<Set<string>> {
  const res = await fetch(`${setup.uiUrl}/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${setup.adminToken}` } });
  if (res.status === 404) return new Set();
  const body = (await res.json()) as { spans: { spanId: string }[] };
  return new Set(body.spans.map((s) => s.spanId));
}

async function start(setup: ProcessSetup): Promise<Proc> {
  const p = await startProcess(setup);
  procs.push(p);
  return p;
}

describe('forwarding across a receiver outage and a restart', () => {
  it('delivers every acknowledged span once the receiver is back, and loses none from storage', async () => {
    const receiver = await setupProcess({}, { fixedPorts: true });
    const retry = { initial_interval: '50ms', max_interval: '300ms', max_elapsed_time: 0 };
    const sidecar = await setupProcess({ exporters: { otlphttp: { endpoint: receiver.httpUrl, retry_on_failure: retry } } }, { fixedPorts: true });

    let proc = await start(sidecar);
    const first = makeTrace('before', 40);
    await exportSpans(sidecar.httpUrl, first);
    await until('a failed attempt to reach the receiver', async () => proc.output().includes('sending failed; retrying with backoff'));

    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = await start(sidecar);
    expect(proc.output()).toContain('sending what the last run left in the queue');
    const second = makeTrace('after', 25);
    await exportSpans(sidecar.httpUrl, second);

    await start(receiver);
    for (const spans of [first, second]) {
      const traceId = spans[0].spanContext().traceId;
      const want = new Set(spans.map((s) => s.spanContext().spanId));
      const arrived = await until(`the ${spans.length} spans of ${traceId} at the receiver`, async () => {
        const ids = await storedIds(receiver, traceId);
        return ids.size === want.size && ids;
      });
      expect(arrived).toEqual(want);
      expect(await storedIds(sidecar, traceId)).toEqual(want);
    }
    // The receiver stores a batch before the sidecar reads its answer and empties the queue.
    await until('an empty sending queue', async () => {
      const metrics = await (await fetch(`${sidecar.uiUrl}/metrics`, { headers: { authorization: `Bearer ${sidecar.adminToken}` } })).text();
      return /spansift_exporter_queue_size\{exporter="otlphttp"\} 0$/m.test(metrics);
    });
  });
});
