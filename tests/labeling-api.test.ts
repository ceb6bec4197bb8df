/**
 * The labeling API against a running spansift (real engine, real HTTP): labels checked
 * against the queue's schema, drafts and submits as append-only versions, blind
 * labeling, completion recorded once, the next item under leases, skips, and going back
 * through what a labeler was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, testConfig, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';

const QA = 'answer-quality';
const PAIR = 'pairs';
const TRIO = 'trios';

const LABELS = [
  { name: 'correct', type: 'boolean', hotkey: 'c', required: true },
  { name: 'quality', type: 'numeric', min: 1, max: 5, step: 1 },
  { name: 'issue', type: 'categorical', values: { none: 0, hallucination: 1, refusal: 2 } },
  { name: 'note', type: 'text' },
];

let sift: Running;
let admin: ApiClient;
let ann: ApiClient;
let bob: ApiClient;
let cid: ApiClient;

async function push(queue: string, n: number, tag: string): Promise<string[]> {
  const res = await admin.post(`/api/v1/queues/${queue}/items`, {
    items: Array.from({ length: n }, (_, i) => ({ data: { input: `${tag} question ${i}`, output: `${tag} answer ${i}` }, idempotency_key: `${tag}-${i}` })),
  });
  expect(res.status).toBe(201);
  return res.body.ids;
}

beforeAll(async () => {
  sift = await startSpansift({
    queues: {
      [QA]: { instructions: 'Is the answer right?', labels: LABELS },
      [PAIR]: { labels: [{ name: 'ok', type: 'boolean' }], labelers_per_item: 2 },
      [TRIO]: { labels: [{ name: 'ok', type: 'boolean' }], labelers_per_item: 3 },
    },
    users: await usersSection({
      ann: { role: 'labeler', queues: [QA, PAIR, TRIO], password: 'ann-pw' },
      bob: { role: 'labeler', queues: '*', password: 'bob-pw' },
      cid: { role: 'labeler', queues: [PAIR, TRIO], password: 'cid-pw' },
    }),
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  [ann, bob, cid] = await Promise.all([
    ApiClient.signIn(sift.uiUrl, 'ann', 'ann-pw'),
    ApiClient.signIn(sift.uiUrl, 'bob', 'bob-pw'),
    ApiClient.signIn(sift.uiUrl, 'cid', 'cid-pw'),
  ]);
});

afterAll(async () => {
  await sift?.stop();
});

describe('labels against the queue schema', () => {
  let id: string;
  beforeAll(async () => {
    await push(QA, 1, 'schema');
    id = (await ann.post(`/api/v1/queues/${QA}/next`)).body.item.id;
  });

  it.each([
    [{ correct: 'yes' }, 'values.correct', 'expected true or false'],
    [{ quality: 7 }, 'values.quality', 'expected a number from 1 to 5'],
    [{ quality: 2.5 }, 'values.quality', 'expected 1 plus a multiple of 1'],
    [{ issue: 'typo' }, 'values.issue', 'expected one of "none", "hallucination", "refusal"'],
    [{ note: 42 }, 'values.note', 'expected a string'],
    [{ mood: 'happy' }, 'values.mood', 'has no label "mood"'],
  ])('refuses %j with a 400 naming the label', async (values, field, message) => {
    const res = await ann.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toContain(message);
  });

  it('refuses a labeler named in the body: the labeler is who is asking', async () => {
    const res = await ann.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { note: 'x' }, labeler: 'bob' });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('labeler');
  });

  it('keeps a draft without required labels, and refuses to submit until they are set', async () => {
    const draft = await ann.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { quality: 4, issue: 'none' }, reasoning: { quality: 'mostly right' } });
    expect(draft.status).toBe(200);
    expect(draft.body.labels).toMatchObject({ labeler: 'ann', status: 'draft', values: { quality: 4, issue: 'none' }, reasoning: { quality: 'mostly right' }, submitted: null });
    expect(draft.body.completed).toBe(false);
    const submit = await ann.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: {}, submit: true });
    expect(submit.status).toBe(400);
    expect(submit.body.error).toMatchObject({ field: 'values.correct', message: expect.stringContaining('required to submit') });
  });

  it('submits, then keeps every later edit as a new version while the latest counts', async () => {
    const submit = await ann.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { correct: true }, submit: true });
    expect(submit.status).toBe(200);
    expect(submit.body.completed).toBe(true);
    expect(submit.body.labels).toMatchObject({ status: 'submitted', values: { correct: true, quality: 4, issue: 'none' }, draft: false });
    const edit = await ann.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { quality: null, note: 'on reflection' }, submit: true });
    expect(edit.body.labels.values).toEqual({ correct: true, issue: 'none', note: 'on reflection' });
    const draft = await ann.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { correct: false } });
    expect(draft.body.labels).toMatchObject({ status: 'submitted', draft: true, values: { correct: false } });
    expect(draft.body.labels.submitted.values).toEqual({ correct: true, issue: 'none', note: 'on reflection' });

    const history = await ann.get(`/api/v1/queues/${QA}/items/${id}/labels?history=true`);
    expect(history.status).toBe(200);
    expect(history.body.history.map((v: { state: string; values: object }) => [v.state, v.values])).toEqual([
      ['draft', { quality: 4, issue: 'none' }],
      ['submitted', { correct: true, quality: 4, issue: 'none' }],
      ['submitted', { correct: true, issue: 'none', note: 'on reflection' }],
      ['draft', { correct: false, issue: 'none', note: 'on reflection' }],
    ]);
    const versions = history.body.history.map((v: { version: number }) => v.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(4);
  });
});

describe('blind labeling', () => {
  let id: string;
  beforeAll(async () => {
    await push(PAIR, 1, 'blind');
    id = (await ann.post(`/api/v1/queues/${PAIR}/next`)).body.item.id;
    expect((await cid.post(`/api/v1/queues/${PAIR}/next`)).body.item.id).toBe(id);
    await ann.put(`/api/v1/queues/${PAIR}/items/${id}/labels`, { values: { ok: true }, submit: true });
    await cid.put(`/api/v1/queues/${PAIR}/items/${id}/labels`, { values: { ok: false }, submit: true });
  });

  it('shows a labeler only their own labels', async () => {
    const res = await ann.get(`/api/v1/queues/${PAIR}/items/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.labels).toMatchObject({ labeler: 'ann', values: { ok: true } });
    expect(res.body.all_labels).toBeUndefined();
    const labels = await cid.get(`/api/v1/queues/${PAIR}/items/${id}/labels`);
    expect(labels.body.labels.map((l: { labeler: string }) => l.labeler)).toEqual(['cid']);
  });

  it('shows an admin every labeler side by side', async () => {
    const res = await admin.get(`/api/v1/queues/${PAIR}/items/${id}`);
    expect(res.body.all_labels.map((l: { labeler: string; values: object }) => [l.labeler, l.values])).toEqual([
      ['ann', { ok: true }],
      ['cid', { ok: false }],
    ]);
  });

  it('does not let a labeler read an item they were never given', async () => {
    expect((await bob.get(`/api/v1/queues/${PAIR}/items/${id}`)).status).toBe(404);
    expect((await bob.put(`/api/v1/queues/${PAIR}/items/${id}/labels`, { values: { ok: true } })).status).toBe(404);
  });
});

describe('completion', () => {
  it('completes an item when labelers_per_item different labelers submitted, recorded once; later edits are updates', async () => {
    const [id] = await push(PAIR, 1, 'complete');
    const take = async (c: ApiClient) => {
      for (;;) {
        const got = (await c.post(`/api/v1/queues/${PAIR}/next`)).body.item;
        if (got.id === id) return;
        await c.post(`/api/v1/queues/${PAIR}/items/${got.id}/skip`);
      }
    };
    await take(ann);
    await take(bob);
    const first = await ann.put(`/api/v1/queues/${PAIR}/items/${id}/labels`, { values: { ok: true }, submit: true });
    expect(first.body.completed).toBe(false);
    const again = await ann.put(`/api/v1/queues/${PAIR}/items/${id}/labels`, { values: { ok: true }, submit: true });
    expect(again.body.completed).toBe(false);
    const second = await bob.put(`/api/v1/queues/${PAIR}/items/${id}/labels`, { values: { ok: true }, submit: true });
    expect(second.body.completed).toBe(true);
    await bob.put(`/api/v1/queues/${PAIR}/items/${id}/labels`, { values: { ok: false }, submit: true });

    const events = (await admin.get(`/api/v1/queues/${PAIR}/events`)).body.events.filter((e: { item_id: string }) => e.item_id === id);
    expect(events.map((e: { kind: string; labeler: string; labelers: string[] }) => [e.kind, e.labeler, e.labelers])).toEqual([
      ['completed', 'bob', ['ann', 'bob']],
      ['updated', 'bob', ['ann', 'bob']],
    ]);
  });
});

describe('two submits at once', () => {
  it('complete an item once; the later one is an update', async () => {
    const [id] = await push(QA, 1, 'race');
    let got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    while (got.item.id !== id) {
      await bob.post(`/api/v1/queues/${QA}/items/${got.item.id}/skip`);
      got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    }
    const [a, b] = await Promise.all([
      bob.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { correct: true }, submit: true }),
      admin.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { correct: false }, submit: true }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.completed, b.body.completed]).toEqual([true, true]);
    const events = (await admin.get(`/api/v1/queues/${QA}/events?limit=10000`)).body.events.filter((e: { item_id: string }) => e.item_id === id);
    expect(events.map((e: { kind: string }) => e.kind).sort()).toEqual(['completed', 'updated']);
  });

  it('refuses a skip after a submit: the labels are changed instead', async () => {
    const [id] = await push(QA, 1, 'skip-after');
    let got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    while (got.item.id !== id) {
      await bob.post(`/api/v1/queues/${QA}/items/${got.item.id}/skip`);
      got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    }
    await bob.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { correct: true }, submit: true });
    const skip = await bob.post(`/api/v1/queues/${QA}/items/${id}/skip`);
    expect(skip.status).toBe(409);
    expect(skip.body.error.code).toBe('CONFLICT');
    expect((await bob.get(`/api/v1/queues/${QA}/items/${id}`)).body.labels.status).toBe('submitted');
  });
});

describe('the next item', () => {
  it('gives two labelers asking at once different items, and each the same one again until they finish it', async () => {
    const ids = await push(QA, 3, 'lease');
    const [a, b] = await Promise.all([ann.post(`/api/v1/queues/${QA}/next`), bob.post(`/api/v1/queues/${QA}/next`)]);
    expect(a.status).toBe(200);
    expect(new Set([a.body.item.id, b.body.item.id]).size).toBe(2);
    expect(ids).toEqual(expect.arrayContaining([a.body.item.id, b.body.item.id]));
    expect(Date.parse(a.body.lease.expires_at) - Date.now()).toBeGreaterThan(4 * 60_000);
    expect((await ann.post(`/api/v1/queues/${QA}/next`)).body.item.id).toBe(a.body.item.id);
    // Released (the page closed): the other labeler may have it.
    expect((await ann.del(`/api/v1/queues/${QA}/items/${a.body.item.id}/lease`)).status).toBe(204);
    await bob.put(`/api/v1/queues/${QA}/items/${b.body.item.id}/labels`, { values: { correct: true }, submit: true });
    expect((await bob.post(`/api/v1/queues/${QA}/next`)).body.item.id).toBe(a.body.item.id);
    expect((await ann.post(`/api/v1/queues/${QA}/items/${a.body.item.id}/lease`)).status).toBe(409);
  });

  it('leaves a lease taken again alone when a release of the older one arrives late', async () => {
    const [id] = await push(QA, 1, 'late-release');
    let got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    while (got.item.id !== id) {
      await bob.post(`/api/v1/queues/${QA}/items/${got.item.id}/skip`);
      got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    }
    const first = got.lease.leased_at;
    // The page closes (its release is in flight) while the next page takes the same item again.
    const again = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    expect(again.item.id).toBe(id);
    expect(again.lease.leased_at).toBeGreaterThan(first);
    expect((await bob.del(`/api/v1/queues/${QA}/items/${id}/lease?leased_at=${first}`)).status).toBe(204);
    expect((await bob.get(`/api/v1/queues/${QA}/items/${id}`)).body.lease).toMatchObject({ leased_at: again.lease.leased_at });
    // A release of the current lease releases it.
    expect((await bob.del(`/api/v1/queues/${QA}/items/${id}/lease?leased_at=${again.lease.leased_at}`)).status).toBe(204);
    expect((await bob.get(`/api/v1/queues/${QA}/items/${id}`)).body.lease).toBeNull();
  });

  it('with labelers_per_item 3 lets three labelers hold one item at once', async () => {
    const [id] = await push(TRIO, 1, 'trio');
    const got = await Promise.all([ann, bob, cid].map((c) => c.post(`/api/v1/queues/${TRIO}/next`)));
    expect(got.map((r) => r.body.item.id)).toEqual([id, id, id]);
  });

  it('skips: the skipper does not get the item again, others do', async () => {
    const [first] = await push(TRIO, 2, 'skip');
    for (const c of [ann, bob, cid]) {
      let r = await c.post(`/api/v1/queues/${TRIO}/next`);
      while (r.body.item && r.body.item.id !== first) {
        await c.put(`/api/v1/queues/${TRIO}/items/${r.body.item.id}/labels`, { values: { ok: true }, submit: true });
        r = await c.post(`/api/v1/queues/${TRIO}/next`);
      }
    }
    const skip = await ann.post(`/api/v1/queues/${TRIO}/items/${first}/skip`, { reason: 'not my field' });
    expect(skip.status).toBe(200);
    expect(skip.body.labels).toMatchObject({ status: 'skipped', skip_reason: 'not my field' });
    expect((await ann.post(`/api/v1/queues/${TRIO}/next`)).body.item?.id).not.toBe(first);
    expect((await bob.post(`/api/v1/queues/${TRIO}/next`)).body.item.id).toBe(first);
  });

  it('answers item null when nothing is left, with the caller\'s figures', async () => {
    const dan = ApiClient.bearer(sift.uiUrl, sift.adminToken);
    let r = await dan.post(`/api/v1/queues/${PAIR}/next`);
    while (r.body.item) {
      await dan.post(`/api/v1/queues/${PAIR}/items/${r.body.item.id}/skip`);
      r = await dan.post(`/api/v1/queues/${PAIR}/next`);
    }
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ item: null, lease: null, progress: { left: 0 } });
  });
});

describe('going back through what I was given', () => {
  it('serves item N of what the labeler saw, in the order given, with its labels', async () => {
    const ids = await push(PAIR, 3, 'mine');
    const seenBefore: number = (await cid.get('/api/v1/queues')).body.queues.find((q: { name: string }) => q.name === PAIR).mine.seen;
    const given: string[] = [];
    for (;;) {
      const r = await cid.post(`/api/v1/queues/${PAIR}/next`);
      if (!r.body.item) break;
      given.push(r.body.item.id);
      expect(r.body.progress).toMatchObject({ position: seenBefore + given.length - 1, seen: seenBefore + given.length });
      await cid.put(`/api/v1/queues/${PAIR}/items/${r.body.item.id}/labels`, { values: { ok: given.length % 2 === 0 }, submit: true });
    }
    expect(given).toEqual(expect.arrayContaining(ids));
    const list = (await cid.get('/api/v1/queues')).body.queues.find((q: { name: string }) => q.name === PAIR);
    const last = list.mine.seen - 1;
    const back = await cid.get(`/api/v1/queues/${PAIR}/mine?position=${last}`);
    expect(back.status).toBe(200);
    expect(back.body.item.id).toBe(given[given.length - 1]);
    expect(back.body.progress).toMatchObject({ position: last, seen: list.mine.seen });
    expect(back.body.labels.status).toBe('submitted');
    const past = await cid.get(`/api/v1/queues/${PAIR}/mine?position=${last + 1}`);
    expect(past.status).toBe(404);
    expect(past.body.error.field).toBe('position');
  });
});

describe('the queue list', () => {
  it('shows a labeler their queues only, with their own figures', async () => {
    const res = await cid.get('/api/v1/queues');
    expect(res.status).toBe(200);
    expect(res.body.queues.map((q: { name: string }) => q.name)).toEqual([PAIR, TRIO]);
    for (const q of res.body.queues) {
      expect(q.labelers).toBeUndefined();
      expect(q.mine.left).toBeLessThanOrEqual(q.counts.pending);
    }
  });

  it('shows an admin every queue with each labeler\'s progress', async () => {
    const res = await admin.get('/api/v1/queues');
    expect(res.body.queues.map((q: { name: string }) => q.name)).toEqual([QA, PAIR, TRIO]);
    const pair = res.body.queues.find((q: { name: string }) => q.name === PAIR);
    expect(pair.labelers.map((l: { labeler: string }) => l.labeler)).toEqual(expect.arrayContaining(['ann', 'bob', 'cid']));
    const ann = pair.labelers.find((l: { labeler: string }) => l.labeler === 'ann');
    expect(ann.submitted).toBeGreaterThanOrEqual(2);
    expect(pair.counts.completed).toBeGreaterThanOrEqual(2);
  });
});

describe('a changed label schema', () => {
  it('keeps labels written under the old schema readable, and shows a removed label as such', async () => {
    const [id] = await push(QA, 1, 'schema-change');
    let got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    while (got.item.id !== id) {
      await bob.post(`/api/v1/queues/${QA}/items/${got.item.id}/skip`);
      got = (await bob.post(`/api/v1/queues/${QA}/next`)).body;
    }
    const before = await bob.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { correct: true, note: 'cites the wrong year' }, submit: true });
    const oldVersion = before.body.labels.schema_version;

    const next = testConfig({
      queues: {
        [QA]: { labels: [...LABELS.filter((l) => l.name !== 'note'), { name: 'tone', type: 'categorical', values: { ok: 1, rude: 0 } }] },
        [PAIR]: { labels: [{ name: 'ok', type: 'boolean' }], labelers_per_item: 2 },
        [TRIO]: { labels: [{ name: 'ok', type: 'boolean' }], labelers_per_item: 3 },
      },
    });
    await sift.service.reload({ ...next, users: sift.service.currentConfig.users });

    const after = (await bob.get(`/api/v1/queues/${QA}/items/${id}`)).body.labels;
    expect(after).toMatchObject({ status: 'submitted', values: { correct: true }, retired: { note: 'cites the wrong year' }, schema_version: oldVersion });
    const edit = await bob.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { tone: 'ok' }, submit: true });
    expect(edit.status).toBe(200);
    // The retired label is carried into the new version, never dropped; the version records the new schema.
    expect(edit.body.labels).toMatchObject({ values: { correct: true, tone: 'ok' }, retired: { note: 'cites the wrong year' } });
    expect(edit.body.labels.schema_version).not.toBe(oldVersion);
    expect((await bob.put(`/api/v1/queues/${QA}/items/${id}/labels`, { values: { note: 'x' } })).body.error.field).toBe('values.note');
  });
});
