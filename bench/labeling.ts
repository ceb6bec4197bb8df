/**
 * The labeling API under people working: a spansift process over a seeded store (stored
 * spans, queues of items, labels already given), and 20 labelers at once, each taking
 * the next item, submitting labels and reading the queue list. Reports p50/p95 per call
 * kind, the process's start time (loading every queue's state) and its RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { newApiToken } from '../ui-lite/auth/passwords.js';
import { peakRssBytes } from './proc.js';
import { freePort } from '../tests/support/process.js';
import { spawnSpansift } from './start.js';

const ROOT = new URL('../', import.meta.url).pathname;

export interface LabelingScale {
  spans: number;
  queues: number;
  itemsPerQueue: number;
  labels: number;
}

export interface CallStats {
  p50: number;
  p95: number;
  max: number;
  calls: number;
}

export interface PhaseResult {
  next: CallStats;
  put: CallStats;
  list: CallStats;
  /** Rounds (next + submit + list) per second, all labelers together. */
  roundsPerSecond: number;
}

export interface LabelingResult {
  scale: LabelingScale;
  startSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
  /** The JavaScript heap in use at the end (the rest of RSS is mostly the engine's). */
  heapUsedBytes: number;
  /** Each labeler starting a round every PACE_MS: busier than people are. */
  paced: PhaseResult;
  /** Each labeler starting the next round as soon as the last one is answered. */
  saturated: PhaseResult;
}

/** A round per labeler per second: a person reads an item for far longer than that. */
export const PACE_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stats(ms: number[]): CallStats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1], calls: s.length };
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }));
  return m ? Number(m[1]) * 1024 : 0;
}

/** `labelers` people, `rounds` each of: next, submit, queue list. */
export async function runLabeling(scale: LabelingScale, labelers = 20, rounds = 50): Promise<LabelingResult> {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-bench-labeling-'));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', `${ROOT}bench/labeling-seed.ts`, join(dir, 'clickhouse'), String(scale.spans), String(scale.queues), String(scale.itemsPerQueue), String(scale.labels)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const people = Array.from({ length: labelers }, (_, i) => ({ name: `p${i}`, queue: `q${i % scale.queues}`, ...newApiToken() }));
    const ui = await freePort();
    const config = {
      data_dir: dir,
      receivers: { otlp: { http: { endpoint: `127.0.0.1:${await freePort()}` }, grpc: { enabled: false } } },
      ui: { endpoint: `127.0.0.1:${ui}`, admin_token: 'bench' },
      log: { level: 'warn' },
      queues: Object.fromEntries(Array.from({ length: scale.queues }, (_, q) => [`q${q}`, { labels: [{ name: 'ok', type: 'boolean', required: true }, { name: 'note', type: 'text' }] }])),
      users: Object.fromEntries(people.map((p) => [p.name, { role: 'labeler', queues: [p.queue], api_tokens: [p.digest] }])),
    };
    const file = join(dir, 'spansift.yaml');
    writeFileSync(file, stringify(config));
    const started = performance.now();
    const child = spawnSpansift(file, ['ignore', process.env.SPANSIFT_BENCH_STDOUT ? 'inherit' : 'ignore', 'inherit']);
    const base = `http://127.0.0.1:${ui}`;
    try {
      for (;;) {
        const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
        if (ok) break;
        if (child.exitCode !== null) throw new Error('spansift exited before it started');
        if (performance.now() - started > 600_000) throw new Error('spansift did not start within 10 minutes');
        await new Promise((r) => setTimeout(r, 50));
      }
      const startSeconds = (performance.now() - started) / 1000;
      let times = { next: [] as number[], put: [] as number[], list: [] as number[] };
      const call = async (kind: keyof typeof times, token: string, method: string, path: string, body?: unknown) => {
        const t = performance.now();
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        const json = (await res.json()) as { item?: { id: string } | null };
        times[kind].push(performance.now() - t);
        if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
        return json;
      };
      const round = async (p: (typeof people)[number], r: number) => {
        const next = await call('next', p.token, 'POST', `/api/v1/queues/${p.queue}/next`);
        if (!next.item) throw new Error(`${p.name} found ${p.queue} empty`);
        await call('put', p.token, 'PUT', `/api/v1/queues/${p.queue}/items/${next.item.id}/labels`, { values: { ok: r % 3 !== 0, note: `round ${r}` }, submit: true });
        await call('list', p.token, 'GET', '/api/v1/queues');
      };
      const phase = async (paceMs: number): Promise<PhaseResult> => {
        times = { next: [], put: [], list: [] };
        const t0 = performance.now();
        await Promise.all(
          people.map(async (p, i) => {
            // Labelers start spread over one period, as people do.
            if (paceMs) await sleep((paceMs * i) / people.length);
            for (let r = 0; r < rounds; r++) {
              const started = performance.now();
              await round(p, r);
              if (paceMs) await sleep(Math.max(0, paceMs - (performance.now() - started)));
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        return { next: stats(times.next), put: stats(times.put), list: stats(times.list), roundsPerSecond: (people.length * rounds) / seconds };
      };
      // A warm-up round each, not counted.
      await Promise.all(people.map((p) => round(p, 0)));
      const paced = await phase(PACE_MS);
      const saturated = await phase(0);
      const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer bench' } })).text();
      const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
      return {
        scale,
        startSeconds,
        rssBytes: rssBytes(child.pid!),
        peakRssBytes: peakRssBytes(child.pid!),
        heapUsedBytes: gauge('spansift_nodejs_heap_size_used_bytes'),
        paced,
        saturated,
      };
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [spans, queues, perQueue, labels] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await runLabeling({ spans: spans || 1_000_000, queues: queues || 10, itemsPerQueue: perQueue || 100_000, labels: labels || 200_000 })));
}
