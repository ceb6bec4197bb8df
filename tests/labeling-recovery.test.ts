/**
 * Completion survives what happens around it: a restart with labelers_per_item raised, a
 * crash between a label and its completion event, a failed event write; and a queue's
 * events page without losing any that share a millisecond.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, testStorage, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { faulty, clickhouseError, type Faults } from './support/faulty-connection.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';
import { LabelStore } from '../labeling/labels/store.js';

const faults: Faults = { inserts: 0 };
const storage = testStorage(faulty(faults));
const ann = newApiToken();
const bob = newApiToken();
let users: Record<string, unknown>;

const config = (labelersPerItem: number, queue: string) => ({
  queues: { [queue]: { labels: [{ name: 'ok', type: 'boolean' }], labelers_per_item: labelersPerItem } },
  users,
  labeling: { poll_interval: '1h' },
});

beforeAll(async () => {
  users = await usersSection({ ann: { role: 'labeler', queues: '*', api_tokens: [ann.digest] }, bob: { role: 'labeler', queues: '*', api_tokens: [bob.digest] } });
});

let running: Running | undefined;
afterAll(async () => {
  await running?.stop();
});

async function restart(labelersPerItem: number, queue: string): Promise<Running> {
  await running?.stop();
  running = await startSpansift(config(labelersPerItem, queue), storage);
  return running;
}

const as = (r: Running, t: { token: string }) => ApiClient.bearer(r.uiUrl, t.token);
const admin = (r: Running) => ApiClient.bearer(r.uiUrl, r.adminToken);

describe('completion', () => {
  it('stays recorded once when labelers_per_item is raised after it', async () => {
    let r = await restart(1, 'raise');
    const [id] = (await admin(r).post('/api/v1/queues/raise/items', { items: [{ data: 'x' }] })).body.ids;
    expect((await as(r, ann).post('/api/v1/queues/raise/next')).body.item.id).toBe(id);
    expect((await as(r, ann).put(`/api/v1/queues/raise/items/${id}/labels`, { values: { ok: true }, submit: true })).body.completed).toBe(true);

    r = await restart(2, 'raise');
    expect((await admin(r).get('/api/v1/queues')).body.queues[0].counts).toEqual({ total: 1, completed: 1, pending: 0 });
    expect((await as(r, bob).post('/api/v1/queues/raise/next')).body.item).toBeNull();
    const events = (await admin(r).get('/api/v1/queues/raise/events')).body.events;
    expect(events.map((e: { kind: string; labelers: string[] }) => [e.kind, e.labelers])).toEqual([['completed', ['ann']]]);
  });

  it('left unrecorded by a crash is recorded at the next start; events page by cursor without losing any', async () => {
    let r = await restart(1, 'crash');
    const ids: string[] = (await admin(r).post('/api/v1/queues/crash/items', { items: [{ data: 'a' }, { data: 'b' }, { data: 'c' }] })).body.ids;
    // Labels that made it to storage without their completion events (the process died in between).
    const labels = new LabelStore(storage.client, 'default', { maxRows: 100, maxDelayMs: 1, concurrency: 1 });
    for (const id of ids) {
      await labels.append('crash', id, { labeler: 'ann', version: Date.now(), state: 'submitted', at: Date.now(), schemaVersion: 0, values: new Map([['ok', { type: 'boolean', value: 1, text: '' }]]), reasoning: new Map() });
    }
    expect((await admin(r).get('/api/v1/queues/crash/events')).body.events).toEqual([]);

    r = await restart(1, 'crash');
    const seen: string[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const res = (await admin(r).get(`/api/v1/queues/crash/events?limit=1${after ? `&after=${after}` : ''}`)).body;
      if (res.events.length === 0) break;
      seen.push(...res.events.map((e: { item_id: string }) => e.item_id));
      after = res.next;
    }
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('whose event write fails is recorded at the next poll', async () => {
    const r = await restart(1, 'flaky');
    const [id] = (await admin(r).post('/api/v1/queues/flaky/items', { items: [{ data: 'x' }] })).body.ids;
    await as(r, ann).post('/api/v1/queues/flaky/next');
    faults.insertMatch = /spansift_label_events/;
    faults.insertError = clickhouseError(241, 'Memory limit exceeded');
    const put = await as(r, ann).put(`/api/v1/queues/flaky/items/${id}/labels`, { values: { ok: true }, submit: true });
    expect(put.status).toBe(200);
    expect((await admin(r).get('/api/v1/queues/flaky/events')).body.events).toEqual([]);
    faults.insertError = undefined;
    faults.insertMatch = undefined;
    await r.service.desk!.poll();
    expect((await admin(r).get('/api/v1/queues/flaky/events')).body.events.map((e: { item_id: string }) => e.item_id)).toEqual([id]);
  });
});
