/**
 * The loop end to end: the SDK's evaluate() (imported as `spansift/sdk`, as users do)
 * runs an executor, an LLM-judge evaluator and two human evaluators against a running
 * spansift; two labelers label the queued items in Chromium with the keyboard; the
 * evaluation then has human scores beside the automatic ones, agreement figures that
 * match a hand computation, and the dataset action fired where its condition held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { trace } from '@opentelemetry/api';
import { evaluate, HumanEvaluator, llmJudge, SpansiftError, type EvaluationResult } from 'spansift/sdk';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { axeViolations, launch, ready, signIn, watch } from './support/browser.js';
import { hashPassword } from '../ui-lite/auth/passwords.js';
import { fileURLToPath } from 'node:url';
import { newApiToken } from '../ui-lite/auth/passwords.js';
import { freePort } from './support/process.js';
import { until } from './support/until.js';

const CAPITALS: Record<string, string> = { France: 'Paris', Germany: 'Berlin', Italy: 'Rome', Spain: 'Madrid' };
/** The app under evaluation gets Spain wrong. */
const ANSWERS: Record<string, string> = { France: 'Paris', Germany: 'Berlin', Italy: 'Rome', Spain: 'Barcelona' };
const question = (country: string) => `What is the capital of ${country}?`;
const evaluationData = Object.keys(CAPITALS).map((country) => ({ data: { question: question(country) }, target: CAPITALS[country], metadata: { country } }));

/** What each labeler answers: both call Italy's "Rome" wrong (they wanted "Roma"), so the judge and the people disagree there. */
const CORRECT: Record<string, Record<string, boolean>> = {
  ann: { France: true, Germany: true, Italy: false, Spain: false },
  bob: { France: true, Germany: true, Italy: false, Spain: false },
};
const QUALITY: Record<string, Record<string, number>> = {
  ann: { France: 5, Germany: 5, Italy: 2, Spain: 1 },
  bob: { France: 4, Germany: 5, Italy: 2, Spain: 2 },
};

const ml = newApiToken();
let sift: Running;
let admin: ApiClient;
let browser: Browser;
let result: EvaluationResult;
const printed: string[] = [];


/** Labels every item of a queue as `who`, in Chromium, with the keyboard only. */
async function labelAll(page: Page, queue: string, who: string, keys: (country: string) => string[]): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await page.goto(`${sift.uiUrl}/queues/${queue}/next`);
    await ready(page);
    const text = (await page.textContent('main')) ?? '';
    const country = Object.keys(CAPITALS).find((c) => text.includes(question(c)));
    expect(country, `${who} sees one of the questions`).toBeDefined();
    // What the labeler sees is the question and the app's answer, not JSON.
    expect(text).toContain(ANSWERS[country!]);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    for (const k of keys(country!)) await page.keyboard.press(k);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith(id)), page.keyboard.press('Enter')]);
  }
}

