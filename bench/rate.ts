/**
 * spansift at a fixed, ordinary rate: a spansift process fed open-loop (requests leave on
 * a schedule whatever the answers do) with 100-span OTLP/HTTP protobuf requests. After a
 * warm-up, over a steady window: the whole process's CPU, inserts per second (spans and
 * queue items, from /metrics), export latency, refusals; and peak RSS. Also the idle
 * process: after start, and 60 s after a load stops.
 */
import { Agent, request } from 'node:http';
import { encodeRequest, type Shape } from './spans.js';
import { anonBytes, cpuSeconds, peakRssBytes, rssBytes, sampleAnon, threadCpuDelta, threadCpuSeconds } from './proc.js';
import { metric, startSpansift } from './ingest.js';

export interface RateResult {
  shape: Shape;
  rate: number;
  /** Spans acknowledged per second over the window. */
  achieved: number;
  /** Whole-process CPU over the window, % of one core. */
  cpuPercent: number;
  /** CPU microseconds per span acknowledged in the window. */
  cpuPerSpanUs: number;
  /** Of cpuPercent, the engine's merge threads (MergeMutate). */
  mergePercent: number;
  insertsPerSecond: number;
  logCommitsPerSecond: number;
  peakRssBytes: number;
  peakAnonBytes: number;
  p50Ms: number;
  p99Ms: number;
  refused: number;
  /** CPU seconds over the window by thread name (`main` is Node's main thread, `node` its other threads; the engine names its own). */
  threads: Record<string, number>;
  /** Idle after the load: CPU % and RSS, `settleSeconds` after the last request. */
  after?: IdleResult;
}

export interface IdleResult {
  cpuPercent: number;
  rssBytes: number;
  anonBytes: number;
  seconds: number;
}

const PER_REQUEST = 100;
/** Distinct requests sent in turn (100,000 span ids); the engine's cost does not depend on ids being new. */
const POOL = 1000;

function post(agent: Agent, port: number, body: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] : NaN;
};

async function inserts(uiPort: number): Promise<number> {
  return metric(uiPort, 'spansift_storage_insert_duration_seconds_count');
}

/** CPU % of one core and RSS of an idle process over `seconds`. */
export async function idle(pid: number, seconds: number): Promise<IdleResult> {
  const c0 = cpuSeconds(pid);
  await sleep(seconds * 1000);
  return { cpuPercent: ((cpuSeconds(pid) - c0) / seconds) * 100, rssBytes: rssBytes(pid), anonBytes: anonBytes(pid), seconds };
}

export interface RateOptions {
  warmupSeconds?: number;
  windowSeconds?: number;
  extraConfig?: Record<string, unknown>;
  /** Also measure the idle process this many seconds after the load stops. */
  settleSeconds?: number;
}

export async function runRate(shape: Shape, rate: number, o: RateOptions = {}): Promise<RateResult> {
  const warmup = o.warmupSeconds ?? 5;
  const window = o.windowSeconds ?? 30;
  const bodies = Array.from({ length: POOL }, (_, i) => encodeRequest(shape, PER_REQUEST, i * PER_REQUEST));
  const { child, port, uiPort } = await startSpansift(o.extraConfig);
  const pid = child.pid!;
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const stopSampling = sampleAnon(pid);
  const interval = (1000 * PER_REQUEST) / rate;
  const t0 = performance.now();
  const windowStart = t0 + warmup * 1000;
  const end = windowStart + window * 1000;
  const latencies: number[] = [];
  let acked = 0;
  let refused = 0;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  let marks: { cpu: number; inserts: number; commits: number; threads: Map<string, number> } | undefined;
  const marking = (async () => {
    await sleep(windowStart - performance.now());
    marks = { cpu: cpuSeconds(pid), threads: threadCpuSeconds(pid), inserts: await inserts(uiPort), commits: await metric(uiPort, 'spansift_log_commit_duration_seconds_count') };
  })();
  while (performance.now() < end) {
    const now = performance.now();
    // Every request whose time has come leaves now: the schedule does not wait for answers.
    while (t0 + sent * interval <= now) {
      const body = bodies[sent % POOL];
      const started = performance.now();
      const inWindow = started >= windowStart;
      sent++;
      const p = post(agent, port, body).then((status) => {
        if (!inWindow) return;
        if (status === 200) {
          acked += PER_REQUEST;
          latencies.push(performance.now() - started);
        } else refused++;
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await sleep(Math.max(0, t0 + sent * interval - performance.now()));
  }
  await marking;
  const cpu = cpuSeconds(pid) - marks!.cpu;
  const threads = threadCpuDelta(marks!.threads, threadCpuSeconds(pid));
  const mergeCpu = threads.MergeMutate ?? 0;
  const ins = (await inserts(uiPort)) - marks!.inserts;
  const commits = (await metric(uiPort, 'spansift_log_commit_duration_seconds_count')) - marks!.commits;
  await Promise.all(inflight);
  const result: RateResult = {
    shape,
    rate,
    achieved: acked / window,
    cpuPercent: (cpu / window) * 100,
    cpuPerSpanUs: (cpu / Math.max(1, acked)) * 1e6,
    mergePercent: (mergeCpu / window) * 100,
    insertsPerSecond: ins / window,
    logCommitsPerSecond: commits / window,
    peakRssBytes: peakRssBytes(pid),
    peakAnonBytes: stopSampling(),
    p50Ms: pct(latencies, 50),
    p99Ms: pct(latencies, 99),
    refused,
    threads,
  };
  if (o.settleSeconds) {
    await sleep(o.settleSeconds * 1000);
    result.after = await idle(pid, 20);
  }
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return result;
}

/** A fresh spansift, idle: CPU and RSS over 20 s, from 5 s after it started. */
export async function runIdle(extraConfig?: Record<string, unknown>): Promise<IdleResult> {
  const { child } = await startSpansift(extraConfig);
  await sleep(5000);
  const r = await idle(child.pid!, 20);
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  return r;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shape = (process.argv[2] ?? 'small') as Shape;
  const rate = Number(process.argv[3] ?? 2000);
  const extra = process.argv[4] ? JSON.parse(process.argv[4]) : undefined;
  console.log(JSON.stringify(await runRate(shape, rate, { windowSeconds: Number(process.env.WINDOW ?? 20), extraConfig: extra })));
}
