/**
 * `npm run bench`: the ingest benchmark. For each span shape, alternates rounds of
 * (a) the engine's own limit, the same rows inserted straight with client.insert in
 * JSONEachRow (best of two batch sizes), and (b) spansift over OTLP/HTTP protobuf, then
 * reports medians and their ratio. Both run as separate processes on fresh data paths.
 *
 *   npm run bench [-- --spans N] [-- --rounds R] [-- --out FILE]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runIngest, type IngestResult } from './ingest.js';
import type { Shape } from './spans.js';

const { values } = parseArgs({
  options: { spans: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' }, out: { type: 'string' }, only: { type: 'string' } },
});
const SPANS = Number(values.spans);
const ROUNDS = Number(values.rounds);
const ROOT = new URL('../', import.meta.url).pathname;

interface Direct {
  rowsPerSecond: number;
  cpuSeconds: number;
  peakRssBytes: number;
  batch: number;
}

function direct(shape: Shape, batch: number): Direct {
  const out = execFileSync(process.execPath, ['--import', 'tsx', `${ROOT}bench/direct-insert.ts`, shape, String(SPANS), String(batch), '2'], { encoding: 'utf8' });
  return { ...JSON.parse(out.trim().split('\n').pop()!), batch };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

const lines: string[] = [];
const say = (s: string) => {
  lines.push(s);
  console.log(s);
};

say(`# spansift benchmarks`);
say('');
say(`Command: \`npm run bench -- --spans ${SPANS} --rounds ${ROUNDS}\`; ${new Date().toISOString().slice(0, 10)}; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.`);
say('');
say('## Ingest: OTLP/HTTP protobuf into embedded ClickHouse');
say('');
say('spansift: 8 keep-alive connections, 500 spans per request, default config, acknowledged = stored.');
say('Engine limit: the same rows with `client.insert` (JSONEachRow), 2 inserts at once, best of 5,000- and 20,000-row batches.');
say('');
say('| spans | engine limit (rows/s) | spansift (spans/s) | ratio | spansift CPU s per 100k spans | spansift peak RSS | engine-limit peak RSS |');
say('| --- | --- | --- | --- | --- | --- | --- |');

const shapes: Shape[] = values.only ? [values.only as Shape] : ['llm', 'small'];
for (const shape of shapes) {
  const limits: Direct[] = [];
  const runs: IngestResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = direct(shape, 5000);
    const b = direct(shape, 20000);
    limits.push(a.rowsPerSecond >= b.rowsPerSecond ? a : b);
    runs.push(await runIngest(shape, SPANS));
    console.error(`  round ${r + 1}: ${shape} engine ${limits[r].rowsPerSecond.toFixed(0)} rows/s (batch ${limits[r].batch}), spansift ${runs[r].spansPerSecond.toFixed(0)} spans/s`);
  }
  const limit = median(limits.map((d) => d.rowsPerSecond));
  const ours = median(runs.map((r) => r.spansPerSecond));
  const cpu = median(runs.map((r) => (r.cpuSeconds / r.spans) * 100_000));
  const label = shape === 'llm' ? 'LLM (~1.7 KB attributes)' : 'small (~350 B)';
  say(`| ${label} | ${limit.toFixed(0)} | ${ours.toFixed(0)} | **${(ours / limit).toFixed(2)}** | ${cpu.toFixed(2)} | ${mib(Math.max(...runs.map((r) => r.peakRssBytes)))} | ${mib(Math.max(...limits.map((d) => d.peakRssBytes)))} |`);
}
say('');
say('Medians of the rounds; the ratio compares medians measured in the same run.');

if (values.out) writeFileSync(values.out, lines.join('\n') + '\n');