beforeAll(async () => {
  sift = await startSpansift({
    queues: {
      my_queue: {
        instructions: 'Is the answer the capital?',
        labels: [{ name: 'correct', type: 'boolean', required: true, hotkey: 'c' }],
        labelers_per_item: 2,
        on_complete: [{ add_to_dataset: { dataset: 'capitals-approved', when: 'labels["correct"] == true' } }],
      },
      my_other_queue: {
        labels: [{ name: 'quality', type: 'numeric', min: 1, max: 5, step: 1, required: true, hotkey: 'q' }],
        labelers_per_item: 2,
      },
    },
    evaluations: { criteria: { checkCapitalCorrectness: 'correct' } },
    users: {
      ...(await usersSection({ ann: { role: 'labeler', queues: '*', password: 'ann-pw' }, bob: { role: 'labeler', queues: '*', password: 'bob-pw' } })),
      ml: { role: 'admin', api_tokens: [ml.digest], password_hash: await hashPassword('ml-pw', 10) },
    },
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  process.env.SPANSIFT_API_KEY = ml.token;
  const stdout = { write: (s: string) => printed.push(s), isTTY: false };
  result = await evaluate({
    data: evaluationData,
    // The app's own instrumented call (as an LLM client's instrumentation makes one) inside the executor.
    executor: async (data: { question: string }) =>
      trace.getTracer('capital-app').startActiveSpan('llm call', async (span) => {
        span.setAttribute('gen_ai.request.model', 'capital-model');
        span.end();
        return ANSWERS[Object.keys(CAPITALS).find((c) => data.question === question(c))!];
      }),
    evaluators: {
      checkCapitalCorrectness: llmJudge((output: string, target?: string) => (output === target ? 1 : 0)),
      // A judge of the same criterion as the people's numeric label, by its name.
      rateAnswer: llmJudge((output: string, target?: string) => ({ quality: output === target ? 5 : 1 })),
    },
    humanEvaluators: [HumanEvaluator('my_queue'), HumanEvaluator('my_other_queue')],
    name: 'capitals-v2',
    groupName: 'capitals',
    baseUrl: sift.uiUrl,
    output: { progress: stdout, summary: stdout },
  });
  browser = await launch();
  for (const who of ['ann', 'bob']) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, sift.uiUrl, who, `${who}-pw`);
    // Boolean labels: 1 is yes, 2 is no.
    await labelAll(page, 'my_queue', who, (c) => ['c', CORRECT[who][c] ? '1' : '2']);
    await labelAll(page, 'my_other_queue', who, (c) => ['q', String(QUALITY[who][c])]);
    await ctx.close();
  }
  // Completion events written, their actions recorded and done: a dataset action per item of my_queue, human scores per item of both.
  await until('every completion action to be done', async () => {
    await sift.service.desk!.settled();
    await sift.service.runner!.idle();
    return (await admin.get('/api/v1/actions/deliveries?status=pending')).body.deliveries.length === 0 && (await admin.get('/api/v1/actions/deliveries?limit=1000')).body.deliveries.length === 12;
  });
}, 240_000);

afterAll(async () => {
  delete process.env.SPANSIFT_API_KEY;
  await browser?.close();
  await sift?.stop();
});

const byCountry = (points: any[]) => Object.fromEntries(points.map((p) => [p.metadata.country, p]));
const score = (p: any, source: string, name: string, labeler = '') => p.scores.find((s: any) => s.source === source && s.name === name && s.labeler === labeler)?.value;

