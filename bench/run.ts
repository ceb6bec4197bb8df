/**
 * `npm run bench`: the ingest, rules and labeling benchmarks. For each span shape, alternates rounds of
 * (a) the engine's own limit, the same rows inserted straight with client.insert in
 * JSONEachRow (best of two batch sizes), and (b) spansift over OTLP/HTTP protobuf, then
 * reports medians and their ratio. Both run as separate processes on fresh data paths.
 *
 * The labeling API: 20 labelers at once over a seeded store, at two queue sizes.
 *
 * Forwarding: ingest with an otlphttp exporter to a live receiver, against ingest without one.
 *
 * processors.redaction: the LLM shape with a typical redaction section beside the same without, per round,
 * and the redaction processor alone on one core.
 *
 * Fixed rates: spansift fed open loop at ordinary rates (bench/rate.ts), its CPU per span
 * compared with the saturated CPU per span of the same run, and what the machine charges for
 * the same in-process work done at those rates' spacing (bench/cold.ts); `--rates quick`
 * shortens the windows and leaves out one alternative.
 *
 *   npm run bench [-- --spans N] [-- --rounds R] [-- --out FILE] [-- --only llm|small|redaction|labeling|page|datasets|evaluate|rates|forwarding] [-- --skip ingest,rates,rules,redaction,labeling,page,datasets,evaluate,forwarding] [-- --rates full|quick]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runIngest, type IngestResult } from './ingest.js';
import type { Shape } from './spans.js';
import { makeRules, makeSpans, runRules } from './rules.js';
import { PACE_MS, runLabeling, type LabelingResult, type PhaseResult } from './labeling.js';
import { runPage } from './page.js';
import { runDatasets } from './datasets.js';
import { runEvaluate } from './evaluate.js';
import { runForwarding } from './forwarding.js';
import { runIdle, runRate, type RateResult } from './rate.js';
import { GAPS_MS, runCold, type ColdResult } from './cold.js';
import { runRedaction, TYPICAL_REDACTION } from './redaction.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string', default: '' },
    rates: { type: 'string', default: 'full' },
  },
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

type Format = 'JSONEachRow' | 'JSONCompact';

function direct(shape: Shape, batch: number, format: Format): Direct {
  const out = execFileSync(process.execPath, ['--import', 'tsx', `${ROOT}bench/direct-insert.ts`, shape, String(SPANS), String(batch), '2', format], { encoding: 'utf8' });
  return { ...JSON.parse(out.trim().split('\n').pop()!), batch };
}

/** The engine's limit in one format: the better of two batch sizes. */
function limit(shape: Shape, format: Format): Direct {
  const a = direct(shape, 5000, format);
  const b = direct(shape, 20000, format);
  return a.rowsPerSecond >= b.rowsPerSecond ? a : b;
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
const args = process.argv.slice(2).join(' ');
say(`Command: \`npm run bench${args ? ` -- ${args}` : ''}\`; ${new Date().toISOString().slice(0, 10)}; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.`);

/**
 * 100 rules on the ingest path: the rules benchmark's mix (which these spans never match)
 * plus one rule that routes a share of the bench spans (a third of them use gpt-4o-mini).
 */
function ingestRules(routedShare: number) {
  const rules = makeRules(98).map((r) => ({ ...r, route_to: ['review'] }));
  rules.push({ name: 'mini', when: 'attributes["gen_ai.request.model"] == "gpt-4o-mini"', route_to: ['review'], sample: routedShare * 3, enabled: true });
  rules.push({ name: 'slow-chat', when: 'name == "chat gpt-4o" and duration > 60s', route_to: ['review'], sample: 1, enabled: true });
  return { queues: { review: { labels: [{ name: 'ok', type: 'boolean' }] } }, rules };
}

const relative: string[] = [];
const skip = new Set(values.skip!.split(',').filter(Boolean));
const onlyLabeling = values.only === 'labeling';
if (onlyLabeling) skip.add('ingest').add('rules');
if (values.only === 'page') skip.add('ingest').add('rules').add('labeling');
if (values.only === 'datasets') skip.add('ingest').add('rules').add('labeling').add('page');
if (values.only && values.only !== 'page') skip.add('page');
if (values.only && values.only !== 'datasets') skip.add('datasets');
if (values.only === 'evaluate') skip.add('ingest').add('rules').add('labeling').add('page');
if (values.only && values.only !== 'evaluate') skip.add('evaluate');
if (values.only === 'forwarding') skip.add('ingest').add('rules').add('labeling').add('page').add('datasets').add('evaluate').add('rates');
if (values.only && values.only !== 'forwarding') skip.add('forwarding');
if (values.only === 'rates') skip.add('ingest').add('rules').add('labeling');
if (values.only && values.only !== 'rates' && values.only !== 'llm' && values.only !== 'small') skip.add('rates');
const onlyRedaction = values.only === 'redaction';
if (onlyRedaction) skip.add('rules').add('labeling');
const shapes: Shape[] = onlyRedaction ? ['llm'] : values.only && !onlyLabeling && values.only !== 'rates' ? [values.only as Shape] : ['llm', 'small'];
/** Saturated CPU seconds per span of each shape (default config), from the ingest rows of this run. */
const saturatedCpu = new Map<Shape, number>();
/** Peak RSS of the default config at saturation, per shape. */
const saturatedRss = new Map<Shape, number>();
const variants: { shape: Shape; label: string; config?: Record<string, unknown> }[] = [];
for (const shape of shapes) variants.push({ shape, label: shape === 'llm' ? 'LLM (~1.7 KB attributes)' : 'small (~350 B)' });
if (!values.only || values.only === 'llm') {
  variants.push({ shape: 'llm', label: 'LLM, 100 rules active, ~1% of spans routed into a queue', config: ingestRules(0.01) });
  variants.push({ shape: 'llm', label: 'LLM, 100 rules active, ~10% of spans routed into a queue', config: ingestRules(0.1) });
}
// A burst at saturation under a memory limit: the limit must hold while the log's backlog drains too.
if (!values.only || values.only === 'llm') {
  for (const limit of ['768MiB', '512MiB']) variants.push({ shape: 'llm', label: `LLM, \`limits.memory_limit: ${limit}\``, config: { limits: { memory_limit: limit } } });
}
if ((!values.only || values.only === 'llm' || onlyRedaction) && !skip.has('redaction')) {
  variants.push({ shape: 'llm', label: 'LLM, processors.redaction (typical section, below)', config: { processors: { redaction: TYPICAL_REDACTION } } });
}
if (!skip.has('ingest')) {
  say('');
  say('## Ingest: OTLP/HTTP protobuf into embedded ClickHouse');
  say('');
  say('spansift: 32 keep-alive connections (many services exporting at once), 500 spans per request, default config; spans/s from the first request to the last span in ClickHouse (the local log drained).');
  say('Engine limit: the same rows inserted straight with `client.insert`, 2 inserts at once, the better of 5,000- and 20,000-row batches;');
  say('in JSONEachRow (objects), and in JSONCompact (a document of arrays per insert, serialized by one call); spansift hands the engine each request\'s spans');
  say('as a Native block (columns), built as the request is handled.');
  say('');
  say('| spans | engine limit, JSONEachRow (rows/s) | engine limit, JSONCompact (rows/s) | spansift (spans/s) | ratio to JSONEachRow | ratio to JSONCompact | spansift CPU s per 100k spans | spansift peak RSS (anonymous) | engine-limit peak RSS |');
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  // Every round measures the engine limit and then each spansift variant of the shape, so
  // variants are compared with each other and with the engine under the same conditions.
  // Each round starts from the next variant: none always runs first after the engine's
  // inserts, or last.
  for (const shape of shapes) {
    const mine = variants.filter((v) => v.shape === shape);
    const objects: Direct[] = [];
    const arrays: Direct[] = [];
    const runs = mine.map(() => [] as IngestResult[]);
    for (let r = 0; r < ROUNDS; r++) {
      objects.push(limit(shape, 'JSONEachRow'));
      arrays.push(limit(shape, 'JSONCompact'));
      for (let k = 0; k < mine.length; k++) {
        const i = (k + r) % mine.length;
        runs[i].push(await runIngest(shape, SPANS, { extraConfig: mine[i].config }));
      }
      console.error(`  round ${r + 1}: ${shape}: engine ${objects[r].rowsPerSecond.toFixed(0)} / ${arrays[r].rowsPerSecond.toFixed(0)} rows/s; spansift ${runs.map((x) => x[r].spansPerSecond.toFixed(0)).join(' / ')} spans/s`);
    }
    const lo = median(objects.map((d) => d.rowsPerSecond));
    const la = median(arrays.map((d) => d.rowsPerSecond));
    const rss = Math.max(...objects.concat(arrays).map((d) => d.peakRssBytes));
    for (const [i, v] of mine.entries()) {
      const ours = median(runs[i].map((r) => r.spansPerSecond));
      const cpu = median(runs[i].map((r) => (r.cpuSeconds / r.spans) * 100_000));
      const peak = Math.max(...runs[i].map((r) => r.peakRssBytes));
      if (i === 0) {
        saturatedCpu.set(shape, cpu / 100_000);
        saturatedRss.set(shape, peak);
      }
      say(`| ${v.label} | ${lo.toFixed(0)} | ${la.toFixed(0)} | ${ours.toFixed(0)} | **${(ours / lo).toFixed(2)}** | **${(ours / la).toFixed(2)}** | ${cpu.toFixed(2)} | ${mib(peak)} (${mib(Math.max(...runs[i].map((r) => r.peakAnonBytes)))}) | ${mib(rss)} |`);
    }
    if (mine.length > 1) {
      // Per round, each variant against the plain one of the same round: what rules cost.
      for (const [i, v] of mine.entries()) {
        if (i === 0) continue;
        const rel = median(runs[i].map((r, k) => r.spansPerSecond / runs[0][k].spansPerSecond));
        relative.push(`| ${v.label} | ${rel.toFixed(2)} |`);
      }
    }
  }
}
if (!skip.has('ingest')) {
  say('');
  say('Medians of the rounds; the ratio compares medians measured in the same run.');
}
if (relative.length) {
  say('');
  say('Rules, redaction and a memory limit on the ingest path: each variant as a share of spansift with none of them, in the same round (median of the per-round ratios).');
  say('');
  say('| variant | share of spansift without rules, redaction or a memory limit |');
  say('| --- | --- |');
  for (const line of relative) say(line);
}
if (!skip.has('forwarding')) {
  const f = await runForwarding(SPANS, ROUNDS, (s) => console.error(s));
  const ours = (rs: IngestResult[]) => median(rs.map((r) => r.spansPerSecond));
  const cpu = (rs: IngestResult[]) => median(rs.map((r) => (r.cpuSeconds / r.spans) * 100_000));
  say('');
  say('## Ingest with forwarding');
  say('');
  say('LLM spans as in the ingest table, with one `otlphttp` exporter (default settings: gzip, on-disk sending queue) to a live OTLP/HTTP receiver');
  say('on the same machine that answers success without decoding; against the same ingest without an exporter, alternating in each round.');
  say('');
  say('| ingest | spans/s | share of ingest without forwarding (median of per-round ratios) | CPU s per 100k spans | peak RSS | forwarded by the last acknowledgement |');
  say('| --- | --- | --- | --- | --- | --- |');
  say(`| without forwarding | ${ours(f.plain).toFixed(0)} | 1.00 | ${cpu(f.plain).toFixed(2)} | ${mib(Math.max(...f.plain.map((r) => r.peakRssBytes)))} | |`);
  say(`| forwarding to a live receiver | ${ours(f.forwarding).toFixed(0)} | **${median(f.ratios).toFixed(2)}** | ${cpu(f.forwarding).toFixed(2)} | ${mib(Math.max(...f.forwarding.map((r) => r.peakRssBytes)))} | ${(median(f.forwardedShare) * 100).toFixed(0)}% |`);
}
if (!skip.has('rates')) {
  const quick = values.rates === 'quick';
  const windowSeconds = quick ? 12 : 30;
  const warmupSeconds = quick ? 4 : 6;
  say('');
  say('## Fixed rates: what an ordinary rate costs');
  say('');
  say(`A fresh spansift per row, fed open loop (each request leaves on schedule whatever the answers do) with 100-span OTLP/HTTP protobuf`);
  say(`requests; after ${warmupSeconds} s of warm-up, a ${windowSeconds} s window: the whole process's CPU (every thread, the engine's merges included)`);
  say('as % of one core (in brackets the engine\'s merge threads), CPU per span as a multiple of the saturated CPU per span of the same shape measured in this run (the ingest rows),');
  say('inserts/s into ClickHouse (all tables, from `spansift_storage_insert_duration_seconds_count`), local-log commits/s, export latency');
  say('(request sent to answer), and peak RSS (VmHWM; in brackets the sampled peak of anonymous memory, without mapped files such as the');
  say('engine\'s code). Default config unless the row says otherwise.');
  say('');
  // A shape the ingest rows did not measure gets as many saturated runs (the median is the
  // denominator): one run of small spans read 18.6 and 26.7 µs per span in two full runs.
  for (const shape of ['small', 'llm'] as Shape[]) {
    if (!saturatedCpu.has(shape)) {
      const runs: IngestResult[] = [];
      for (let r = 0; r < ROUNDS; r++) runs.push(await runIngest(shape, SPANS));
      saturatedCpu.set(shape, median(runs.map((r) => r.cpuSeconds / r.spans)));
      saturatedRss.set(shape, Math.max(...runs.map((r) => r.peakRssBytes)));
      console.error(`  saturated ${shape}: ${runs.map((r) => ((r.cpuSeconds / r.spans) * 1e6).toFixed(1)).join(' / ')} µs per span`);
    }
  }
  const noLog = { storage: { log: { enabled: false } } };
  const rows: { label: string; shape: Shape; rate: number; config?: Record<string, unknown>; settle?: boolean }[] = [
    { label: 'small, 2,000/s', shape: 'small', rate: 2000 },
    { label: 'small, 10,000/s', shape: 'small', rate: 10_000, settle: true },
    { label: 'small, 20,000/s', shape: 'small', rate: 20_000 },
    { label: 'LLM, 2,000/s', shape: 'llm', rate: 2000 },
  ];
  // The alternatives: acknowledging after the insert, with the default delay and with a longer delay alone.
  rows.push(
    { label: 'small, 2,000/s, ack after insert (`storage.log.enabled: false`, batch.max_delay 20ms)', shape: 'small', rate: 2000, config: noLog },
    { label: 'small, 2,000/s, ack after insert, a longer delay alone (batch.max_delay 500ms)', shape: 'small', rate: 2000, config: { storage: { log: { enabled: false }, clickhouse: { batch: { max_delay: '500ms' } } } } },
  );
  if (!quick) rows.push({ label: 'small, 10,000/s, ack after insert (batch.max_delay 20ms)', shape: 'small', rate: 10_000, config: noLog });
  // spansift's MergeTree settings against ClickHouse's own, at the rate where merges weigh most.
  rows.push({
    label: "small, 2,000/s, ClickHouse's merge settings (`embedded.merge_tree: {merge_selector_base: 5, min_parts_to_merge_at_once: 0, vertical_merge_algorithm_min_rows_to_activate: 131072}`)",
    shape: 'small',
    rate: 2000,
    config: { storage: { clickhouse: { embedded: { merge_tree: { merge_selector_base: 5, min_parts_to_merge_at_once: 0, vertical_merge_algorithm_min_rows_to_activate: 131072 } } } } },
  });
  // Beyond saturation, under a memory limit: peak RSS against the limit, and what was turned away.
  for (const limit of ['768MiB', '512MiB']) {
    rows.push({ label: `small, 60,000/s offered (beyond saturation), \`limits.memory_limit: ${limit}\``, shape: 'small', rate: 60_000, config: { limits: { memory_limit: limit } } });
  }
  const coldBefore = runCold('small');
  say('| row | spans/s acknowledged | CPU, % of one core (of which merges) | of which Node\'s main thread | CPU per span (µs) | × saturated CPU per span | inserts/s | log commits/s | export p50 / p99 (ms) | refused | peak RSS (anonymous) |');
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let settled: RateResult | undefined;
  for (const row of rows) {
    const r = await runRate(row.shape, row.rate, { windowSeconds, warmupSeconds, extraConfig: row.config, settleSeconds: row.settle ? 60 : undefined });
    if (row.settle) settled = r;
    const x = r.cpuPerSpanUs / 1e6 / saturatedCpu.get(row.shape)!;
    console.error(`  rate: ${row.label}: ${r.cpuPercent.toFixed(0)}% CPU, ${x.toFixed(2)}x, p99 ${r.p99Ms.toFixed(0)} ms`);
    const main = ((r.threads.main ?? 0) / windowSeconds) * 100;
    say(`| ${row.label} | ${r.achieved.toFixed(0)} | ${r.cpuPercent.toFixed(1)} (${r.mergePercent.toFixed(1)}) | ${main.toFixed(1)} | ${r.cpuPerSpanUs.toFixed(1)} | **${x.toFixed(2)}x** | ${r.insertsPerSecond.toFixed(2)} | ${r.logCommitsPerSecond.toFixed(1)} | ${r.p50Ms.toFixed(0)} / **${r.p99Ms.toFixed(0)}** | ${r.refused} | ${mib(r.peakRssBytes)} (${mib(r.peakAnonBytes)}) |`);
  }
  say('');
  say(`Saturated CPU per span in this run (default config, the median of the rounds): small ${(saturatedCpu.get('small')! * 1e6).toFixed(1)} µs, LLM ${(saturatedCpu.get('llm')! * 1e6).toFixed(1)} µs; peak RSS at saturation: small ${mib(saturatedRss.get('small')!)}, LLM ${mib(saturatedRss.get('llm')!)}.`);
  const coldAfter = runCold('small');
  say('');
  say('What this machine charges for work done at a rate (bench/cold.ts): the in-process work of one 100-span small request (decode, its');
  say('rows as a Native block, the log record), no I/O, CPU per request back to back and with a pause before each, measured before and after the rows above.');
  say('On a quiet bare-metal machine the three are close; where they are not, every per-request cost in the rows above is multiplied alike.');
  say('');
  say('| pause before each request | CPU per request, before the rows (µs) | × back to back | after the rows (µs) | × back to back |');
  say('| --- | --- | --- | --- | --- |');
  const cold = (c: ColdResult, gap: number) => `${c.cpuUsByGapMs[gap].toFixed(0)} | ${(c.cpuUsByGapMs[gap] / c.cpuUsByGapMs[0]).toFixed(2)}x`;
  for (const gap of GAPS_MS) say(`| ${gap === 0 ? 'none (back to back)' : `${gap} ms (the spacing of ${(100_000 / gap).toLocaleString('en-US')} spans/s)`} | ${cold(coldBefore, gap)} | ${cold(coldAfter, gap)} |`);
  const fresh = await runIdle();
  say('');
  say('| idle | CPU, % of one core | RSS | anonymous |');
  say('| --- | --- | --- | --- |');
  say(`| after start (from 5 s, over 20 s) | ${fresh.cpuPercent.toFixed(1)} | **${mib(fresh.rssBytes)}** | ${mib(fresh.anonBytes)} |`);
  if (settled?.after) say(`| 60 s after 10,000 small spans/s stop (over 20 s) | ${settled.after.cpuPercent.toFixed(1)} | **${mib(settled.after.rssBytes)}** | ${mib(settled.after.anonBytes)} |`);
}

if (!skip.has('rules')) {
  say('');
  say('## Rules engine alone (one core)');
  say('');
  say('Condition matching, sampling, limits and item ids for LLM spans; rules mix equality, regex and numeric tests (see bench/rules.ts).');
  say('');
  say('| rules | spans/s | items routed per span | slowdown vs 10 rules |');
  say('| --- | --- | --- | --- |');
  const results = [10, 100, 1000].map((n) => {
    const spans = makeSpans(20_000, n);
    const runs = Array.from({ length: ROUNDS }, () => runRules(n, spans));
    return { n, rate: median(runs.map((r) => r.spansPerSecond)), routed: runs[0].routedPerSpan };
  });
  for (const r of results) say(`| ${r.n} | ${r.rate.toFixed(0)} | ${r.routed.toFixed(2)} | ${(results[0].rate / r.rate).toFixed(2)}x |`);
  // The same 1,000 rules on traffic drawn from only 200 values, so most spans are routed:
  // the cost of routing many items (an id hash each), not of choosing rules.
  const heavy = median(Array.from({ length: ROUNDS }, () => runRules(1000, makeSpans(20_000, 10)).spansPerSecond));
  const heavyRouted = runRules(1000, makeSpans(20_000, 10), 0.5).routedPerSpan;
  say(`| 1000, most spans routed | ${heavy.toFixed(0)} | ${heavyRouted.toFixed(2)} | ${(results[0].rate / heavy).toFixed(2)}x |`);
}

if (!skip.has('redaction') && (!values.only || values.only === 'llm' || onlyRedaction)) {
  say('');
  say('## Redaction');
  say('');
  say(`The typical section of the ingest row above: \`${JSON.stringify(TYPICAL_REDACTION)}\`.`);
  const alone = runRedaction(20_000, ROUNDS);
  say(`The processor alone, one core, over 20,000 decoded LLM spans (one in a hundred with an e-mail, a card and an API key): ${alone.spansPerSecond.toFixed(0)} spans/s, ${alone.textMBPerSecond.toFixed(0)} MB of attribute text/s.`);
}

if (!skip.has('labeling')) {
  say('');
  say('## Labeling API');
  say('');
  say(`A spansift process over a store seeded with 1,000,000 spans, 10 queues and labels on the oldest 20% of their items; 20 labelers at once`);
  say(`(2 per queue, bearer tokens), each doing rounds of: next item, submit labels, queue list. Paced: each labeler starts a round every ${PACE_MS} ms`);
  say('(far busier than a person reading items); saturated: each starts the next round as soon as the last is answered. 1,000 calls of each kind per phase.');
  say('');
  say('| items per queue | phase | next p50 / p95 (ms) | submit p50 / p95 (ms) | queue list p50 / p95 (ms) | rounds/s | start (s) | RSS | JS heap |');
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const ms = (x: number) => x.toFixed(1);
  const row = (r: LabelingResult, name: string, p: PhaseResult) =>
    say(`| ${r.scale.itemsPerQueue.toLocaleString('en-US')} | ${name} | ${ms(p.next.p50)} / **${ms(p.next.p95)}** | ${ms(p.put.p50)} / **${ms(p.put.p95)}** | ${ms(p.list.p50)} / **${ms(p.list.p95)}** | ${p.roundsPerSecond.toFixed(0)} | ${r.startSeconds.toFixed(1)} | ${mib(r.rssBytes)} | ${mib(r.heapUsedBytes)} |`);
  const runs: LabelingResult[] = [];
  for (const perQueue of [10_000, 100_000]) {
    const r = await runLabeling({ spans: 1_000_000, queues: 10, itemsPerQueue: perQueue, labels: perQueue * 2 });
    runs.push(r);
    console.error(`  labeling: ${perQueue} items per queue: paced next p95 ${ms(r.paced.next.p95)} ms, submit p95 ${ms(r.paced.put.p95)} ms`);
  }
  for (const r of runs) row(r, 'paced', r.paced);
  for (const r of runs) row(r, 'saturated', r.saturated);
  const growth = (k: 'next' | 'put' | 'list') => (runs[1].paced[k].p95 / runs[0].paced[k].p95).toFixed(2);
  say('');
  say(`Paced p95 at 100,000 items per queue as a multiple of 10,000: next ${growth('next')}, submit ${growth('put')}, queue list ${growth('list')}.`);
}

if (!skip.has('page')) {
  say('');
  say('## Labeling page (headless Chromium)');
  say('');
  say('One labeler in Debian\'s Chromium over a queue of 100,000 items, 100 items labeled with the keyboard. Navigation: from the start of');
  say('navigation (to the next item, through its redirect) to the page\'s script being ready, as the page measures it. Submit to next: from');
  say('pressing Enter to the next item\'s page being ready, by the browser\'s clock across the navigation.');
  say('');
  say('| items in the queue | navigation to interactive p50 / p95 (ms) | submit to next item shown p50 / p95 (ms) |');
  say('| --- | --- | --- |');
  const r = await runPage(100_000, 100);
  say(`| ${r.items.toLocaleString('en-US')} | ${r.navigation.p50.toFixed(0)} / **${r.navigation.p95.toFixed(0)}** | ${r.submitToNext.p50.toFixed(0)} / **${r.submitToNext.p95.toFixed(0)}** |`);
}

if (!skip.has('datasets')) {
  say('');
  say('## Datasets');
  say('');
  say('A spansift process with a dataset of 100,000 items (about 600 bytes each as JSON lines), exported in each format over HTTP; RSS is');
  say('the most seen while exporting, above what the process held just before. Then 200 items completed through the API, one every 50 ms,');
  say('into a queue whose `on_complete` adds them to a dataset: from the submit to the item in the dataset, by the server\'s clock.');
  say('');
  const r = await runDatasets(100_000, 200);
  say('| export | items/s | first byte (ms) | size | RSS above idle |');
  say('| --- | --- | --- | --- | --- |');
  for (const e of r.exports) say(`| ${e.format} | ${e.itemsPerSecond.toFixed(0)} | ${e.firstByteMs.toFixed(0)} | ${mib(e.bytes)} | **${mib(e.rssAboveIdleBytes)}** |`);
  say('');
  say(`Idle RSS before exporting: ${mib(r.idleRssBytes)}. Completion to dataset: p50 ${r.completionToDataset.p50.toFixed(0)} ms, p95 **${r.completionToDataset.p95.toFixed(0)} ms** (${r.completionToDataset.calls} items).`);
}

if (!skip.has('evaluate')) {
  say('');
  say('## evaluate() from the SDK');
  say('');
  say('1,000 data points with a trivial executor (it doubles a number) and a trivial evaluator, against a spansift process on 127.0.0.1,');
  say('timed whole; beside the same executor called directly 1,000 times. Overhead: the difference, per data point (the spans, exported');
  say('over OTLP/HTTP, the data points written in batches, and with a human evaluator the queue items).');
  say('');
  const r = await runEvaluate(1000);
  say(`Executor alone: ${(r.directMsPerDatapoint * 1000).toFixed(2)} µs per call.`);
  say('');
  say('| run | per data point (ms) | overhead per data point (ms) |');
  say('| --- | --- | --- |');
  for (const x of r.runs) say(`| ${x.label} | ${x.msPerDatapoint.toFixed(3)} | **${x.overheadMs.toFixed(3)}** |`);
}

if (values.out) writeFileSync(values.out, lines.join('\n') + '\n');
