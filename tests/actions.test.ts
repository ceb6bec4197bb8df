/**
 * Completion actions against a running spansift and a real webhook receiver on
 * 127.0.0.1: labeling through the API until items complete fires each configured action
 * once, only where its condition holds; datasets get each item once (an edit after
 * completion updates it, or takes it out when the condition stops holding); webhooks are
 * signed, retried with backoff on 5xx and timeouts, not on other 4xx, and the failures are
 * listed and can be tried again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { until } from './support/until.js';

const SECRET = 'a-test-secret-of-32-characters!!';
const Q = 'review';
let sift: Running;
let admin: ApiClient;
let ann: ApiClient;
let hooks: WebhookReceiver;
const items: Record<string, string> = {};


async function label(id: string, values: Record<string, unknown>): Promise<void> {
  const res = await ann.put(`/api/v1/queues/${Q}/items/${id}/labels`, { values, submit: true });
  expect(res.status).toBe(200);
}

const deliveries = async (status?: string) => (await admin.get(`/api/v1/actions/deliveries?limit=1000${status ? `&status=${status}` : ''}`)).body.deliveries as { id: string; action: string; item_id: string; status: string; attempts: number; last_status: string; event: string }[];
/** Completion events written, their deliveries recorded, and none waiting for another attempt. */
const settled = () =>
  until('every delivery to settle', async () => {
    await sift.service.desk!.settled();
    await sift.service.runner!.idle();
    return (await deliveries('pending')).length === 0;
  });
const golden = async () => (await admin.get('/api/v1/datasets/golden/items')).body.items as { id: string; data: unknown; target: unknown; metadata: Record<string, any> }[];

