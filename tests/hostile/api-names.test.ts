/**
 * Names of Object.prototype's members as queue, rule, dataset and user names: every route
 * with a {queue} or {name} answers 404 to an admin (403 to a labeler, who is never told whether
 * another queue exists), sign-in answers 401, and nothing is stored. A queue that really is
 * called `valueOf` works: lookups are by own name, not a list of forbidden words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from '../support/spansift.js';
import { ApiClient, usersSection } from '../support/labeling.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const QUEUES = ['review', 'valueOf'];

let sift: Running;
let admin: ApiClient;
let ann: ApiClient;
let itemId: string;

/** Every route that takes a queue or rule name from the path, with a body it would accept. */
const ROUTES: Array<{ method: string; path: (name: string) => string; body?: unknown }> = [
  { method: 'POST', path: (q) => `/api/v1/queues/${q}/items`, body: { items: [{ data: { input: 'x' } }] } },
  { method: 'GET', path: (q) => `/api/v1/queues/${q}/items?position=0` },
  { method: 'GET', path: (q) => `/api/v1/queues/${q}/events` },
  { method: 'POST', path: (q) => `/api/v1/queues/${q}/next` },
  { method: 'GET', path: (q) => `/api/v1/queues/${q}/items/${itemId}` },
  { method: 'GET', path: (q) => `/api/v1/queues/${q}/items/${itemId}/labels` },
  { method: 'GET', path: (q) => `/api/v1/queues/${q}/items/${itemId}/labels?history=true` },
  { method: 'PUT', path: (q) => `/api/v1/queues/${q}/items/${itemId}/labels`, body: { values: { ok: true }, submit: true } },
  { method: 'POST', path: (q) => `/api/v1/queues/${q}/items/${itemId}/skip`, body: { reason: 'x' } },
  { method: 'POST', path: (q) => `/api/v1/queues/${q}/items/${itemId}/lease` },
  { method: 'DELETE', path: (q) => `/api/v1/queues/${q}/items/${itemId}/lease` },
  { method: 'GET', path: (q) => `/api/v1/queues/${q}/mine?position=0` },
  { method: 'POST', path: (r) => `/api/v1/rules/${r}/backfill`, body: { since: '1h' } },
  { method: 'GET', path: (d) => `/api/v1/datasets/${d}` },
  { method: 'DELETE', path: (d) => `/api/v1/datasets/${d}` },
  { method: 'GET', path: (d) => `/api/v1/datasets/${d}/items` },
  { method: 'POST', path: (d) => `/api/v1/datasets/${d}/items`, body: { items: [{ data: { input: 'x' } }] } },
  { method: 'DELETE', path: (d) => `/api/v1/datasets/${d}/items/x` },
  { method: 'GET', path: (d) => `/api/v1/datasets/${d}/export` },
  { method: 'POST', path: (d) => `/api/v1/datasets/${d}/push`, body: { queue: 'review' } },
];

async function storedQueues(): Promise<Record<string, number>> {
  const rs = await sift.service.storage!.client.query({
    query: 'SELECT queue, toUInt32(count()) AS n FROM spansift_queue_items GROUP BY queue ORDER BY queue',
    format: 'JSONEachRow',
  });
  return Object.fromEntries((await rs.json<{ queue: string; n: number }>()).map((r) => [r.queue, r.n]));
}

beforeAll(async () => {
  const labels = [{ name: 'ok', type: 'boolean' }];
  sift = await startSpansift({
    queues: Object.fromEntries(QUEUES.map((q) => [q, { labels }])),
    rules: [{ name: 'errors', when: 'status.code == STATUS_CODE_ERROR', route_to: QUEUES }],
    users: await usersSection({ ann: { role: 'labeler', queues: ['review'], password: 'ann-pw' } }),
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  ann = await ApiClient.signIn(sift.uiUrl, 'ann', 'ann-pw');
  const pushed = await admin.post('/api/v1/queues/review/items', { items: [{ data: { input: 'a question' }, idempotency_key: 'one' }] });
  expect(pushed.status).toBe(201);
  itemId = pushed.body.ids[0];
});

afterAll(async () => {
  await sift?.stop();
});

describe('prototype member names', () => {
  const cases = NAMES.flatMap((name) => ROUTES.map((r) => [r.method, r.path(':name').replace(':name', name), name, r] as const));

  it.each(cases)('admin %s %s: no such queue, rule or dataset', async (method, shown, name, route) => {
    const res = await admin.call(method, route.path(name), route.body);
    if (name === '__proto__' && shown.startsWith('/api/v1/datasets/')) {
      // Dataset names start with a letter or digit: this one cannot be a dataset at all.
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('name');
      return;
    }
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(['queue', 'rule', 'dataset']).toContain(res.body.error.field);
    expect(res.body.error.message).toContain(`"${name}"`);
  });

  it.each(cases.filter(([, path]) => path.startsWith('/api/v1/queues/')))('labeler %s %s: 403', async (method, _shown, name, route) => {
    const res = await ann.call(method, route.path(name), route.body);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it.each(NAMES)('pushing a dataset into a queue named %s: 404', async (name) => {
    expect((await admin.post('/api/v1/datasets', { name: 'golden' })).status).toBe(201);
    const res = await admin.post('/api/v1/datasets/golden/push', { queue: name });
    expect(res.status).toBe(404);
    expect(res.body.error.field).toBe('queue');
    expect((await admin.del('/api/v1/datasets/golden')).status).toBe(204);
  });

  it.each(NAMES)('signing in as %s: 401', async (name) => {
    const res = await new ApiClient(sift.uiUrl).post('/api/v1/session', { user: name, password: 'pw' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('nothing was stored for them, and the real queues are untouched', async () => {
    expect(await storedQueues()).toEqual({ review: 1 });
    const list = await admin.get('/api/v1/queues');
    expect(list.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([...QUEUES].sort());
    expect(list.body.queues.find((q: { name: string }) => q.name === 'review').counts).toEqual({ total: 1, completed: 0, pending: 1 });
  });

  it('a queue named valueOf is an ordinary queue', async () => {
    const pushed = await admin.post('/api/v1/queues/valueOf/items', { items: [{ data: { input: 'q' } }] });
    expect(pushed.status).toBe(201);
    const next = await admin.post('/api/v1/queues/valueOf/next');
    expect(next.status).toBe(200);
    expect(next.body.item.id).toBe(pushed.body.ids[0]);
    const put = await admin.put(`/api/v1/queues/valueOf/items/${pushed.body.ids[0]}/labels`, { values: { ok: true }, submit: true });
    expect(put.status).toBe(200);
    expect(put.body.completed).toBe(true);
  });

  it.each(['constructor', 'toString', '__proto__'])('a label named %s is not a label of the queue', async (label) => {
    // Written by hand: a JS object literal cannot hold an own "__proto__" key.
    const body = `{"values": {"${label}": true}}`;
    const raw = await fetch(`${sift.uiUrl}/api/v1/queues/review/items/${itemId}/labels`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${sift.adminToken}`, 'content-type': 'application/json' },
      body,
    });
    const answer = await raw.json();
    if (label === '__proto__') {
      // JSON's "__proto__" key is dropped by the schema (it would set a prototype): nothing is labeled.
      expect(raw.status).toBe(200);
      expect(answer.labels.values).toEqual({});
    } else {
      expect(raw.status).toBe(400);
      expect(answer.error.field).toBe(`values.${label}`);
    }
  });
});
