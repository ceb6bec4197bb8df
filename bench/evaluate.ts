/**
 * evaluate() from the SDK against a spansift process: 1,000 data points with a trivial
 * executor (it doubles a number) and a trivial evaluator, timed whole, beside the same
 * executor called directly 1,000 times in the same process. The difference per data point
 * is what the SDK adds: the spans (exported over OTLP/HTTP), the data points' writes, and
 * with a human evaluator the queue items. Runs with one data point at a time and with the
 * default concurrency (5), with and without tracing and a human evaluator.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { evaluate, HumanEvaluator } from '../sdk/dist/index.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';
import { freePort } from '../tests/support/process.js';
import { spawnSpansift } from './start.js';


export interface EvaluateRun {
  label: string;
  concurrency: number;
  tracing: boolean;
  human: boolean;
  /** Whole run, per data point. */
  msPerDatapoint: number;
  /** Minus the executor called directly, per data point. */
  overheadMs: number;
}

export interface EvaluateResult {
  datapoints: number;
  directMsPerDatapoint: number;
  runs: EvaluateRun[];
}

export async function runEvaluate(n = 1000): Promise<EvaluateResult> {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-bench-evaluate-'));
  const ui = await freePort();
  const otlp = await freePort();
  const ml = newApiToken();
  const file = join(dir, 'spansift.yaml');
  writeFileSync(
    file,
    stringify({
      data_dir: dir,
      receivers: { otlp: { http: { endpoint: `127.0.0.1:${otlp}` }, grpc: { enabled: false } } },
      ui: { endpoint: `127.0.0.1:${ui}`, admin_token: 'bench' },
      log: { level: 'warn' },
      queues: { human: { labels: [{ name: 'ok', type: 'boolean' }] } },
      users: { ml: { role: 'admin', api_tokens: [ml.digest] } },
    }),
  );
  const child = spawnSpansift(file, ['ignore', 'ignore', 'inherit']);
  const base = `http://127.0.0.1:${ui}`;
  try {
    for (const started = Date.now(); !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); ) {
      if (child.exitCode !== null || Date.now() - started > 600_000) throw new Error('spansift did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const data = Array.from({ length: n }, (_, i) => ({ data: i, target: i * 2 }));
    const executor = async (x: number) => x * 2;
    const evaluators = { exact: (o: number, t?: number) => (o === t ? 1 : 0) };

    // The executor alone, the same number of times (after a warm-up).
    for (let i = 0; i < n; i++) await executor(i);
    let t = performance.now();
    for (let i = 0; i < n; i++) await executor(i);
    const direct = (performance.now() - t) / n;

    const runs: EvaluateRun[] = [];
    const variants = [
      { label: 'one at a time', concurrency: 1, tracing: true, human: false },
      { label: 'default concurrency', concurrency: 5, tracing: true, human: false },
      { label: 'default concurrency, no tracing', concurrency: 5, tracing: false, human: false },
      { label: 'default concurrency, with a human evaluator', concurrency: 5, tracing: true, human: true },
    ];
    // A warm-up run, not counted: the server's first writes to each table, the JIT.
    await evaluate({ data: data.slice(0, 100), executor, evaluators, humanEvaluators: [HumanEvaluator('human')], baseUrl: base, apiKey: ml.token, output: false });
    for (const v of variants) {
      t = performance.now();
      const r = await evaluate({ data, executor, evaluators, humanEvaluators: v.human ? [HumanEvaluator('human')] : [], concurrency: v.concurrency, tracing: v.tracing, baseUrl: base, apiKey: ml.token, output: false, groupName: 'bench' });
      const per = (performance.now() - t) / n;
      if (r.datapoints !== n || r.errors) throw new Error(`evaluate() ran ${r.datapoints} data points with ${r.errors} errors`);
      runs.push({ ...v, msPerDatapoint: per, overheadMs: per - direct });
    }
    return { datapoints: n, directMsPerDatapoint: direct, runs };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
