/**
 * Issue 9, item 3: a rule `IsMatch(name, "(a+)+$")` and a span named 30 `a`s and a `b` blocked
 * the whole process for ~20 s with a backtracking regex engine (`/healthz` too). With RE2's
 * linear-time matching the export is routed at once, `/healthz` keeps answering within 200 ms
 * throughout, and the stored spans give the same answers through ClickHouse's RE2.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from '../support/spansift.js';
import { ApiClient } from '../support/labeling.js';
import { hex, jsonRequest, post } from '../support/otlp.js';
import { boundUnderLoad } from './receiver-support.js';

let sift: Running;
let admin: ApiClient;
const trace = hex(16);

const EVIL = 'a'.repeat(30) + 'b';
const LONG_EVIL = 'a'.repeat(20_000) + 'b';
const MATCHING = 'a'.repeat(30);

beforeAll(async () => {
  sift = await startSpansift({
    queues: { review: { labels: [{ name: 'ok', type: 'boolean' }] } },
    rules: [
      { name: 'nested', when: 'IsMatch(name, "(a+)+$")', route_to: 'review' },
      { name: 'ambiguous', when: 'IsMatch(attributes["text"], "^(x+x+)+y")', route_to: 'review' },
    ],
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
});

afterAll(async () => {
  await sift?.stop();
});

/** Probes /healthz every 20 ms until stopped; answers with the slowest probe (ms). */
function probeHealth(): { stop: () => Promise<number> } {
  let running = true;
  let slowest = 0;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const res = await fetch(`${sift.uiUrl}/healthz`);
      await res.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return slowest;
    },
  };
}

describe('pathological patterns', () => {
  it('route hostile spans at once while /healthz keeps answering', async () => {
    // What the machine's load alone costs right now (other test files share the cores): the
    // bounds are the larger of their own figure and a few times this; V8's backtracking took ~20 s.
    const quiet = monitorEventLoopDelay({ resolution: 10 });
    quiet.enable();
    const quietHealth = probeHealth();
    await new Promise((r) => setTimeout(r, 1000));
    const baselineHealth = await quietHealth.stop();
    quiet.disable();
    const stall = monitorEventLoopDelay({ resolution: 10 });
    stall.enable();
    const health = probeHealth();
    await new Promise((r) => setTimeout(r, 100));
    const spans = [
      { traceId: trace, name: EVIL },
      { traceId: trace, name: LONG_EVIL },
      { traceId: trace, name: MATCHING },
      { traceId: trace, name: 'text', attributes: { text: 'x'.repeat(20_000) } },
    ];
    const t = performance.now();
    const res = await post(sift.httpUrl, JSON.stringify(jsonRequest(spans)), { 'content-type': 'application/json' });
    const took = performance.now() - t;
    await new Promise((r) => setTimeout(r, 100));
    const slowestHealth = await health.stop();
    stall.disable();

    expect(res.status).toBe(200);
    expect(took).toBeLessThan(boundUnderLoad(1000, baselineHealth));
    expect(slowestHealth).toBeLessThan(boundUnderLoad(200, baselineHealth));
    expect(stall.max / 1e6).toBeLessThan(boundUnderLoad(200, quiet.max / 1e6));
  });

  it('only the span that matches became an item', async () => {
    const queues = await admin.get('/api/v1/queues');
    expect(queues.body.queues[0].counts.total).toBe(1);
    const next = await admin.post('/api/v1/queues/review/next');
    expect(next.body.item.rule).toBe('nested');
  });

  it('ClickHouse gives the same answers for the stored spans', async () => {
    const where = `trace_id == "${trace}" and (IsMatch(name, "(a+)+$") or IsMatch(attributes["text"], "^(x+x+)+y"))`;
    const found = await admin.get(`/api/v1/spans?${new URLSearchParams({ where })}`);
    expect(found.status).toBe(200);
    expect(found.body.spans.map((s: { name: string }) => s.name)).toEqual([MATCHING]);
    const backfill = await admin.post('/api/v1/rules/nested/backfill', { since: '1h', dry_run: true });
    expect(backfill.body).toMatchObject({ matched: 1, would_enqueue: 0 });
  });
});
