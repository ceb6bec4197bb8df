/**
 * The labeling page in a real browser (Debian's Chromium through playwright-core), against
 * a `spansift start` process fed by a real OpenTelemetry exporter: signing in, labeling
 * with the keyboard only, going back and editing, skipping, two people at once, a labeler
 * kept out of other queues and the admin pages, hostile span content that must do
 * nothing, keeping answers through an ended session, accessibility (axe-core), and the
 * screenshots the README shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { setupProcess, startProcess, type Proc, type ProcessSetup } from '../support/process.js';
import { ApiClient, usersSection } from '../support/labeling.js';
import { axeViolations, launch, ready, signIn, watch } from '../support/browser.js';
import { hashPassword } from '../../ui-lite/auth/passwords.js';

const SHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
const Q = 'answers';
const LABELS = [
  { name: 'correct', type: 'boolean', hotkey: 'c', required: true, description: 'Is the answer right and grounded in what the tools returned?' },
  { name: 'quality', type: 'numeric', min: 1, max: 5, step: 1, hotkey: 'q', description: '5 is best' },
  { name: 'issue', type: 'categorical', values: { none: 0, hallucination: 1, refusal: 2 }, hotkey: 'i' },
  { name: 'note', type: 'text', hotkey: 'n' },
];

/** Span content that must show as text and do nothing. */
const XSS = [
  '<script>window.__pwned = 1; alert("script")</script>',
  '<img src=x onerror="alert(\'img\')">',
  '[click me](javascript:alert("link"))',
  '<svg onload="alert(\'svg\')"><circle r="5"/></svg>',
  '<style>body { background: url(https://evil.example/css.png) }</style>',
  '![tracker](https://evil.example/pixel.png)',
  '<a href="javascript:alert(1)">plain link</a>',
];

let setup: ProcessSetup;
let proc: Proc;
let browser: Browser;
let admin: ApiClient;
let origin: string;

interface Chat {
  system?: string;
  input: unknown[];
  output: unknown;
  note?: string;
}

const WEATHER: Chat = {
  system: 'You are a travel assistant. Answer with facts from the tools only.',
  input: [
    { role: 'user', parts: [{ type: 'text', content: 'Is it warm in Lisbon this week? I am packing.' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_forecast', arguments: { city: 'Lisbon', days: 7 } }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: { city: 'Lisbon', high_c: [21, 23, 22, 24, 25, 23, 22], rain: 'none' } }] },
  ],
  output: [{ role: 'assistant', parts: [{ type: 'text', content: 'Yes: **21–25 °C** every day and no rain. Pack light clothes and sunglasses.' }] }],
};

function longJson(): Chat {
  const rows = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, sku: `SKU-${1000 + i}`, name: `Item ${i + 1}`, price: { amount: 10 + i, currency: 'EUR' }, tags: ['retail', i % 2 ? 'sale' : 'new'] }));
  return {
    input: [{ role: 'user', parts: [{ type: 'text', content: 'List the catalogue as JSON.' }] }],
    output: [{ role: 'assistant', parts: [{ type: 'text', content: JSON.stringify({ catalogue: rows, total: rows.length }) }] }],
  };
}

const simple = (n: number): Chat => ({
  input: [{ role: 'user', parts: [{ type: 'text', content: `Question number ${n}: what is ${n} + ${n}?` }] }],
  output: [{ role: 'assistant', parts: [{ type: 'text', content: `${2 * n}` }] }],
});

