/**
 * Datasets: a spansift process with a dataset of 100,000 items (seeded in the engine) and
 * a queue whose completions go to a dataset. Measures export throughput in each format
 * (items/s), the time to the first byte, the process's RSS above its idle size while
 * exporting, and from a submit that completes an item to that item in the dataset (by the
 * server's clock: the dataset item's time minus the submitted version's), with a
 * completion every 50 ms.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { newApiToken } from '../ui-lite/auth/passwords.js';
import type { CallStats } from './labeling.js';
import { freePort } from '../tests/support/process.js';
import { spawnSpansift } from './start.js';

const ROOT = new URL('../', import.meta.url).pathname;

export interface ExportRun {
  format: string;
  items: number;
  itemsPerSecond: number;
  firstByteMs: number;
  bytes: number;
  /** Highest RSS seen while exporting, above the RSS just before. */
  rssAboveIdleBytes: number;
}

export interface DatasetsResult {
  items: number;
  idleRssBytes: number;
  exports: ExportRun[];
  completionToDataset: CallStats;
}

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

function stats(ms: number[]): CallStats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1], calls: s.length };
}

export async function runDatasets(items = 100_000, completions = 200): Promise<DatasetsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-bench-datasets-'));
  // The schema and an empty store, then the dataset's rows, generated inside the engine.
  execFileSync(process.execPath, ['--import', 'tsx', `${ROOT}bench/labeling-seed.ts`, join(dir, 'clickhouse'), '0', '1', '0', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, ['--import', 'tsx', `${ROOT}bench/datasets-seed.ts`, join(dir, 'clickhouse'), String(items)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ui = await freePort();
  const labeler = newApiToken();
  const file = join(dir, 'spansift.yaml');
  writeFileSync(
    file,
    stringify({
      data_dir: dir,
      receivers: { otlp: { http: { endpoint: `127.0.0.1:${await freePort()}` }, grpc: { enabled: false } } },
      ui: { endpoint: `127.0.0.1:${ui}`, admin_token: 'bench' },
      log: { level: 'warn' },
      queues: { review: { labels: [{ name: 'ok', type: 'boolean' }], on_complete: [{ add_to_dataset: 'kept' }] } },
      users: { ann: { role: 'labeler', queues: ['review'], api_tokens: [labeler.digest] } },
    }),
  );
  const child = spawnSpansift(file, ['ignore', 'ignore', 'inherit']);
  const base = `http://127.0.0.1:${ui}`;
  const call = async (method: string, path: string, body?: unknown, token = 'bench') => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  try {
    for (const started = Date.now(); !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); ) {
      if (child.exitCode !== null || Date.now() - started > 600_000) throw new Error('spansift did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rss(child.pid!);
    const exports: ExportRun[] = [];
    for (const format of ['jsonl', 'csv', 'openai']) {
      const before = rss(child.pid!);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rss(child.pid!))), 20);
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/datasets/big/export?format=${format}`, { headers: { authorization: 'Bearer bench' } });
      const reader = res.body!.getReader();
      let first = 0;
      let bytes = 0;
      let lines = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!first) first = performance.now() - t0;
        bytes += value.length;
        for (const b of value) if (b === 10) lines++;
      }
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, rss(child.pid!));
      exports.push({ format, items: format === 'csv' ? lines - 1 : lines, itemsPerSecond: items / seconds, firstByteMs: first, bytes, rssAboveIdleBytes: peak - before });
    }
    // Completions into a dataset.
    const ids: string[] = (await call('POST', '/api/v1/queues/review/items', { items: Array.from({ length: completions }, (_, i) => ({ data: `q${i}` })) })).ids;
    const submittedAt = new Map<string, number>();
    // One completion every 50 ms: twenty labelers finishing an item every second between them.
    for (let i = 0; i < ids.length; i++) {
      const t = performance.now();
      const next = await call('POST', '/api/v1/queues/review/next', undefined, labeler.token);
      const put = await call('PUT', `/api/v1/queues/review/items/${next.item.id}/labels`, { values: { ok: true }, submit: true }, labeler.token);
      submittedAt.set(next.item.id, Date.parse(put.labels.updated_at));
      await new Promise((r) => setTimeout(r, Math.max(0, 50 - (performance.now() - t))));
    }
    const kept = new Map<string, number>();
    for (const started = Date.now(); kept.size < ids.length && Date.now() - started < 120_000; ) {
      kept.clear();
      let after = '';
      for (;;) {
        const page = await call('GET', `/api/v1/datasets/kept/items?limit=1000${after ? `&after=${after}` : ''}`);
        for (const it of page.items) kept.set(it.metadata.item_id, Date.parse(it.created_at));
        if (!page.next) break;
        after = page.next;
      }
      if (kept.size < ids.length) await new Promise((r) => setTimeout(r, 100));
    }
    const latencies = [...submittedAt].filter(([id]) => kept.has(id)).map(([id, at]) => kept.get(id)! - at);
    return { items, idleRssBytes: idle, exports, completionToDataset: stats(latencies) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await runDatasets(Number(process.argv[2]) || 100_000)));
