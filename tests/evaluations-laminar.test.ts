/**
 * Laminar's own SDK against spansift: the real `evaluate()` of @lmnr-ai/lmnr, pointed at
 * spansift by its base URL and ports (HTTP: the UI port, gRPC: the OTLP gRPC receiver),
 * with a spansift API token as its project key. Its evaluation, data points and scores
 * land in spansift; its human evaluators become queues: one mapped in config, one made
 * from its options as a categorical label once its span arrives; labeling their items
 * writes human scores beside the automatic ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, HumanEvaluator } from '@lmnr-ai/lmnr';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';
import { until } from './support/until.js';

const ml = newApiToken();
let sift: Running;
let admin: ApiClient;
let ann: ApiClient;
let printed = '';
let run: NonNullable<Awaited<ReturnType<typeof evaluate>>>;

const DATA = [
  { data: { question: 'What is 2 + 2?' }, target: { answer: '4' } },
  { data: { question: 'What is 3 + 5?' }, target: { answer: '8' } },
  { data: { question: 'What is 7 - 1?' }, target: { answer: '6' } },
];


beforeAll(async () => {
  process.env.LMNR_LOG_LEVEL ??= 'error';
  sift = await startSpansift({
    queues: { helpful_q: { labels: [{ name: 'helpful', type: 'boolean', required: true }] } },
    evaluations: { human_evaluators: { helpfulness: { queue: 'helpful_q' } } },
    users: { ...(await usersSection({ ann: { role: 'labeler', queues: '*', password: 'ann-pw' }, ada: { role: 'admin', password: 'ada-pw' } })), ml: { role: 'admin', api_tokens: [ml.digest] } },
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  ann = await ApiClient.signIn(sift.uiUrl, 'ann', 'ann-pw');
  const ui = Number(new URL(sift.uiUrl).port);
  // Laminar prints its progress and the results page on stdout: kept, to check what it printed.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  let done: Awaited<ReturnType<typeof evaluate>>;
  try {
    done = await evaluate({
      data: DATA,
      executor: async (data: { question: string }) => {
        const [a, op, b] = data.question.replace('What is ', '').replace('?', '').split(' ');
        // The app gets subtraction wrong.
        return { answer: String(op === '+' ? Number(a) + Number(b) : Number(a) + Number(b)) };
      },
      evaluators: {
        exact: (output: { answer: string }, target?: { answer: string }) => (output.answer === target?.answer ? 1 : 0),
        rating: new HumanEvaluator([{ label: 'good', value: 1 }, { label: 'bad', value: 0 }]),
        helpfulness: new HumanEvaluator(),
        // A key Laminar allows and spansift names do not (a space), and no options.
        'human rating': new HumanEvaluator(),
      },
      name: 'arithmetic-v1',
      groupName: 'arithmetic',
      config: {
        projectApiKey: ml.token,
        baseUrl: 'http://127.0.0.1',
        httpPort: ui,
        grpcPort: Number(new URL(sift.grpcUrl).port),
        frontendPort: ui,
        instrumentModules: {},
      },
    });
  } finally {
    process.stdout.write = write;
  }
  if (!done) throw new Error('evaluate() registered the evaluation instead of running it');
  run = done;
}, 120_000);

afterAll(async () => {
  await sift?.stop();
});

describe("Laminar's evaluate() pointed at spansift", () => {
  it('runs unchanged and reports the evaluation spansift made, with its page', async () => {
    expect(run.errorMessage).toBeUndefined();
    // (Laminar averages its human evaluators' null scores too, as NaN.)
    expect(run.averageScores.exact).toBeCloseTo(2 / 3, 12);
    expect(printed).toContain(`Check results at ${sift.uiUrl}/project/`);
    expect(printed).toContain('exact: 0.6666666666666666');
    // The page it printed: for an admin signed in, the evaluation's page; for anyone else, sign in first.
    const anonymous = await fetch(run.url, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/sign-in\?next=/);
    const ada = await ApiClient.signIn(sift.uiUrl, 'ada', 'ada-pw');
    const page = await fetch(run.url, { redirect: 'manual', headers: { cookie: ada.cookie! } });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/admin/evaluations/${run.evaluationId}`);
    const ann = await fetch(run.url, { redirect: 'manual', headers: { cookie: (await ApiClient.signIn(sift.uiUrl, 'ann', 'ann-pw')).cookie! } });
    expect(ann.status).toBe(403);
  });

  it('lands its data points, outputs, trace links and scores in spansift', async () => {
    const e = (await admin.get(`/api/v1/evaluations/${run.evaluationId}`)).body;
    expect(e).toMatchObject({ name: 'arithmetic-v1', group: 'arithmetic', created_by: 'ml' });
    expect(e.datapoints.map((p: any) => [p.index, p.data.question, p.executor_output.answer, p.has_output])).toEqual([
      [0, 'What is 2 + 2?', '4', true],
      [1, 'What is 3 + 5?', '8', true],
      [2, 'What is 7 - 1?', '8', true],
    ]);
    expect(e.datapoints.map((p: any) => p.scores.find((s: any) => s.name === 'exact')?.value)).toEqual([1, 1, 0]);
    for (const p of e.datapoints) {
      expect(p.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(p.executor_span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    // The executor span arrived over OTLP/gRPC: the data point's link leads to it.
    const p = e.datapoints[2];
    const trace = await until('the data point\'s trace', async () => {
      const r = await admin.get(`/api/v1/traces/${p.trace_id}`);
      return r.status === 200 && r.body.spans.some((s: any) => s.spanId === p.executor_span_id || s.span_id === p.executor_span_id) ? r.body : undefined;
    });
    expect(trace.spans.length).toBeGreaterThanOrEqual(3);
    expect(e.human_evaluators).toEqual(expect.arrayContaining([{ name: 'rating', queue: 'rating' }, { name: 'helpfulness', queue: 'helpful_q' }, { name: 'human rating', queue: 'human_rating' }]));
  });

  it('sends a mapped human evaluator\'s items to its configured queue, and the labels come back as human scores', async () => {
    expect((await admin.get('/api/v1/queues/helpful_q/items')).body.total).toBe(3);
    for (let i = 0; i < 3; i++) {
      const next = (await ann.post('/api/v1/queues/helpful_q/next')).body.item;
      expect(next.data.output).toHaveProperty('answer');
      expect((await ann.put(`/api/v1/queues/helpful_q/items/${next.id}/labels`, { values: { helpful: next.data.output.answer !== '8' || next.data.input.question.includes('3 + 5') }, submit: true })).status).toBe(200);
    }
    const scores = await until('human scores of helpfulness', async () => {
      const e = (await admin.get(`/api/v1/evaluations/${run.evaluationId}`)).body;
      const s = e.datapoints.map((p: any) => p.scores.find((x: any) => x.source === 'human' && x.evaluator === 'helpfulness' && x.labeler === 'ann')?.value);
      return s.every((v: unknown) => v !== undefined) ? s : undefined;
    });
    expect(scores).toEqual([1, 1, 0]);
  });

  it("makes a queue from a human evaluator's options, as a categorical label named after it", async () => {
    const queue = await until('the queue made from the options', async () => {
      const qs = (await admin.get('/api/v1/queues')).body.queues;
      return qs.find((q: any) => q.name === 'rating');
    });
    expect(queue.labels).toEqual([expect.objectContaining({ name: 'rating', type: 'categorical', values: { good: 1, bad: 0 } })]);
    await until('its three items', async () => (await admin.get('/api/v1/queues/rating/items')).body.total === 3);
    for (let i = 0; i < 3; i++) {
      const next = (await ann.post('/api/v1/queues/rating/next')).body.item;
      const good = next.data.output.answer !== '8' || next.data.input.question.includes('3 + 5');
      expect((await ann.put(`/api/v1/queues/rating/items/${next.id}/labels`, { values: { rating: good ? 'good' : 'bad' }, submit: true })).status).toBe(200);
    }
    const e = await until('human scores of rating', async () => {
      const body = (await admin.get(`/api/v1/evaluations/${run.evaluationId}`)).body;
      return body.datapoints.every((p: any) => p.scores.some((x: any) => x.source === 'human' && x.name === 'rating' && x.labeler === '')) ? body : undefined;
    });
    expect(e.datapoints.map((p: any) => p.scores.find((x: any) => x.source === 'human' && x.name === 'rating' && x.labeler === '').value)).toEqual([1, 1, 0]);
  });

  it("names a queue for a key spansift's names do not allow, with a number from 0 to 1 when there are no options", async () => {
    const queue = await until('the queue for "human rating"', async () => (await admin.get('/api/v1/queues')).body.queues.find((q: any) => q.name === 'human_rating'));
    expect(queue.labels).toEqual([expect.objectContaining({ name: 'human_rating', type: 'numeric', min: 0, max: 1 })]);
  });

  it('makes no queue from a human evaluator span that no evaluation named', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = (name: string) => ({
      traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name, kind: 1,
      startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n),
      attributes: [{ key: 'lmnr.span.type', value: { stringValue: 'HUMAN_EVALUATOR' } }, { key: 'lmnr.span.human_evaluator_options', value: { stringValue: '[{"label":"x","value":1},{"label":"y","value":0}]' } }],
    });
    const res = await fetch(`${sift.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span('intruder'), span('bad name!')] }] }] }) });
    expect(res.status).toBe(200);
    await until('the spans to be stored', async () => (await admin.get('/api/v1/traces/5b8efff798038103d269b633813fc60c')).status === 200);
    const names = (await admin.get('/api/v1/queues')).body.queues.map((q: any) => q.name);
    expect(names.filter((n: string) => ['intruder', 'bad_name_', 'bad name!'].includes(n))).toEqual([]);
  });

  it('refuses a project key that is not a spansift token', async () => {
    const res = await fetch(`${sift.uiUrl}/v1/evals`, { method: 'POST', headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});