/** Sends chats as spans through a real OTLP/HTTP protobuf exporter, one export each (FIFO order is send order). */
async function send(chats: Chat[]): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'travel-app' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${setup.httpUrl}/v1/traces` }))],
  });
  const tracer = provider.getTracer('browser-tests');
  for (const chat of chats) {
    const span = tracer.startSpan('chat gpt-4o', {
      attributes: {
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.input.messages': JSON.stringify(chat.input),
        'gen_ai.output.messages': JSON.stringify(chat.output),
        ...(chat.system ? { 'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: chat.system }]) } : {}),
        ...(chat.note ? { 'app.user_note': chat.note } : {}),
      },
    });
    span.end();
    await provider.forceFlush();
  }
  await provider.shutdown();
}

async function queueTotal(queue: string): Promise<number> {
  const q = (await admin.get('/api/v1/queues')).body.queues.find((x: { name: string }) => x.name === queue);
  return q.counts.total;
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function labelsOf(id: string) {
  return (await admin.get(`/api/v1/queues/${Q}/items/${id}/labels`)).body.labels as { labeler: string; status: string; values: Record<string, unknown>; reasoning: Record<string, string>; skip_reason?: string }[];
}

const itemId = (page: Page) => new URL(page.url()).pathname.split('/').pop()!;

async function page(user: string, password: string): Promise<{ p: Page; w: ReturnType<typeof watch> }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await ctx.newPage();
  const w = watch(p, origin);
  await signIn(p, origin, user, password);
  return { p, w };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  setup = await setupProcess({
    queues: {
      [Q]: {
        instructions: 'Read the **conversation** and judge the last answer.\n\n- Is it *correct*?\n- How good is it?',
        labels: LABELS,
        show: ['input', 'output', 'system', 'attributes.app.user_note'],
      },
      other: { labels: [{ name: 'ok', type: 'boolean' }] },
    },
    rules: [{ name: 'chats', when: 'attributes["gen_ai.request.model"] == "gpt-4o"', route_to: Q }],
    users: {
      ...(await usersSection({
        ann: { role: 'labeler', queues: [Q], password: 'ann-secret' },
        bob: { role: 'labeler', queues: [Q], password: 'bob-secret' },
        eve: { role: 'labeler', queues: ['other'], password: 'eve-secret' },
      })),
      ada: { role: 'admin', password_hash: await hashPassword('ada-secret', 10) },
    },
  });
  proc = await startProcess(setup);
  origin = setup.uiUrl;
  admin = ApiClient.bearer(origin, setup.adminToken);
  browser = await launch();
  await send([WEATHER, longJson(), ...XSS.map((x, i) => ({ ...simple(100 + i), input: [{ role: 'user', parts: [{ type: 'text', content: x }] }], note: x })), ...Array.from({ length: 12 }, (_, i) => simple(i + 1))]);
  await until('every span to be an item', async () => (await queueTotal(Q)) === 2 + XSS.length + 12);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (proc && proc.child.exitCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  if (setup) rmSync(setup.dir, { recursive: true, force: true });
});

describe('signing in', () => {
  it('shows the sign-in page, refuses a wrong password, and lands a labeler on their queues', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    const w = watch(p, origin);
    await p.goto(`${origin}/`);
    expect(new URL(p.url()).pathname).toBe('/sign-in');
    await p.screenshot({ path: `${SHOTS}sign-in.png` });
    await p.fill('#user', 'ann');
    await p.fill('#password', 'wrong');
    await p.press('#password', 'Enter');
    await expect.poll(() => p.textContent('[role=alert]')).toContain('Unknown user name or wrong password');
    await p.fill('#password', 'ann-secret');
    await Promise.all([p.waitForURL(`${origin}/queues`), p.press('#password', 'Enter')]);
    expect(await p.textContent('li.queue h2')).toBe(Q);
    expect(await p.textContent('li.queue .instructions-line')).toBe('Read the conversation and judge the last answer.');
    await p.screenshot({ path: `${SHOTS}queues.png` });
    // The one error is the browser noting the refused sign-in's 401.
    expect(w).toEqual({ dialogs: [], errors: [expect.stringContaining('401')], foreign: [] });
    await ctx.close();
  });
});

describe('labeling with the keyboard only', () => {
  it('labels items, goes back to edit one, skips one, and the API has exactly that', async () => {
    const { p, w } = await page('ann', 'ann-secret');
    // From the queue list to the first item without a mouse: Tab to "Start labeling", Enter.
    await p.goto(`${origin}/queues`);
    await p.focus('a.button.primary');
    await Promise.all([p.waitForURL(/\/items\//), p.keyboard.press('Enter')]);
    await ready(p);
    const first = itemId(p);
    expect(await p.textContent('.position')).toBe('item 1 of 1');
    // The conversation, for people: the system prompt apart, the tool call and its answer readable.
    expect(await p.textContent('section.system')).toContain('You are a travel assistant');
    expect(await p.textContent('.tool-call')).toContain('get_forecast');
    await p.screenshot({ path: `${SHOTS}labeling.png`, fullPage: true });

    // Submitting without the required label is refused next to it.
    await p.keyboard.press('q');
    await p.keyboard.press('4');
    await p.keyboard.press('Enter');
    await expect.poll(() => p.textContent('#err-l-correct')).toContain('Required');
    expect(itemId(p)).toBe(first);

    await p.keyboard.press('c');
    await p.keyboard.press('1');
    await p.keyboard.press('i');
    await p.keyboard.press('1');
    await Promise.all([p.waitForURL((u) => !u.pathname.endsWith(first)), p.keyboard.press('Enter')]);
    await ready(p);
    const second = itemId(p);
    // A long JSON answer is a tree: the first level open, the 40 entries folded.
    expect(await p.textContent('section.output .tree')).toContain('catalogue');
    expect(await p.locator('section.output .tree details:not([open])').count()).toBeGreaterThanOrEqual(40);
    await p.screenshot({ path: `${SHOTS}long-output.png`, fullPage: true });
    await p.keyboard.press('c');
    await p.keyboard.press('2');
    await p.keyboard.press('q');
    await p.keyboard.press('2');
    await p.keyboard.press('n');
    await p.keyboard.type('Lists only some of the items.');
    await p.keyboard.press('Control+Enter');
    await p.waitForURL((u) => !u.pathname.endsWith(second));
    await ready(p);
    const third = itemId(p);

    // Back through what I was given, to the first item, and change it.
    await Promise.all([p.waitForURL((u) => u.pathname.endsWith(second)), p.keyboard.press('[')]);
    await ready(p);
    await Promise.all([p.waitForURL((u) => u.pathname.endsWith(first)), p.keyboard.press('[')]);
    await ready(p);
    expect(await p.isChecked('#opt-l-correct-0')).toBe(true);
    expect(await p.isChecked('#opt-l-quality-3')).toBe(true);
    await p.keyboard.press('q');
    await p.keyboard.press('5');
    await p.keyboard.press('Enter');
    await p.waitForURL((u) => !u.pathname.endsWith(first));
    await ready(p);
    // Enter after an edit goes on to the next item left (the third, still leased to ann).
    expect(itemId(p)).toBe(third);

    // Skip with a reason.
    await p.keyboard.press('Shift+S');
    await p.waitForSelector('dialog#skip[open]');
    await p.keyboard.type('Not my field');
    await p.keyboard.press('Enter');
    await p.waitForURL((u) => !u.pathname.endsWith(third));
    await ready(p);

    expect(await labelsOf(first)).toEqual([expect.objectContaining({ labeler: 'ann', status: 'submitted', values: { correct: true, quality: 5, issue: 'none' } })]);
    expect(await labelsOf(second)).toEqual([expect.objectContaining({ labeler: 'ann', status: 'submitted', values: { correct: false, quality: 2, note: 'Lists only some of the items.' } })]);
    expect(await labelsOf(third)).toEqual([expect.objectContaining({ labeler: 'ann', status: 'skipped', skip_reason: 'Not my field' })]);
    const history = (await admin.get(`/api/v1/queues/${Q}/items/${first}/labels?history=true`)).body.history.filter((v: { state: string }) => v.state === 'submitted');
    expect(history.map((v: { values: { quality: number } }) => v.values.quality)).toEqual([4, 5]);
    expect(w).toEqual({ dialogs: [], errors: [], foreign: [] });
    await p.context().close();
  });

  it('shows the cheat sheet on ?', async () => {
    const { p } = await page('ann', 'ann-secret');
    await p.goto(`${origin}/queues/${Q}/next`);
    await ready(p);
    await p.keyboard.press('?');
    await p.waitForSelector('dialog#help[open]');
    expect(await p.textContent('dialog#help')).toContain('skip this item');
    await p.keyboard.press('Escape');
    await expect.poll(() => p.isVisible('dialog#help')).toBe(false);
    await p.context().close();
  });
});

describe('two people at once', () => {
  it('never lose or mix their labels', async () => {
    const [a, b] = await Promise.all([page('ann', 'ann-secret'), page('bob', 'bob-secret')]);
    const labeled: Record<string, string[]> = { ann: [], bob: [] };
    const work = async (who: 'ann' | 'bob', p: Page, answer: '1' | '2') => {
      for (let i = 0; i < 4; i++) {
        await p.goto(`${origin}/queues/${Q}/next`);
        await ready(p);
        const id = itemId(p);
        labeled[who].push(id);
        await p.keyboard.press('c');
        await p.keyboard.press(answer);
        await p.keyboard.press('q');
        await p.keyboard.press(answer === '1' ? '5' : '1');
        await Promise.all([p.waitForURL((u) => !u.pathname.endsWith(id)), p.keyboard.press('Enter')]);
      }
    };
    await Promise.all([work('ann', a.p, '1'), work('bob', b.p, '2')]);
    expect(new Set([...labeled.ann, ...labeled.bob]).size).toBe(8);
    // (An item may also carry an earlier skip by someone; what counts are the submits.)
    const submitted = async (id: string) => (await labelsOf(id)).filter((l) => l.status === 'submitted');
    for (const id of labeled.ann) expect(await submitted(id)).toEqual([expect.objectContaining({ labeler: 'ann', values: { correct: true, quality: 5 } })]);
    for (const id of labeled.bob) expect(await submitted(id)).toEqual([expect.objectContaining({ labeler: 'bob', values: { correct: false, quality: 1 } })]);
    for (const x of [a, b]) {
      expect(x.w).toEqual({ dialogs: [], errors: [], foreign: [] });
      await x.p.context().close();
    }
  });
});

describe('who gets in', () => {
  it('keeps a labeler out of another queue and the admin pages', async () => {
    const { p } = await page('eve', 'eve-secret');
    expect(new URL(p.url()).pathname).toBe('/queues');
    expect(await p.locator('li.queue h2').allTextContents()).toEqual(['other']);
    for (const path of [`/queues/${Q}/next`, `/queues/${Q}/items/anything`, '/admin', '/admin/spans', '/admin/rules']) {
      const res = await p.goto(`${origin}${path}`);
      expect(res!.status(), path).toBe(403);
      expect(await p.textContent('h1'), path).toBe('Not for you');
    }
    await p.context().close();
  });

  it('sends someone who is not signed in to sign in, and back where they were', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${origin}/queues/${Q}/next`);
    expect(new URL(p.url()).pathname).toBe('/sign-in');
    await p.fill('#user', 'bob');
    await p.fill('#password', 'bob-secret');
    await Promise.all([p.waitForURL(/\/queues\/answers\/items\//), p.press('#password', 'Enter')]);
    await ctx.close();
  });
});