describe('evaluate() from the SDK', () => {
  it('returns and prints the average of each automatic score and the evaluation page', async () => {
    expect(result).toMatchObject({ name: 'capitals-v2', group: 'capitals', datapoints: 4, errors: 0, averageScores: { checkCapitalCorrectness: 0.75 }, humanItems: { my_queue: 4, my_other_queue: 4 } });
    expect(result.url).toBe(`${sift.uiUrl}/admin/evaluations/${result.id}`);
    const out = printed.join('');
    expect(out).toContain('checkCapitalCorrectness: 0.75 (n=4)');
    expect(out).toContain(`Results: ${result.url}`);
    expect(out).toContain('4/4 data points evaluated');
  });

  it("traces every data point: the executor and each evaluator under an evaluation span, the app's own calls under the executor", async () => {
    const traceId = result.results[0].traceId!;
    const spans = await until('the trace to be stored', async () => {
      const r = await admin.get(`/api/v1/traces/${traceId}`);
      return r.status === 200 && r.body.spans?.length >= 5 ? r.body.spans : undefined;
    });
    expect(spans.map((s: any) => s.name).sort()).toEqual(['checkCapitalCorrectness', 'evaluation', 'executor', 'llm call', 'rateAnswer']);
    const by = Object.fromEntries(spans.map((s: any) => [s.name, s]));
    expect(by.executor.parentSpanId).toBe(by.evaluation.spanId);
    expect(by['llm call'].parentSpanId).toBe(by.executor.spanId);
    expect(by.executor.attributes['lmnr.span.output']).toBe('Paris');
  });

  it('records the data points with their output, target and the judge\'s scores (source llm)', async () => {
    const e = (await admin.get(`/api/v1/evaluations/${result.id}`)).body;
    expect(e).toMatchObject({ name: 'capitals-v2', group: 'capitals', human_evaluators: [{ name: 'my_queue', queue: 'my_queue' }, { name: 'my_other_queue', queue: 'my_other_queue' }] });
    const p = byCountry(e.datapoints);
    expect(p.Spain).toMatchObject({ data: { question: question('Spain') }, target: 'Madrid', executor_output: 'Barcelona', has_output: true, error: '' });
    expect(p.Spain.trace_id).toBe(result.results[3].traceId);
    expect(p.Spain.scores.find((s: any) => s.name === 'checkCapitalCorrectness')).toMatchObject({ source: 'llm', value: 0, labeler: '' });
    expect(score(p.France, 'llm', 'checkCapitalCorrectness')).toBe(1);
  });

  it('puts the human scores beside the automatic ones: per labeler and their mean', async () => {
    const p = byCountry((await admin.get(`/api/v1/evaluations/${result.id}`)).body.datapoints);
    for (const c of Object.keys(CAPITALS)) {
      for (const who of ['ann', 'bob']) {
        expect(score(p[c], 'human', 'correct', who), `${c} correct by ${who}`).toBe(CORRECT[who][c] ? 1 : 0);
        expect(score(p[c], 'human', 'quality', who), `${c} quality by ${who}`).toBe(QUALITY[who][c]);
      }
      expect(score(p[c], 'human', 'quality')).toBe((QUALITY.ann[c] + QUALITY.bob[c]) / 2);
    }
    expect(p.Italy.scores.find((s: any) => s.source === 'human' && s.name === 'correct' && s.labeler === '')).toMatchObject({ value: 0, evaluator: 'my_queue', queue: 'my_queue' });
    const averages = (await admin.get(`/api/v1/evaluations/${result.id}`)).body.averages;
    expect(averages).toContainEqual({ name: 'quality', source: 'human', evaluator: 'my_other_queue', mean: (4.5 + 5 + 2 + 1.5) / 4, n: 4 });
  });

  it('measures agreement: the judge against the people (kappa, accuracy, confusion matrix), and the people among themselves', async () => {
    const a = (await admin.get(`/api/v1/evaluations/${result.id}/agreement`)).body;
    const judge = a.judges.find((j: any) => j.automatic.name === 'checkCapitalCorrectness' && j.human.label === 'correct');
    // Judge 1,1,1,0 against people 1,1,0,0: observed agreement 3/4; chance (3/4·2/4 + 1/4·2/4) = 1/2;
    // kappa = (3/4 − 1/2) / (1 − 1/2) = 0.5.
    expect(judge.aggregate.scale).toBe('binary');
    expect(judge.aggregate.kappa.value).toBeCloseTo(0.5, 10);
    expect(judge.aggregate.kappa.n).toBe(4);
    expect(judge.aggregate.accuracy.value).toBeCloseTo(0.75, 10);
    // Rows: the judge (0, 1); columns: the people.
    expect(judge.aggregate.confusionMatrix).toEqual({ categories: [0, 1], counts: [[1, 0], [1, 2]], n: 4 });
    expect(judge.labelers.map((l: any) => l.labeler)).toEqual(['ann', 'bob']);
    // A numeric criterion: the judge's 5, 5, 5, 1 against the people's means 4.5, 5, 2, 1.5.
    const rated = a.judges.find((j: any) => j.automatic.name === 'quality' && j.human.label === 'quality');
    expect(rated.automatic).toEqual({ evaluator: 'rateAnswer', name: 'quality', source: 'llm' });
    expect(rated.aggregate.scale).toBe('numeric');
    expect(rated.aggregate.meanAbsoluteError.value).toBeCloseTo((0.5 + 0 + 3 + 0.5) / 4, 10);
    expect(rated.aggregate.pearson.n).toBe(4);
    const correct = a.labelers.find((l: any) => l.human.label === 'correct');
    expect(correct.alpha.value).toBeCloseTo(1, 10);
    // Quality (interval alpha, two labelers, no gaps): D_o = Σ_u 2(a−b)² / n = 2·(1+0+0+1)/8 = 0.5;
    // D_e = Σ_{i≠j}(v_i−v_j)² / (n(n−1)) = 2·(8·104 − 26²)/56 = 312/56; alpha = 1 − 0.5·56/312.
    const quality = a.labelers.find((l: any) => l.human.label === 'quality');
    expect(quality.alpha.value).toBeCloseTo(1 - (0.5 * 56) / 312, 10);
    expect(quality.alpha.n).toBe(8);
    expect(quality.alpha.ci95).toHaveLength(2);
  });

  it('fires the queue\'s dataset action for the items whose condition held', async () => {
    const items = (await admin.get('/api/v1/datasets/capitals-approved/items')).body.items;
    expect(items.map((i: any) => i.data.question).sort()).toEqual([question('France'), question('Germany')]);
    expect(items[0].metadata.labelers).toEqual(['ann', 'bob']);
  });

  it('fails before running anything when a human evaluator\'s queue does not exist', async () => {
    let ran = 0;
    const err = await evaluate({
      data: evaluationData,
      executor: () => ran++,
      humanEvaluators: [HumanEvaluator('no_such_queue')],
      baseUrl: sift.uiUrl,
      output: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpansiftError);
    expect((err as Error).message).toContain('no queue named "no_such_queue"');
    expect(ran).toBe(0);
  });

  it('fails fast, saying so, when spansift cannot be reached', async () => {
    // A port nothing listens on: taken from the system, then let go.
    const port = await freePort();
    const err = await evaluate({ data: evaluationData, executor: () => 1, evaluators: { x: () => 1 }, baseUrl: `http://127.0.0.1:${port}`, output: false }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`spansift at http://127.0.0.1:${port} cannot be reached (ECONNREFUSED)`);
  });

  it('records an error in the executor or an evaluator on its data point and goes on', async () => {
    const r = await evaluate({
      data: [{ data: 1 }, { data: 2 }, { data: 3 }],
      executor: (n: number) => {
        if (n === 2) throw new Error('the model timed out');
        return n * 10;
      },
      evaluators: { big: (o: number) => (o > 15 ? 1 : 0), picky: (o: number) => { if (o === 30) throw new RangeError('cannot score 30'); return 1; } },
      baseUrl: sift.uiUrl,
      groupName: 'errors',
      output: false,
    });
    expect(r.errors).toBe(2);
    expect(r.results.map((x) => x.errors)).toEqual([{}, { executor: 'the model timed out' }, { picky: 'RangeError: cannot score 30' }]);
    expect(r.averageScores).toEqual({ big: 0.5, picky: 1 });
    const p = (await admin.get(`/api/v1/evaluations/${r.id}`)).body.datapoints;
    expect(p[1]).toMatchObject({ index: 1, error: 'the model timed out', has_output: false });
    expect(p[2].scores).toContainEqual(expect.objectContaining({ evaluator: 'picky', value: null, error: 'RangeError: cannot score 30' }));
  });
});

describe('the evaluation page', () => {
  it('shows the agreement with a chart, the scores side by side, and filters to the disagreements', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    const w = watch(page, sift.uiUrl);
    await signIn(page, sift.uiUrl, 'ml', 'ml-pw');
    // The address evaluate() printed.
    await page.goto(result.url);
    expect(await page.textContent('h1')).toBe('capitals-v2');
    const judge = page.locator('section.agreement', { hasText: 'checkCapitalCorrectness (llm) against correct (my_queue)' });
    expect(await judge.textContent()).toContain("Cohen's kappa0.500");
    // The confusion matrix as a heatmap drawn on the server: 2 x 2 cells, counts as text.
    expect(await judge.locator('svg.heatmap rect.cell').count()).toBe(4);
    expect(await judge.locator('svg.heatmap text.count').allTextContents()).toEqual(['1', '0', '1', '2']);
    // A numeric criterion as a scatter of the judge against the people: one point per data point.
    const scatter = page.locator('section.agreement', { hasText: 'quality (llm) against quality (my_other_queue)' });
    expect(await scatter.locator('svg.scatter circle.point').count()).toBe(4);
    expect(await scatter.textContent()).toMatch(/Mean absolute error1 95% CI/);
    expect(await page.locator('table.datapoints tbody tr').count()).toBe(4);
    const italy = page.locator('table.datapoints tbody tr', { hasText: 'Italy' });
    expect(await italy.textContent()).toContain('ann: false, bob: false');
    await page.screenshot({ path: fileURLToPath(new URL('./screenshots/evaluation.png', import.meta.url)), fullPage: true });
    await page.click('nav.filters a:has-text("Disagreements")');
    expect(await page.locator('table.datapoints tbody tr').count()).toBe(1);
    expect(await page.textContent('table.datapoints tbody tr')).toContain('checkCapitalCorrectness and labelers differ on correct');
    expect(await axeViolations(browser, result.url, await ctx.cookies())).toEqual([]);
    expect(w).toEqual({ dialogs: [], errors: [], foreign: [] });
    await ctx.close();
  });

  it('compares two runs of a group: what changed', async () => {
    const fixed = await evaluate({
      data: evaluationData,
      executor: async (data: { question: string }) => CAPITALS[Object.keys(CAPITALS).find((c) => data.question === question(c))!],
      evaluators: { checkCapitalCorrectness: llmJudge((output: string, target?: string) => (output === target ? 1 : 0)) },
      name: 'capitals-v3',
      groupName: 'capitals',
      baseUrl: sift.uiUrl,
      output: false,
    });
    const cmp = (await admin.get(`/api/v1/evaluations/${result.id}/compare/${fixed.id}`)).body;
    expect(cmp.matched).toBe(4);
    // Only Spain changed: its answer, and the judge's score of it. (Human scores the new run has not got yet are no change.)
    expect(cmp.changed).toEqual([{ index: 3, data: { question: question('Spain') }, output: { a: 'Barcelona', b: 'Madrid' }, scores: [{ source: 'llm', evaluator: 'checkCapitalCorrectness', name: 'checkCapitalCorrectness', a: 0, b: 1 }] }]);
    expect(cmp.averages).toContainEqual({ source: 'llm', evaluator: 'checkCapitalCorrectness', name: 'checkCapitalCorrectness', a: 0.75, b: 1 });
    const other = await evaluate({ data: [{ data: 1 }], executor: (n: number) => n, evaluators: { x: () => 1 }, groupName: 'elsewhere', baseUrl: sift.uiUrl, output: false });
    const refused = await admin.get(`/api/v1/evaluations/${result.id}/compare/${other.id}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('only evaluations of one group compare');
  });

  it("updates the human score when a labeler changes a label later", async () => {
    const ann = await ApiClient.signIn(sift.uiUrl, 'ann', 'ann-pw');
    const spain = byCountry((await admin.get(`/api/v1/evaluations/${result.id}`)).body.datapoints).Spain;
    const item = spain.scores.find((s: any) => s.source === 'human' && s.name === 'quality' && s.labeler === 'ann').item_id;
    expect((await ann.put(`/api/v1/queues/my_other_queue/items/${item}/labels`, { values: { quality: 3 }, submit: true })).status).toBe(200);
    const after = await until('the new human score', async () => {
      const p = byCountry((await admin.get(`/api/v1/evaluations/${result.id}`)).body.datapoints).Spain;
      return score(p, 'human', 'quality', 'ann') === 3 ? p : undefined;
    });
    expect(score(after, 'human', 'quality')).toBe((3 + 2) / 2);
    expect(score(after, 'human', 'quality', 'bob')).toBe(2);
  });
});
