/**
 * Labeling against a `spansift start` process, as users run it: a label answered with
 * 200 survives kill -9 and a restart; 20 labelers working a queue at once label every
 * item exactly once (labelers_per_item 1) or by exactly two different people (2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { setupProcess, startProcess, type Proc, type ProcessSetup } from './support/process.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';

const LABELERS = Array.from({ length: 20 }, (_, i) => ({ name: `l${String(i).padStart(2, '0')}`, ...newApiToken() }));
const ITEMS = 120;

let setup: ProcessSetup;
let proc: Proc | undefined;
let admin: ApiClient;

beforeAll(async () => {
  setup = await setupProcess({
    queues: {
      single: { labels: [{ name: 'ok', type: 'boolean', required: true }] },
      double: { labels: [{ name: 'ok', type: 'boolean', required: true }], labelers_per_item: 2 },
    },
    users: await usersSection(Object.fromEntries(LABELERS.map((l) => [l.name, { role: 'labeler' as const, queues: '*' as const, api_tokens: [l.digest] }]))),
    // Fixed ports: the same address after the restart.
  }, { fixedPorts: true });
  proc = await startProcess(setup);
  admin = ApiClient.bearer(setup.uiUrl, setup.adminToken);
});

afterAll(async () => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  if (setup) rmSync(setup.dir, { recursive: true, force: true });
});

async function push(queue: string, n: number): Promise<string[]> {
  const res = await admin.post(`/api/v1/queues/${queue}/items`, { items: Array.from({ length: n }, (_, i) => ({ data: { input: `q${i}`, output: `a${i}` } })) });
  expect(res.status).toBe(201);
  return res.body.ids;
}

/** One labeler taking items until none is left, submitting each; returns what they submitted. */
async function work(queue: string, c: ApiClient): Promise<string[]> {
  const done: string[] = [];
  for (;;) {
    const next = await c.post(`/api/v1/queues/${queue}/next`);
    expect(next.status).toBe(200);
    if (!next.body.item) return done;
    const put = await c.put(`/api/v1/queues/${queue}/items/${next.body.item.id}/labels`, { values: { ok: true }, submit: true });
    expect(put.status).toBe(200);
    done.push(next.body.item.id);
  }
}

describe('20 labelers at once', () => {
  it('label every item exactly once with labelers_per_item 1', async () => {
    const ids = await push('single', ITEMS);
    const results = await Promise.all(LABELERS.map((l) => work('single', ApiClient.bearer(setup.uiUrl, l.token))));
    const all = results.flat();
    expect(all.length).toBe(ITEMS);
    expect(new Set(all)).toEqual(new Set(ids));
    // Work was shared, not done by one.
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(5);
    const q = (await admin.get('/api/v1/queues')).body.queues.find((x: { name: string }) => x.name === 'single');
    expect(q.counts).toEqual({ total: ITEMS, completed: ITEMS, pending: 0 });
  });

  it('label every item by exactly two different labelers with labelers_per_item 2', async () => {
    const ids = await push('double', ITEMS);
    const results = await Promise.all(LABELERS.map((l) => work('double', ApiClient.bearer(setup.uiUrl, l.token))));
    const byItem = new Map<string, string[]>();
    results.forEach((items, i) => items.forEach((id) => byItem.set(id, [...(byItem.get(id) ?? []), LABELERS[i].name])));
    expect(new Set(byItem.keys())).toEqual(new Set(ids));
    for (const [id, who] of byItem) {
      expect(who.length, id).toBe(2);
      expect(new Set(who).size, id).toBe(2);
    }
    // What storage says matches what the labelers were answered.
    const sample = ids.slice(0, 10);
    for (const id of sample) {
      const labels = (await admin.get(`/api/v1/queues/double/items/${id}/labels`)).body.labels;
      expect(labels.map((l: { labeler: string }) => l.labeler).sort()).toEqual(byItem.get(id)!.sort());
    }
    const events = (await admin.get('/api/v1/queues/double/events?limit=10000')).body.events.filter((e: { kind: string }) => e.kind === 'completed');
    expect(events.length).toBe(ITEMS);
    expect(new Set(events.map((e: { item_id: string }) => e.item_id))).toEqual(new Set(ids));
  });
});

describe('a label answered 200 is stored', () => {
  it('survives kill -9 right after the answer and a restart', async () => {
    const [id] = await push('single', 1);
    const c = ApiClient.bearer(setup.uiUrl, LABELERS[0].token);
    expect((await c.post('/api/v1/queues/single/next')).body.item.id).toBe(id);
    const put = await c.put(`/api/v1/queues/single/items/${id}/labels`, { values: { ok: false }, reasoning: { ok: 'wrong city' }, submit: true });
    expect(put.status).toBe(200);
    proc!.child.kill('SIGKILL');
    await proc!.exited;

    proc = await startProcess(setup);
    const labels = await admin.get(`/api/v1/queues/single/items/${id}/labels`);
    expect(labels.status).toBe(200);
    expect(labels.body.labels).toEqual([expect.objectContaining({ labeler: LABELERS[0].name, status: 'submitted', values: { ok: false }, reasoning: { ok: 'wrong city' } })]);
    const events = (await admin.get('/api/v1/queues/single/events?limit=10000')).body.events.filter((e: { item_id: string }) => e.item_id === id);
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['completed']);
    // The restarted process knows the item is done: nobody is given it again.
    expect((await ApiClient.bearer(setup.uiUrl, LABELERS[1].token).post('/api/v1/queues/single/next')).body.item).toBeNull();
  });
});