describe('hostile span content', () => {
  it('shows script, event handlers, javascript: links, SVG and CSS as text: nothing runs or loads', async () => {
    const { p, w } = await page('ada', 'ada-secret');
    // Every item, seen by an admin (who also sees the fields and everyone's labels).
    for (let position = 0; ; position++) {
      const res = await admin.get(`/api/v1/queues/${Q}/items?position=${position}`);
      if (res.status === 404) break;
      await p.goto(`${origin}/queues/${Q}/items/${res.body.item.id}`);
      await ready(p);
    }
    expect(await p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(w).toEqual({ dialogs: [], errors: [], foreign: [] });
    // And the payloads are there, as text.
    const xssItem = (await admin.get(`/api/v1/queues/${Q}/items?position=2`)).body.item.id;
    await p.goto(`${origin}/queues/${Q}/items/${xssItem}`);
    expect(await p.textContent('section.input')).toContain(XSS[0]);
    expect(await p.textContent('section.fields')).toContain(XSS[0]);
    expect(await p.locator('script').count()).toBe(1);
    await p.context().close();
  });
});

describe('a session that ends while labeling', () => {
  it('keeps the answers, and brings them back after signing in again', async () => {
    const { p } = await page('bob', 'bob-secret');
    await p.goto(`${origin}/queues/${Q}/next`);
    await ready(p);
    const id = itemId(p);
    // Signed out in another tab.
    const other = await p.context().newPage();
    await other.goto(`${origin}/queues`);
    await Promise.all([other.waitForURL(/sign-in/), other.click('.signout button')]);
    await p.keyboard.press('c');
    await p.keyboard.press('2');
    await p.keyboard.press('n');
    await p.keyboard.type('kept through sign-in');
    await expect.poll(() => p.textContent('#banner'), { timeout: 10_000 }).toContain('Your session has ended');
    await Promise.all([p.waitForURL(/sign-in/), p.click('#banner a')]);
    await p.fill('#user', 'bob');
    await p.fill('#password', 'bob-secret');
    await Promise.all([p.waitForURL((u) => u.pathname.endsWith(id)), p.press('#password', 'Enter')]);
    await ready(p);
    expect(await p.isChecked('#opt-l-correct-1')).toBe(true);
    expect(await p.inputValue('#l-note')).toBe('kept through sign-in');
    await expect.poll(async () => (await labelsOf(id)).find((l) => l.labeler === 'bob')?.values).toEqual({ correct: false, note: 'kept through sign-in' });
    await p.context().close();
  });
});

describe('accessibility', () => {
  it('has no serious or critical axe-core violation on the sign-in page, the queue list and the labeling view', async () => {
    const { p } = await page('ann', 'ann-secret');
    const cookies = await p.context().cookies();
    await p.goto(`${origin}/queues/${Q}/next`);
    await ready(p);
    const item = p.url();
    for (const url of [`${origin}/sign-in`, `${origin}/queues`, item]) {
      expect(await axeViolations(browser, url, cookies), url).toEqual([]);
    }
    await p.context().close();
  });

  it('keeps the labeling view usable at 200% zoom: the form below the item, nothing cut off', async () => {
    const ctx = await browser.newContext({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
    const p = await ctx.newPage();
    await signIn(p, origin, 'ann', 'ann-secret');
    await p.goto(`${origin}/queues/${Q}/next`);
    await ready(p);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const item = await p.locator('article.item').boundingBox();
    const form = await p.locator('form.labels').boundingBox();
    expect(form!.y).toBeGreaterThan(item!.y);
    await ctx.close();
  });
});
