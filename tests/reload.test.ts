/**
 * Changing rules without a restart, on a real `spansift start` process: a rewritten config
 * file applies new queues and rules; a broken one is reported and the running config stays;
 * SIGHUP reloads; `spansift backfill` routes spans stored before a rule existed (once);
 * `spansift rules test` shows which rules match which spans of an OTLP file.
 * Every wait polls for the condition it needs; nothing sleeps a fixed time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { setupProcess, startProcess, type Proc, type ProcessSetup } from './support/process.js';
import { hex, jsonRequest, post, type RawSpan } from './support/otlp.js';
import { sampledIn } from '../processors/rules/sample.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const LABELS = [{ name: 'correct', type: 'boolean' }];
const GPT4O = { name: 'gpt4o', when: 'attributes["gen_ai.request.model"] == "gpt-4o"', route_to: 'answers' };
const FAILURES = { name: 'failures', when: 'attributes["error.kind"] != nil', route_to: ['errors'] };

let setup: ProcessSetup;
let proc: Proc;
/** The config as setupProcess wrote it; each step rewrites its queues and rules. */
let base: Record<string, unknown>;

beforeAll(async () => {
  // Fixed ports: `spansift backfill` finds the server through the config's ui.endpoint.
  // Acknowledged after the insert, so an export's items can be read as soon as it is answered.
  setup = await setupProcess({ queues: { answers: { labels: LABELS } }, rules: [GPT4O], storage: { log: { enabled: false } } }, { fixedPorts: true });
  base = parse(readFileSync(setup.configFile, 'utf8'));
  proc = await startProcess(setup);
});

afterAll(async () => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  if (setup) rmSync(setup.dir, { recursive: true, force: true });
});

/** Replaces the config file the way editors do: write a new file, then rename it over the old. */
function writeConfig(queues: Record<string, unknown>, rules: unknown[]): void {
  const tmp = join(setup.dir, '.spansift.yaml.tmp');
  writeFileSync(tmp, stringify({ ...base, queues, rules }));
  renameSync(tmp, setup.configFile);
}

