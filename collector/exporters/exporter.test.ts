import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { exporterSchema } from '../../config/exporters.js';
import { createLogger } from '../log.js';
import { Exporter } from './exporter.js';
import { Forwarder } from './forwarder.js';
import { decodeProtobuf } from '../receivers/otlp/decode.js';
import { registerExporterMetrics } from './metrics.js';
import { OtlpSink } from '../../tests/support/otlp-sink.js';
import { protobufRequest } from '../../tests/support/otlp.js';
import { until } from '../../tests/support/until.js';
import { freePort } from '../../tests/support/process.js';

const open: { stop: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.stop()));
});

/** Fast retries, so the tests wait for the receiver's delays and not for the defaults. */
const FAST_RETRY = { initial_interval: '20ms', max_interval: '100ms', randomization_factor: 0 };

async function exporter(endpoint: string, over: Record<string, unknown> = {}, dir = mkdtempSync(join(tmpdir(), 'spansift-exporter-')), start = true) {
  const registry = new Registry();
  let ex: Exporter | undefined;
  const metrics = registerExporterMetrics(registry, () => (ex ? [{ exporter: ex.id, size: ex.queueSize, capacity: ex.queueCapacity }] : []));
  const config = exporterSchema.parse({ endpoint, retry_on_failure: FAST_RETRY, ...over });
  ex = await Exporter.open({ id: 'otlphttp', config, dir, metrics, log: createLogger('silent') });
  if (start) ex.start();
  open.push(ex);
  const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.exporter === 'otlphttp')?.value ?? 0;
  return { ex, dir, value };
}

async function sink(): Promise<OtlpSink> {
  const s = await new OtlpSink().start();
  open.push(s);
  return s;
}

const request = (n: number, tag = 'x') => protobufRequest(Array.from({ length: n }, (_, i) => ({ name: `${tag}-${i}` })));

