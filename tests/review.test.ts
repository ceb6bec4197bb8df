/**
 * Routing by disagreement against a running spansift: a queue with `review` sends a
 * completed item to its review queue when its labelers disagree, or when their labels and
 * the judge's score of the same criterion disagree (an item from an evaluation); the
 * review item says why; the reviewed item's dataset action waits for the reviewer, whose
 * labels are then the final ones for the dataset and for the data point's human score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, HumanEvaluator, llmJudge } from 'spansift/sdk';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';
import { until } from './support/until.js';

const LABELS = [
  { name: 'correct', type: 'boolean', required: true, hotkey: 'c' },
  { name: 'quality', type: 'numeric', min: 1, max: 5, step: 1 },
];
const ml = newApiToken();
let sift: Running;
let admin: ApiClient;
const people: Record<string, ApiClient> = {};
const ids: Record<string, string> = {};


/** Completion events written, their deliveries recorded, and none waiting for another attempt. */
const settled = () =>
  until('the actions to settle', async () => {
    await sift.service.desk!.settled();
    await sift.service.runner!.idle();
    return (await admin.get('/api/v1/actions/deliveries?status=pending')).body.deliveries.length === 0;
  });
const label = async (who: string, queue: string, id: string, values: Record<string, unknown>) => {
  const r = await people[who].put(`/api/v1/queues/${queue}/items/${id}/labels`, { values, submit: true });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const finalItems = async () => {
  const res = await admin.get('/api/v1/datasets/final/items');
  // The first completion that adds to the dataset makes it: until then it is not there.
  if (res.status === 404) return [];
  expect(res.status).toBe(200);
  return res.body.items as Array<{ data: unknown; metadata: Record<string, any> }>;
};
const reviewItem = async (n: number) => (await admin.get(`/api/v1/queues/answers_review/items?position=${n}`)).body.item;

beforeAll(async () => {
  sift = await startSpansift({
    queues: {
      answers: {
        labels: LABELS,
        labelers_per_item: 2,
        review: { queue: 'answers_review', labelers_differ_by: 0.5, judge_differs_by: 0.5 },
        on_complete: [{ add_to_dataset: 'final' }],
      },
      answers_review: { labels: LABELS },
    },
    users: {
      ...(await usersSection({
        ann: { role: 'labeler', queues: ['answers'], password: 'ann-pw' },
        bob: { role: 'labeler', queues: ['answers'], password: 'bob-pw' },
        rev: { role: 'labeler', queues: ['answers_review'], password: 'rev-pw' },
      })),
      ml: { role: 'admin', api_tokens: [ml.digest] },
    },
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  for (const who of ['ann', 'bob', 'rev']) people[who] = await ApiClient.signIn(sift.uiUrl, who, `${who}-pw`);
  const pushed = (await admin.post('/api/v1/queues/answers/items', { items: ['split', 'agreed', 'close'].map((k) => ({ data: { input: `question ${k}`, output: `answer ${k}` }, idempotency_key: k })) })).body.ids;
  [ids.split, ids.agreed, ids.close] = pushed;
  // split: they disagree on correct. agreed: they agree. close: quality 4 against 5 is a quarter of the range, under the threshold.
  const answers: Record<string, Record<string, Record<string, unknown>>> = {
    ann: { split: { correct: true, quality: 4 }, agreed: { correct: true, quality: 5 }, close: { correct: true, quality: 4 } },
    bob: { split: { correct: false, quality: 4 }, agreed: { correct: true, quality: 5 }, close: { correct: true, quality: 5 } },
  };
  for (const who of ['ann', 'bob']) {
    for (let i = 0; i < 3; i++) {
      const item = (await people[who].post('/api/v1/queues/answers/next')).body.item;
      await label(who, 'answers', item.id, answers[who][item.data.input.replace('question ', '')]);
    }
  }
  await until('the split item to be sent for review', async () => (await reviewItem(0)) !== undefined);
  await until('the agreed items in the dataset', async () => (await finalItems()).length === 2);
  await settled();
}, 120_000);

afterAll(async () => {
  await sift?.stop();
});

describe('routing by disagreement', () => {
  it('sends only the item its labelers disagree on to the review queue, saying why', async () => {
    const first = await reviewItem(0);
    expect(first).toMatchObject({ source: 'review', data: { input: 'question split', output: 'answer split' } });
    expect(first.metadata.review).toEqual({
      queue: 'answers',
      item_id: ids.split,
      reasons: [{ kind: 'labelers', label: 'correct', difference: 1, threshold: 0.5, values: { ann: true, bob: false } }],
    });
    expect((await admin.get('/api/v1/queues/answers_review/items?position=1')).status).toBe(404);
  });

  it('shows the reviewer why the item came to them', async () => {
    const item = (await people.rev.post('/api/v1/queues/answers_review/next')).body.item;
    expect(item.id).toBe((await reviewItem(0)).id);
    const page = await fetch(`${sift.uiUrl}/queues/answers_review/items/${item.id}`, { headers: { cookie: people.rev.cookie! } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Why this came to you for review');
    expect(html).toContain('The labelers did not agree on “correct”: ann said yes, bob said no.');
  });

  it("holds the item's dataset action until the reviewer labels it; then the reviewer's labels are final", async () => {
    expect((await finalItems()).map((i) => i.data).sort()).toEqual(['question agreed', 'question close']);
    const held = (await admin.get('/api/v1/actions/deliveries?status=skipped')).body.deliveries.find((d: any) => d.item_id === ids.split && d.action === 'dataset:final');
    expect(held.last_status).toBe("sent for review to queue answers_review; runs with the reviewer's labels");
    const item = await reviewItem(0);
    await label('rev', 'answers_review', item.id, { correct: false, quality: 2 });
    const split = await until('the reviewed item in the dataset', async () => (await finalItems()).find((i) => i.data === 'question split'));
    expect(split.metadata.labels).toEqual({ correct: false, quality: 2 });
    // The labelers' own labels stay beside the final ones.
    expect(split.metadata.by_labeler).toEqual({ ann: { correct: true, quality: 4 }, bob: { correct: false, quality: 4 } });
  });

  it("sends an evaluation's item when the people and the judge disagree, and the reviewer's label becomes the data point's human score", async () => {
    process.env.SPANSIFT_API_KEY = ml.token;
    const r = await evaluate({
      data: [{ data: { input: 'Is the sky green?' } }],
      executor: () => 'Yes, it is.',
      // The judge names its score after the label it judges.
      evaluators: { correct: llmJudge(() => 1) },
      humanEvaluators: [HumanEvaluator('answers')],
      baseUrl: sift.uiUrl,
      output: false,
    });
    delete process.env.SPANSIFT_API_KEY;
    const next = async (who: string) => (await people[who].post('/api/v1/queues/answers/next')).body.item;
    const a = await next('ann');
    await label('ann', 'answers', a.id, { correct: false, quality: 1 });
    await label('bob', 'answers', (await next('bob')).id, { correct: false, quality: 1 });
    const review = await until('the review item', () => reviewItem(1));
    expect(review.metadata.review.reasons).toEqual([{ kind: 'judge', label: 'correct', score: 'correct', difference: 1, threshold: 0.5, values: { labelers: 0, correct: 1 } }]);
    const human = async () => (await admin.get(`/api/v1/evaluations/${r.id}`)).body.datapoints[0].scores.filter((s: any) => s.source === 'human' && s.name === 'correct');
    await until('the human scores', async () => (await human()).length === 3);
    expect(await human()).toEqual(expect.arrayContaining([expect.objectContaining({ labeler: 'ann', value: 0 }), expect.objectContaining({ labeler: 'bob', value: 0 }), expect.objectContaining({ labeler: '', value: 0 })]));
    expect((await people.rev.post('/api/v1/queues/answers_review/next')).body.item.id).toBe(review.id);
    await label('rev', 'answers_review', review.id, { correct: true, quality: 3 });
    const after = await until("the reviewer's score", async () => ((await human()).find((s: any) => s.labeler === '')?.value === 1 ? human() : undefined));
    expect(after.find((s: any) => s.labeler === 'ann').value).toBe(0);
  });

  it('is checked in config: the review queue must exist', async () => {
    const err = await startSpansift({ queues: { a: { labels: LABELS, review: { queue: 'nope', labelers_differ_by: 0 } } } }).catch((e: unknown) => e);
    expect(String(err)).toContain('queues.a.review.queue');
    expect(String(err)).toContain('unknown queue "nope"');
  });
});
