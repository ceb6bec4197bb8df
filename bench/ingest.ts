/**
 * Sustained ingest over OTLP/HTTP protobuf: a spansift process on its embedded engine,
 * fed by keep-alive connections with pre-encoded requests (so the load generator costs
 * little CPU). Measures spans/s from the first request to the last span in ClickHouse
 * (with the local log, after the last acknowledgement the log drains), spansift's CPU
 * time and peak RSS.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { stringify } from 'yaml';
import { encodeRequest, type Shape } from './spans.js';
import { cpuSeconds, peakRssBytes, sampleAnon, threadCpuDelta, threadCpuSeconds } from './proc.js';
import { freePort } from '../tests/support/process.js';
import { spawnSpansift } from './start.js';


export interface IngestResult {
  shape: Shape;
  spans: number;
  seconds: number;
  /** Spans stored in ClickHouse per second (from the first request to the last span inserted). */
  spansPerSecond: number;
  /** Spans acknowledged per second (to the last answer). */
  ackSpansPerSecond: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** Peak anonymous RSS (sampled), without the mapped files. */
  peakAnonBytes: number;
  refused: number;
  /** CPU seconds by thread name, from the first request to the last span in ClickHouse. */
  threads: Record<string, number>;
}

export async function startSpansift(extra: Record<string, unknown> = {}, cgroup?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-bench-'));
  const port = await freePort();
  const uiPort = await freePort();
  const config = {
    data_dir: dir,
    receivers: { otlp: { http: { endpoint: `127.0.0.1:${port}` }, grpc: { enabled: false } } },
    ui: { endpoint: `127.0.0.1:${uiPort}`, admin_token: 'bench' },
    log: { level: 'warn' },
    ...extra,
  };
  const file = join(dir, 'spansift.yaml');
  writeFileSync(file, stringify(config));
  const child = spawnSpansift(file, ['ignore', 'pipe', 'inherit'], cgroup);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      child.off('exit', exited);
      if (!e) return resolve();
      // Rejects once spansift is gone, so that nothing of it outlives the failed start.
      if (child.exitCode !== null || child.signalCode !== null) return reject(e);
      child.once('exit', () => reject(e));
      child.kill('SIGKILL');
    };
    const deadline = setTimeout(() => settle(new Error('spansift did not start')), 60_000);
    const exited = (code: number | null, signal: string | null) => settle(new Error(`spansift exited while starting (${signal ?? code})`));
    child.once('exit', exited);
    const probe = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        if (r.status === 200) return settle();
      } catch {
        /* not listening yet */
      }
      if (!settled) setTimeout(probe, 100);
    };
    void probe();
  });
  return { child, port, uiPort, dir };
}

/** The sum of the samples of a metric (all label sets) from spansift's /metrics. */
export async function metric(uiPort: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${uiPort}/metrics`, { headers: { authorization: 'Bearer bench' } });
  let sum = 0;
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Resolves once the local log holds nothing more for ClickHouse (at once without a log), with
 * when it emptied: halfway between the last poll that saw records pending and the first that
 * saw none. Every 100 ms: a scrape of /metrics costs spansift's main thread a few
 * milliseconds, and polled every 20 ms through a saturated run's drain (2 to 3 s of LLM spans)
 * the scrapes took about 2% of its CPU.
 */
export async function drained(uiPort: number): Promise<number> {
  const asked = performance.now();
  let pendingAt: number | undefined;
  while ((await metric(uiPort, 'spansift_log_pending_records')) > 0) {
    pendingAt = performance.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  return pendingAt === undefined ? asked : (pendingAt + performance.now()) / 2;
}

function post(agent: Agent, port: number, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `total` spans in requests of `perRequest`, `connections` at a time; refused requests are sent again. */
export async function runIngest(
  shape: Shape,
  total: number,
  opts: {
    perRequest?: number;
    connections?: number;
    extraConfig?: Record<string, unknown>;
    /** Runs after the last acknowledgement, before spansift stops. */
    atEnd?: (ui: string) => Promise<void>;
    /** A control group's directory to start spansift in (bench/container.ts). */
    cgroup?: string;
  } = {},
): Promise<IngestResult> {
  const perRequest = opts.perRequest ?? 500;
  const connections = opts.connections ?? 32;
  const bodies = Array.from({ length: Math.ceil(total / perRequest) }, (_, i) => encodeRequest(shape, perRequest, i * perRequest));
  const { child, port, uiPort } = await startSpansift(opts.extraConfig, opts.cgroup);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  let refused = 0;
  const cpu0 = cpuSeconds(child.pid!);
  const threads0 = threadCpuSeconds(child.pid!);
  const stopSampling = sampleAnon(child.pid!);
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const t0 = performance.now();
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        for (;;) {
          const status = await post(agent, port, body);
          if (status === 200) break;
          // 408: the request did not arrive within read_timeout, which happens only on a machine far busier than the benchmark.
          if (status !== 429 && status !== 503 && status !== 408) throw new Error(`unexpected status ${status}`);
          refused++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    const ackSeconds = (performance.now() - t0) / 1000;
    // With the local log, acknowledged is not yet inserted: the run ends once ClickHouse has every span.
    const seconds = ((await drained(uiPort)) - t0) / 1000;
    const result: IngestResult = {
      shape,
      spans: bodies.length * perRequest,
      seconds,
      spansPerSecond: (bodies.length * perRequest) / seconds,
      ackSpansPerSecond: (bodies.length * perRequest) / ackSeconds,
      cpuSeconds: cpuSeconds(child.pid!) - cpu0,
      peakRssBytes: peakRssBytes(child.pid!),
      peakAnonBytes: stopSampling(),
      refused,
      threads: threadCpuDelta(threads0, threadCpuSeconds(child.pid!)),
    };
    await opts.atEnd?.(`http://127.0.0.1:${uiPort}`);
    return result;
  } finally {
    // Also when a run fails (spansift killed, an unexpected answer): nothing is left running.
    stopSampling();
    agent.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shape = (process.argv[2] ?? 'llm') as Shape;
  const total = Number(process.argv[3] ?? 200_000);
  console.log(JSON.stringify(await runIngest(shape, total)));
}