beforeAll(async () => {
  hooks = await new WebhookReceiver(SECRET, { '/flaky': { failFirst: 2 }, '/slow': { hangFirst: 1 }, '/reject': { status: 400 } }).start();
  const hook = (path: string, extra: Record<string, unknown> = {}) => ({ url: `${hooks.url}${path}`, secret: SECRET, retry_on_failure: { initial_interval: '50ms' }, ...extra });
  sift = await startSpansift({
    queues: {
      [Q]: {
        labels: [
          { name: 'correct', type: 'boolean', required: true },
          { name: 'quality', type: 'numeric', min: 1, max: 5, step: 1 },
          { name: 'fixed', type: 'text' },
        ],
        on_complete: [
          { add_to_dataset: { dataset: 'golden', when: 'labels["correct"] == true', target_from: 'fixed' } },
          { name: 'flaky', webhook: hook('/flaky', { events: ['completed', 'updated'] }) },
          { name: 'slow', webhook: hook('/slow', { timeout: '300ms' }) },
          { name: 'reject', webhook: hook('/reject') },
          { name: 'good-only', webhook: hook('/good', { when: 'labels["quality"] >= 4 and Len(labelers) >= 1' }) },
        ],
      },
    },
    users: await usersSection({ ann: { role: 'labeler', queues: [Q], password: 'ann-pw' } }),
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  ann = await ApiClient.signIn(sift.uiUrl, 'ann', 'ann-pw');
  const ids: string[] = (await admin.post(`/api/v1/queues/${Q}/items`, { items: ['great', 'wrong', 'fine'].map((k) => ({ data: { input: `question ${k}`, output: `answer ${k}` }, idempotency_key: k })) })).body.ids;
  [items.great, items.wrong, items.fine] = ids;
  for (let i = 0; i < 3; i++) await ann.post(`/api/v1/queues/${Q}/next`).then(async (r) => label(r.body.item.id, (r.body.item.id === items.great ? { correct: true, quality: 5, fixed: 'A better answer.' } : r.body.item.id === items.wrong ? { correct: false, quality: 2 } : { correct: true, quality: 4 }) as Record<string, unknown>));
  await settled();
});

afterAll(async () => {
  await sift?.stop();
  await hooks?.stop();
});

describe('add_to_dataset', () => {
  it('adds each completed item whose condition holds, once, with its labels and the corrected target', async () => {
    const got = await golden();
    expect(got.map((i) => i.metadata.item_id).sort()).toEqual([items.great, items.fine].sort());
    const great = got.find((i) => i.metadata.item_id === items.great)!;
    expect(great).toMatchObject({ data: 'question great', target: 'A better answer.' });
    expect(great.metadata).toMatchObject({ queue: Q, labels: { correct: true, quality: 5, fixed: 'A better answer.' }, labelers: ['ann'], corrected_by: 'fixed' });
    expect(got.find((i) => i.metadata.item_id === items.fine)!.target).toBe('answer fine');
  });

  it('updates the item when a label changes after completion, and takes it out when the condition stops holding', async () => {
    await label(items.fine, { quality: 5 });
    await settled();
    let got = await golden();
    expect(got).toHaveLength(2);
    expect(got.find((i) => i.metadata.item_id === items.fine)!.metadata.labels.quality).toBe(5);
    await label(items.fine, { correct: false });
    await settled();
    got = await golden();
    expect(got.map((i) => i.metadata.item_id)).toEqual([items.great]);
  });
});

describe('webhooks', () => {
  it('are signed; receivers can check every one', () => {
    expect(hooks.forged).toEqual([]);
    expect(hooks.attempts.length).toBeGreaterThan(0);
  });

  it('retry 5xx with backoff until delivered, once per event by idempotency key', async () => {
    const flaky = hooks.delivered.filter((d) => d.path === '/flaky');
    expect(flaky.filter((d) => d.event === 'completed').map((d) => d.body.item.id).sort()).toEqual(Object.values(items).sort());
    // Two edits of a completed item (quality, then correct) are two updates.
    expect(flaky.filter((d) => d.event === 'updated').map((d) => d.body.item.id)).toEqual([items.fine, items.fine]);
    const done = (await deliveries('delivered')).filter((d) => d.action === 'flaky' && d.event === 'completed');
    expect(done.map((d) => d.attempts)).toEqual([3, 3, 3]);
    expect(hooks.attempts.filter((a) => a.path === '/flaky' && a.event === 'completed')).toHaveLength(9);
  });

  it('retry a timeout', async () => {
    const slow = (await deliveries('delivered')).filter((d) => d.action === 'slow');
    expect(slow).toHaveLength(3);
    for (const d of slow) expect(d.attempts).toBe(2);
  });

  it('send what the item and its labels are', () => {
    const great = hooks.delivered.find((d) => d.path === '/flaky' && d.body.item.id === items.great)!;
    expect(great.body).toMatchObject({
      event: 'completed',
      queue: Q,
      item: { id: items.great, data: { input: 'question great', output: 'answer great' } },
      labels: { correct: true, quality: 5, fixed: 'A better answer.' },
      labelers: ['ann'],
      by_labeler: { ann: { values: { correct: true, quality: 5, fixed: 'A better answer.' } } },
    });
  });

  it('fire only where their condition holds', async () => {
    expect(hooks.delivered.filter((d) => d.path === '/good').map((d) => d.body.item.id).sort()).toEqual([items.great, items.fine].sort());
    expect((await deliveries('skipped')).filter((d) => d.action === 'good-only').map((d) => [d.item_id, d.last_status])).toEqual([[items.wrong, 'condition not met']]);
  });

  it('do not retry another 4xx: the failure is listed, and can be tried again', async () => {
    const failed = (await deliveries('failed')).filter((d) => d.action === 'reject');
    expect(failed).toHaveLength(3);
    for (const d of failed) expect([d.attempts, d.last_status]).toEqual([1, 'HTTP 400']);
    const again = await admin.post(`/api/v1/actions/deliveries/${failed[0].id}/retry`);
    expect(again.body.status).toBe('pending');
    await settled();
    // Refused again: one more attempt, counted with the first.
    expect((await deliveries('failed')).find((d) => d.id === failed[0].id)!.attempts).toBe(2);
    expect(hooks.attempts.filter((a) => a.path === '/reject')).toHaveLength(4);
    expect((await admin.post('/api/v1/actions/deliveries/nope/retry')).status).toBe(404);
  });

  it('are counted in /metrics by action and outcome', async () => {
    const text = (await admin.call('GET', '/metrics')).body as string;
    expect(text).toMatch(/spansift_action_attempts_total\{action="flaky",kind="webhook",outcome="delivered"\} 5/);
    // Each of the 3 completions and 2 updates was refused twice before it got through.
    expect(text).toMatch(/spansift_action_attempts_total\{action="flaky",kind="webhook",outcome="retrying"\} 10/);
    expect(text).toMatch(/spansift_action_attempts_total\{action="dataset:golden",kind="dataset",outcome="delivered"\} 3/);
    expect(text).toMatch(/spansift_action_attempts_total\{action="reject",kind="webhook",outcome="failed"\} 4/);
  });
});

describe('the actions page', () => {
  it('lists failed deliveries with what they got, and tries one again from its button', async () => {
    const me = await ApiClient.signIn(sift.uiUrl, 'admin', sift.adminToken);
    const page = async () => (await fetch(`${sift.uiUrl}/admin/actions`, { headers: { cookie: me.cookie! } })).text();
    const html = await page();
    expect(html).toContain('Failed (3)');
    expect(html).toContain('HTTP 400');
    const failed = (await deliveries('failed')).filter((d) => d.action === 'reject');
    const before = hooks.attempts.filter((a) => a.path === '/reject').length;
    const res = await fetch(`${sift.uiUrl}/admin/actions/${failed[1].id}/retry`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: me.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=${encodeURIComponent(me.csrf!)}`,
    });
    expect(res.status).toBe(303);
    await settled();
    expect(hooks.attempts.filter((a) => a.path === '/reject')).toHaveLength(before + 1);
    const lou = await ApiClient.signIn(sift.uiUrl, 'ann', 'ann-pw');
    expect((await fetch(`${sift.uiUrl}/admin/actions`, { headers: { cookie: lou.cookie! }, redirect: 'manual' })).status).toBe(403);
  });
});

describe('config', () => {
  it('refuses a condition over labels with a mistake, at its position', async () => {
    const { parseConfigText } = await import('../cli/config.js');
    expect(() =>
      parseConfigText('queues:\n  q:\n    labels: [{name: ok, type: boolean}]\n    on_complete:\n      - add_to_dataset: { dataset: d, when: \'labels["ok"] = true\' }\n', 'x.yaml', {}),
    ).toThrow(/x\.yaml:5:\d+: queues\.q\.on_complete\.0\.add_to_dataset\.when: invalid condition at 1:14: unexpected character '='/);
  });
});
