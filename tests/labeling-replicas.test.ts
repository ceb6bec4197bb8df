/**
 * Two spansift replicas over one ClickHouse, as README "Leases across replicas" documents:
 * each serves from its own index and reads in what the other wrote when it polls. After
 * a poll, a replica knows the other's items, leases, submits and completions; a
 * completion seen by both is recorded once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, testStorage, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';

const Q = 'shared';
const ann = newApiToken();
const bob = newApiToken();

let a: Running;
let b: Running;

beforeAll(async () => {
  const storage = testStorage();
  const config = {
    queues: { [Q]: { labels: [{ name: 'ok', type: 'boolean' }], labelers_per_item: 2 }, solo: { labels: [{ name: 'ok', type: 'boolean' }] } },
    users: await usersSection({
      ann: { role: 'labeler', queues: '*', api_tokens: [ann.digest] },
      bob: { role: 'labeler', queues: '*', api_tokens: [bob.digest] },
    }),
    // Polls are driven by the test, so that every step is deterministic.
    labeling: { poll_interval: '1h' },
  };
  a = await startSpansift(config, storage);
  b = await startSpansift(config, storage);
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const poll = async () => {
  await a.service.desk!.poll();
  await b.service.desk!.poll();
};

describe('two replicas', () => {
  it('share items, leases, labels and completion through storage', async () => {
    const pushed = await ApiClient.bearer(a.uiUrl, a.adminToken).post(`/api/v1/queues/${Q}/items`, { items: [{ data: 'one' }, { data: 'two' }] });
    const ids: string[] = pushed.body.ids;
    const annA = ApiClient.bearer(a.uiUrl, ann.token);
    const bobB = ApiClient.bearer(b.uiUrl, bob.token);
    const annB = ApiClient.bearer(b.uiUrl, ann.token);

    // B has not read A's items yet; after a poll it has.
    expect((await bobB.post(`/api/v1/queues/${Q}/next`)).body.item).toBeNull();
    await a.service.leases!.flush();
    await poll();
    // Items pushed together share their enqueue time: FIFO order is then by id.
    const one: string = (await annA.post(`/api/v1/queues/${Q}/next`)).body.item.id;
    const two = ids.find((id) => id !== one)!;
    expect(one).toBe([...ids].sort()[0]);
    await a.service.leases!.flush();
    await poll();
    // ann's lease taken on A holds on B: ann is given the same item there, not a second one.
    expect((await annB.post(`/api/v1/queues/${Q}/next`)).body.item.id).toBe(one);

    // Both label item one, on different replicas; each replica sees it complete after a poll.
    expect((await annA.put(`/api/v1/queues/${Q}/items/${one}/labels`, { values: { ok: true }, submit: true })).body.completed).toBe(false);
    expect((await bobB.post(`/api/v1/queues/${Q}/next`)).body.item.id).toBe(one);
    await poll();
    expect((await bobB.put(`/api/v1/queues/${Q}/items/${one}/labels`, { values: { ok: true }, submit: true })).body.completed).toBe(true);
    await poll();
    for (const r of [a, b]) {
      const q = (await ApiClient.bearer(r.uiUrl, r.adminToken).get('/api/v1/queues')).body.queues[0];
      expect(q.counts).toEqual({ total: 2, completed: 1, pending: 1 });
      expect(q.name).toBe(Q);
    }
    // ann is done with one on both replicas; her next is two.
    expect((await annB.post(`/api/v1/queues/${Q}/next`)).body.item.id).toBe(two);
    const events = (await ApiClient.bearer(a.uiUrl, a.adminToken).get(`/api/v1/queues/${Q}/events`)).body.events;
    expect(events.filter((e: { item_id: string; kind: string }) => e.item_id === one && e.kind === 'completed')).toHaveLength(1);
  });

  it('keep a lease taken on one replica from being given out on the other, once it has polled', async () => {
    const ids: string[] = (await ApiClient.bearer(a.uiUrl, a.adminToken).post('/api/v1/queues/solo/items', { items: [{ data: 'x' }, { data: 'y' }] })).body.ids;
    await poll();
    const held: string = (await ApiClient.bearer(a.uiUrl, ann.token).post('/api/v1/queues/solo/next')).body.item.id;
    await a.service.leases!.flush();
    await poll();
    const other: string = (await ApiClient.bearer(b.uiUrl, bob.token).post('/api/v1/queues/solo/next')).body.item.id;
    expect(other).not.toBe(held);
    expect(new Set([held, other])).toEqual(new Set(ids));
  });
});