const api = (path: string) => fetch(`${setup.uiUrl}${path}`, { headers: { authorization: `Bearer ${setup.adminToken}` } });

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; spansift output:\n${proc.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function queues(): Promise<Record<string, number>> {
  const res = await api('/api/v1/queues');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { queues: { name: string; counts: { total: number } }[] };
  return Object.fromEntries(body.queues.map((q) => [q.name, q.counts.total]));
}

async function items(queue: string): Promise<{ spanId: string; rule: string; source: string }[]> {
  const out = [];
  for (let p = 0; ; p++) {
    const res = await api(`/api/v1/queues/${queue}/items?position=${p}`);
    if (res.status === 404) return out;
    out.push((await res.json()).item);
  }
}

async function reloads(outcome: 'success' | 'failure'): Promise<number> {
  const res = await api('/metrics');
  expect(res.status).toBe(200);
  const m = new RegExp(`^spansift_config_reloads_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(await res.text());
  return m ? Number(m[1]) : 0;
}

async function send(spans: RawSpan[]): Promise<void> {
  const res = await post(setup.httpUrl, JSON.stringify(jsonRequest(spans, 'reload')), { 'content-type': 'application/json' });
  expect(res.status).toBe(200);
}

const gpt4o = (): RawSpan => ({ traceId: hex(16), spanId: hex(8), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o' } });
const failing = (): RawSpan => ({ traceId: hex(16), spanId: hex(8), name: 'tool', attributes: { 'error.kind': 'timeout' } });
const ids = (spans: RawSpan[]) => spans.map((s) => s.spanId!).sort();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `spansift ARGS` as a child process from the project root. */
function spansift(args: string[]): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SPANSIFT_')));
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Spans stored while only the first rule existed: the error ones are routed by nothing. */
const beforeRule = { gpt: gpt4o(), errors: [failing(), failing(), failing()] };
let ruleAddedNs = 0n;
const live: RawSpan[] = [];

describe('hot reload of queues and rules', () => {
  it('routes by the rules it started with', async () => {
    await send([beforeRule.gpt, ...beforeRule.errors]);
    expect(await queues()).toEqual({ answers: 1 });
    expect((await items('answers')).map((i) => i.spanId)).toEqual([beforeRule.gpt.spanId]);
    ruleAddedNs = BigInt(Date.now()) * 1_000_000n;
  });

  it('(a) applies a rewritten config file: spans sent afterwards are routed by the new rule into the new queue', async () => {
    writeConfig({ answers: { labels: LABELS }, errors: { labels: [{ name: 'note', type: 'text' }] } }, [GPT4O, FAILURES]);
    await until('the errors queue', async () => 'errors' in (await queues()));
    expect(await reloads('success')).toBe(1);
    const spans = [gpt4o(), failing()];
    live.push(spans[1]);
    await send(spans);
    expect(await queues()).toEqual({ answers: 2, errors: 1 });
    expect((await items('errors')).map((i) => [i.spanId, i.rule, i.source])).toEqual([[spans[1].spanId, 'failures', 'rule']]);
  });

  it('(b) keeps running with the old rules when the file is broken, and counts the failure', async () => {
    const before = await reloads('failure');
    // In place this time (not renamed): a queue reference and a condition that do not hold.
    writeFileSync(
      setup.configFile,
      stringify({
        ...base,
        queues: { answers: { labels: LABELS } },
        rules: [{ ...GPT4O, route_to: 'nowhere' }, { ...FAILURES, when: 'attributes["error.kind"] !=' }],
      }),
    );
    await until('a failed reload', async () => (await reloads('failure')) >= before + 1);
    expect(proc.child.exitCode).toBeNull();
    expect((await fetch(`${setup.uiUrl}/healthz`)).status).toBe(200);
    expect(proc.output()).toContain('config reload failed; the running config stays');
    expect(proc.output()).toContain('unknown queue \\"nowhere\\"');

    // Still both queues, and new spans are routed by the rules in force.
    const spans = [gpt4o(), failing()];
    live.push(spans[1]);
    await send(spans);
    expect(await queues()).toEqual({ answers: 3, errors: 2 });
    expect((await items('errors')).map((i) => i.spanId).sort()).toEqual(ids(live));
  });

  it('(c) reloads on SIGHUP once the file is fixed', async () => {
    writeFileSync(
      setup.configFile,
      stringify({
        ...base,
        queues: { answers: { labels: LABELS }, errors: { labels: [{ name: 'note', type: 'text' }] }, triage: { labels: LABELS } },
        rules: [
          GPT4O,
          FAILURES,
          { name: 'claude-sampled', when: 'attributes["gen_ai.request.model"] == "claude"', route_to: 'triage', sample: 0.5 },
          { name: 'retired', when: 'name == "chat"', route_to: 'triage', enabled: false },
        ],
      }),
    );
    // Saving the fixed file reloads it by itself; wait for that, then SIGHUP must reload once more.
    await until('the fixed config', async () => 'triage' in (await queues()));
    const before = await reloads('success');
    proc.child.kill('SIGHUP');
    await until('a reload on SIGHUP', async () => (await reloads('success')) === before + 1);
    expect(proc.child.exitCode).toBeNull();
    expect(await queues()).toEqual({ answers: 3, errors: 2, triage: 0 });
  });

  it('(d) backfill routes the stored spans that arrived before the rule existed, once', async () => {
    const file = setup.configFile;
    const beforeOnly = await spansift(['backfill', '--rule', 'failures', '--since', '1h', '--until', String(ruleAddedNs), '--dry-run', '--config', file]);
    expect(beforeOnly.stderr).toBe('');
    expect(beforeOnly.code).toBe(0);
    expect(beforeOnly.stdout.trim()).toBe('dry run: 3 span(s) match rule "failures"; 3 new item(s) would be enqueued');

    const dry = await spansift(['backfill', '--rule', 'failures', '--since', '1h', '--dry-run', '--config', file]);
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim()).toBe('dry run: 5 span(s) match rule "failures"; 3 new item(s) would be enqueued');
    expect((await queues()).errors).toBe(2);
    // The API says a dry run enqueued nothing, and what it would have enqueued.
    const api = await fetch(`${setup.uiUrl}/api/v1/rules/failures/backfill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${setup.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ since: '1h', dry_run: true }),
    });
    expect(await api.json()).toEqual({ rule: 'failures', matched: 5, enqueued: 0, would_enqueue: 3, dry_run: true });
    expect((await queues()).errors).toBe(2);

    for (let run = 0; run < 2; run++) {
      const r = await spansift(['backfill', '--rule', 'failures', '--since', '1h', '--config', file]);
      expect(r.code, r.stderr).toBe(0);
      // The 2 spans routed live are items already; the first run adds 3, the second none.
      expect(r.stdout.trim()).toBe(`rule "failures": 5 span(s) matched, ${run === 0 ? 3 : 0} new item(s) enqueued (items that already existed are kept as they are)`);
      expect(await queues()).toEqual({ answers: 3, errors: 5, triage: 0 });
    }
    const errors = await items('errors');
    expect(errors.map((i) => i.spanId).sort()).toEqual(ids([...beforeRule.errors, ...live]));
    // Items routed live keep their place and source; the backfilled ones say where they came from.
    expect(errors.slice(0, 2).map((i) => [i.spanId, i.source])).toEqual(live.map((s) => [s.spanId, 'rule']));
    expect(errors.slice(2).every((i) => i.source === 'backfill' && i.rule === 'failures')).toBe(true);

    const unknown = await spansift(['backfill', '--rule', 'nope', '--since', '1h', '--config', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout.trim()).toBe('backfill failed: no rule named "nope"');
  });

  it('(e) rules test prints which rules match which spans of an OTLP file', async () => {
    const claude = { traceId: hex(16), spanId: hex(8), name: 'chat', attributes: { 'gen_ai.request.model': 'claude', 'error.kind': 'refusal' } };
    const spans: RawSpan[] = [gpt4o(), failing(), claude, { traceId: hex(16), spanId: hex(8), name: 'noop' }];
    const input = join(setup.dir, 'spans.json');
    writeFileSync(input, JSON.stringify(jsonRequest(spans, 'shop')));
    const r = await spansift(['rules', 'test', '--config', setup.configFile, '--input', input]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sampled = sampledIn(claude.traceId, 0.5) ? 'sampled in at 0.5' : 'sampled OUT at 0.5';
    const head = (s: RawSpan) => `shop "${s.name}" trace=${s.traceId} span=${s.spanId}`;
    expect(r.stdout.trim().split('\n')).toEqual([
      head(spans[0]),
      '  gpt4o -> answers',
      head(spans[1]),
      '  failures -> errors',
      head(claude),
      '  failures -> errors',
      `  claude-sampled -> triage, ${sampled}`,
      head(spans[3]),
      '  no rule matches',
      'disabled rules (not tried): retired',
      '4 span(s), 3 matched at least one rule',
    ]);
  });

  it('leaves the process running on the last good config', async () => {
    expect(proc.child.exitCode).toBeNull();
    const res = await api('/api/v1/rules');
    expect(((await res.json()) as { rules: { name: string }[] }).rules.map((r) => r.name)).toEqual(['gpt4o', 'failures', 'claude-sampled', 'retired']);
  });
});