describe('Exporter', () => {
  it('waits out Retry-After on 429 and 503, then delivers the batch once', async () => {
    const s = await sink();
    s.answer({ status: 429, headers: { 'retry-after': '1' } }, { status: 503, headers: { 'retry-after': '1' } });
    const { ex, value } = await exporter(s.httpUrl);
    expect(await ex.enqueue('traces', request(3), 3)).toBe(true);
    await until('the batch to arrive', async () => s.received.length === 1);
    expect(s.refused.map((r) => r.status)).toEqual([429, 503]);
    // Retry-After (1s) wins over the 20ms backoff each time.
    expect(s.refused[1].at - s.refused[0].at).toBeGreaterThanOrEqual(950);
    expect(s.received[0].at - s.refused[1].at).toBeGreaterThanOrEqual(950);
    expect(s.spans().map((x) => x.name).sort()).toEqual(['x-0', 'x-1', 'x-2']);
    // The receiver has the batch before the exporter has read its answer.
    await until('the batch counted as sent', async () => (await value('spansift_exporter_sent_spans_total')) === 3);
    expect(await value('spansift_exporter_send_failed_spans_total')).toBe(0);
    expect(await value('spansift_exporter_queue_size')).toBe(0);
  });

  it('drops a batch the receiver refuses with 400, counts it, and goes on with the next', async () => {
    const s = await sink();
    s.answer({ status: 400 });
    const { ex, value, dir } = await exporter(s.httpUrl, { sending_queue: { num_consumers: 1 } });
    await ex.enqueue('traces', request(4, 'refused'), 4);
    await ex.enqueue('traces', request(2, 'taken'), 2);
    await until('the second batch', async () => s.received.length === 1);
    expect(s.refused.map((r) => r.status)).toEqual([400]);
    expect(s.spans().map((x) => x.name).sort()).toEqual(['taken-0', 'taken-1']);
    await until('the second batch counted as sent', async () => (await value('spansift_exporter_sent_spans_total')) === 2);
    expect(await value('spansift_exporter_send_failed_spans_total')).toBe(4);
    expect(readdirSync(dir).filter((f) => f.endsWith('.otlp'))).toEqual([]);
  });

  it('sends the requests of a refused joined batch one by one, so only the bad one is dropped', async () => {
    const s = await sink();
    // The joined batch is refused; alone, the second request is refused again and the others are taken.
    s.answer({ status: 400 }, { status: 0 }, { status: 400 }, { status: 0 });
    const { ex, value } = await exporter(s.httpUrl, { sending_queue: { num_consumers: 1 } }, undefined, false);
    for (const tag of ['a', 'bad', 'c']) await ex.enqueue('traces', request(2, tag), 2);
    ex.start();
    await until('the good requests', async () => s.spans().length === 4);
    expect(s.refused.map((r) => r.status)).toEqual([400, 400]);
    expect(s.spans().map((x) => x.name).sort()).toEqual(['a-0', 'a-1', 'c-0', 'c-1']);
    await until('the counts', async () => (await value('spansift_exporter_send_failed_spans_total')) === 2 && (await value('spansift_exporter_sent_spans_total')) === 4);
  });

  it('gives a batch up once retries pass max_elapsed_time', async () => {
    const port = await freePort();
    const { ex, value } = await exporter(`http://127.0.0.1:${port}`, { retry_on_failure: { ...FAST_RETRY, max_elapsed_time: '300ms' } });
    await ex.enqueue('traces', request(5), 5);
    await until('the batch to be given up', async () => (await value('spansift_exporter_send_failed_spans_total')) === 5);
    expect(await value('spansift_exporter_queue_size')).toBe(0);
  });

  it('when the queue is full, drops new data (counted) and keeps and later sends what is queued', async () => {
    const port = await freePort();
    // 1 MiB queue: one 700 KB request fits, the second does not.
    const { ex, value, dir } = await exporter(`http://127.0.0.1:${port}`, { sending_queue: { queue_size: '1MiB' } });
    const big = (tag: string) => protobufRequest(Array.from({ length: 70 }, (_, i) => ({ name: `${tag}-${i}`, attributes: { blob: 'b'.repeat(10_000) } })));
    expect(await ex.enqueue('traces', big('kept'), 70)).toBe(true);
    expect(await ex.enqueue('traces', big('dropped'), 70)).toBe(false);
    expect(await value('spansift_exporter_enqueue_failed_spans_total')).toBe(70);
    expect(await value('spansift_exporter_queue_capacity')).toBe(1024 * 1024);
    expect(await value('spansift_exporter_queue_size')).toBeGreaterThan(700_000);
    await ex.stop();
    // The receiver comes up on that port; a new run sends what the last one left.
    const s = new OtlpSink();
    open.push(s);
    await s.start();
    const again = await exporter(s.httpUrl, {}, dir);
    await until('the kept batch', async () => s.received.length > 0);
    expect(new Set(s.spans().map((x) => x.name.split('-')[0]))).toEqual(new Set(['kept']));
    expect(s.spans()).toHaveLength(70);
    await until('the kept batch counted as sent', async () => (await again.value('spansift_exporter_sent_spans_total')) === 70);
  });

  it('splits a request larger than batch.max_size between its records', async () => {
    const s = await sink();
    const { ex } = await exporter(s.httpUrl, { sending_queue: { batch: { max_size: '64KiB' } } });
    const records = Array.from({ length: 6 }, (_, i) => protobufRequest([{ name: `r${i}`, attributes: { blob: 'z'.repeat(30_000) } }], `svc${i}`));
    await ex.enqueue('traces', Buffer.concat(records), 6);
    await until('every span', async () => s.spans().length === 6);
    expect(s.received.length).toBeGreaterThanOrEqual(3);
    for (const r of s.received) expect(r.body.length).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('Forwarder', () => {
  it("never fails the export: a copy that cannot be made is counted as that exporter's loss", async () => {
    const s = await sink();
    const { ex, value } = await exporter(s.httpUrl);
    const spans = decodeProtobuf(request(4, 'copy')).spans;
    const cannotCopy = () => {
      throw new Error('cannot copy');
    };
    const forwarder = new Forwarder([{ exporter: ex, transform: cannotCopy }]);
    await expect(forwarder.spans(spans)).resolves.toBeUndefined();
    expect(await value('spansift_exporter_enqueue_failed_spans_total')).toBe(4);
    expect(ex.queueSize).toBe(0);
  });
});
