/**
 * The admin pages, through a real service and a signed-in browser's requests (cookie and
 * form posts, no script): the overview's figures and throughput, finding spans with a
 * condition and paging through them, a condition's mistake shown at its place, adding
 * spans to a queue without duplicates, CSRF on that form, the rules' counts, a trace as
 * a tree with escaped names, and labelers kept out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { hex, jsonRequest, post, type RawSpan } from './support/otlp.js';

const JSON_CT = { 'content-type': 'application/json' };
let sift: Running;
let ada: ApiClient;
let lou: ApiClient;
let bearer: ApiClient;

beforeAll(async () => {
  sift = await startSpansift({
    queues: {
      qa: { instructions: 'Is the answer right?', labels: [{ name: 'correct', type: 'boolean', required: true }] },
      review: { labels: [{ name: 'ok', type: 'boolean' }], labelers_per_item: 2 },
    },
    rules: [
      { name: 'kind-routed', when: 'attributes["test.kind"] == "routed"', route_to: 'review' },
      { name: 'rare', when: 'name == "never-sent"', route_to: ['qa'], sample: 0.5, rate_limit: '10/m', dedupe: { by: 'trace_id', within: '1h' } },
    ],
    users: await usersSection({ ada: { role: 'admin', password: 'pw-ada' }, lou: { role: 'labeler', queues: ['qa', 'review'], password: 'pw-lou' } }),
  });
  ada = await ApiClient.signIn(sift.uiUrl, 'ada', 'pw-ada');
  lou = await ApiClient.signIn(sift.uiUrl, 'lou', 'pw-lou');
  bearer = ApiClient.bearer(sift.uiUrl, sift.adminToken);
});
afterAll(() => sift?.stop());

// ---- a browser without script: pages and form posts with the session cookie ----

interface Page {
  status: number;
  html: string;
  location: string | null;
  headers: Headers;
}

async function page(who: ApiClient, path: string): Promise<Page> {
  const res = await fetch(`${sift.uiUrl}${path}`, { headers: { cookie: who.cookie! }, redirect: 'manual' });
  return { status: res.status, html: await res.text(), location: res.headers.get('location'), headers: res.headers };
}

async function submit(who: ApiClient, path: string, fields: [string, string][]): Promise<Page> {
  const res = await fetch(`${sift.uiUrl}${path}`, {
    method: 'POST',
    headers: { cookie: who.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, html: await res.text(), location: res.headers.get('location'), headers: res.headers };
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** What a person reads: tags gone, entities decoded, spaces collapsed. */
function text(html: string): string {
  return decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}

/** The cells' text of each row of the table with this caption. */
function table(html: string, caption: string): string[][] {
  const t = html.split('<table').slice(1).find((part) => text(/<caption>([\s\S]*?)<\/caption>/.exec(part)?.[1] ?? '').includes(caption));
  if (!t) throw new Error(`no table "${caption}"`);
  const body = t.slice(0, t.indexOf('</table>'));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1])));
}

function section(html: string, id: string): string {
  const at = html.indexOf(`id="${id}"`);
  if (at < 0) throw new Error(`no section ${id}`);
  return html.slice(at, html.indexOf('</section>', at));
}

/** The `traceId:spanId` of every span row's box. */
function ticked(html: string): string[] {
  return [...html.matchAll(/type="checkbox"[^>]*value="([0-9a-f]{32}:[0-9a-f]{16})"/g)].map((m) => m[1]);
}

function olderLink(html: string): string | undefined {
  const m = /<a rel="next" href="([^"]+)"/.exec(html);
  return m ? decode(m[1]) : undefined;
}

async function send(spans: RawSpan[], service = 'admin-test'): Promise<void> {
  const res = await post(sift.httpUrl, JSON.stringify(jsonRequest(spans, service)), JSON_CT);
  expect(res.status).toBe(200);
}

async function queueTotal(name: string): Promise<number> {
  const res = await bearer.get('/api/v1/queues');
  return res.body.queues.find((q: { name: string }) => q.name === name).counts.total;
}

const spansPath = (where: string, extra = '') => `/admin/spans?where=${encodeURIComponent(where)}${extra}`;

// ---- the pages ----

describe('admin pages', () => {
  it("the overview shows each queue's figures and a labeler's throughput after they submit", async () => {
    await bearer.post('/api/v1/queues/qa/items', { items: [1, 2, 3].map((n) => ({ data: { input: `question ${n}`, output: `answer ${n}` } })) });
    await bearer.post('/api/v1/queues/review/items', { items: [1, 2].map((n) => ({ data: { input: `q ${n}` } })) });
    const before = await page(ada, '/admin');
    expect(before.status).toBe(200);
    expect(text(section(before.html, 'queue-qa'))).toContain('Items 3 Completed 0 Still to do 3');
    expect(text(section(before.html, 'queue-qa'))).toContain('No one has labeled in this queue yet.');

    const next = await lou.post('/api/v1/queues/qa/next');
    expect(next.status).toBe(200);
    const put = await lou.put(`/api/v1/queues/qa/items/${next.body.item.id}/labels`, { values: { correct: true }, submit: true });
    expect(put.status).toBe(200);

    const after = await page(ada, '/admin');
    const qa = section(after.html, 'queue-qa');
    expect(text(qa)).toContain('Items 3 Completed 1 Still to do 2 Labelers per item 1');
    expect(qa).toMatch(/<progress max="3" value="1"/);
    const rows = table(after.html, 'Labelers in qa');
    expect(rows[0]).toEqual(['Labeler', 'Submitted', 'Skipped', 'Last active', 'Submitted in the last hour', 'Submitted in the last 24 hours']);
    expect(rows.slice(1)).toEqual([['lou', '1', '0', 'just now', '1', '1']]);
    expect(qa).toContain(`href="/queues/qa/items/${next.body.item.id}"`);
    expect(text(section(after.html, 'queue-review'))).toContain('Items 2 Completed 0 Still to do 2 Labelers per item 2');
  });

  it('the spans view filters with a condition and pages without repeating or losing spans', async () => {
    const run = hex(6);
    const wanted = Array.from({ length: 60 }, (_, i) => ({ spanId: hex(8), name: 'chat', attributes: { 'test.run': run, 'gen_ai.request.model': 'gpt-4o', 'input.value': `question number ${i}` } }));
    // One export stamps every span with the same start time: the page boundary falls inside it.
    await send([...wanted, ...Array.from({ length: 5 }, () => ({ name: 'chat', attributes: { 'test.run': run, 'gen_ai.request.model': 'gpt-3.5' } }))]);
    const where = `attributes["test.run"] == "${run}" and attributes["gen_ai.request.model"] == "gpt-4o"`;

    const first = await page(ada, spansPath(where));
    expect(first.status).toBe(200);
    const rows = table(first.html, 'newest first');
    expect(rows).toHaveLength(51);
    expect(rows[1].slice(2, 7)).toEqual(['admin-test', 'chat', '1 ms', 'gpt-4o', expect.stringMatching(/^question number \d+$/)]);
    expect(first.html).not.toContain('gpt-3.5');
    const older = olderLink(first.html)!;
    expect(older).toContain('seen=50');

    const second = await page(ada, older);
    expect(table(second.html, 'newest first')).toHaveLength(11);
    expect(olderLink(second.html)).toBeUndefined();
    const shown = [...ticked(first.html), ...ticked(second.html)];
    expect(new Set(shown).size).toBe(60);
    expect(new Set(shown.map((v) => v.split(':')[1]))).toEqual(new Set(wanted.map((s) => s.spanId)));
  });

  it('a bad condition answers 400 with the message at its position (and a bad time says which)', async () => {
    const where = 'attributes["test.run"] == "x" and and';
    const res = await page(ada, spansPath(where));
    expect(res.status).toBe(400);
    expect(text(res.html)).toContain("The condition has a mistake At line 1, column 35: expected a value but found 'and'");
    const pre = /<pre class="condition">([\s\S]*?)<\/pre>/.exec(res.html)![1];
    expect(decode(pre)).toContain(`${where.slice(0, 34)}<mark>a</mark>nd`);
    expect(pre).toContain(`<span class="caret" aria-hidden="true">${' '.repeat(34)}^</span>`);
    // The form keeps what was typed, to fix it there.
    expect(res.html).toContain('aria-invalid="true"');

    const badTime = await page(ada, '/admin/spans?since=yesterday');
    expect(badTime.status).toBe(400);
    expect(text(badTime.html)).toContain('From: "yesterday" is not a time.');
  });

  it('adds selected spans, then all that match, to a queue: new and already-there counted, one item per span', async () => {
    const run = hex(6);
    await send(Array.from({ length: 8 }, (_, i) => ({ name: 'answer', attributes: { 'test.run': run, 'input.value': `ask ${i}` } })));
    const where = `attributes["test.run"] == "${run}"`;
    const listed = await page(ada, spansPath(where));
    const spans = ticked(listed.html);
    expect(spans).toHaveLength(8);
    const csrf = /name="csrf" value="([^"]+)"/.exec(listed.html)![1];
    const base: [string, string][] = [['csrf', csrf], ['queue', 'qa'], ['where', where], ['since', ''], ['until', ''], ['seen', '0']];
    const total = await queueTotal('qa');

    const picked = await submit(ada, '/admin/spans/enqueue', [...base, ['span', spans[0]], ['span', spans[1]], ['span', spans[2]], ['all', '0']]);
    expect(picked.status).toBe(303);
    const result = await page(ada, picked.location!);
    expect(text(result.html)).toContain('3 spans added to qa.');

    const again = await page(ada, (await submit(ada, '/admin/spans/enqueue', [...base, ['span', spans[2]], ['span', spans[3]], ['all', '0']])).location!);
    expect(text(again.html)).toContain('1 span added to qa; 1 was already there.');

    const all = await submit(ada, '/admin/spans/enqueue', [...base, ['all', '1']]);
    const allResult = await page(ada, all.location!);
    expect(text(allResult.html)).toContain('4 spans added to qa; 4 were already there.');
    expect(allResult.html).toContain(`href="/admin/spans?where=${encodeURIComponent(where).replace(/%20/g, '+')}"`);
    expect(await queueTotal('qa')).toBe(total + 8);

    const repeat = await page(ada, (await submit(ada, '/admin/spans/enqueue', [...base, ['all', '1']])).location!);
    expect(text(repeat.html)).toContain('0 spans added to qa; 8 were already there.');
    expect(await queueTotal('qa')).toBe(total + 8);
  });

  it('refuses the add form with a forged or missing CSRF field', async () => {
    const run = hex(6);
    await send([{ name: 'x', attributes: { 'test.run': run } }]);
    const where = `attributes["test.run"] == "${run}"`;
    const total = await queueTotal('qa');
    for (const csrf of [[['csrf', 'forged']], []] as [string, string][][]) {
      const res = await submit(ada, '/admin/spans/enqueue', [...csrf, ['queue', 'qa'], ['where', where], ['all', '1']]);
      expect(res.status).toBe(403);
      expect(text(res.html)).toContain('this form is out of date');
    }
    expect(await queueTotal('qa')).toBe(total);
  });

  it('the rules page shows each rule with its counts after spans were routed', async () => {
    await send([1, 2, 3].map(() => ({ name: 'routed', attributes: { 'test.kind': 'routed', 'input.value': 'route me' } })));
    const res = await page(ada, '/admin/rules');
    expect(res.status).toBe(200);
    const rows = table(res.html, 'The rules in force');
    expect(rows[0].slice(6)).toEqual(['Matched', 'Left out by sampling', 'Over the limit', 'Duplicates', 'Added to queues']);
    const routed = rows.find((r) => r[0] === 'kind-routed')!;
    expect(routed.slice(1, 6)).toEqual(['attributes["test.kind"] == "routed" See matching spans', 'review', 'all', 'none', 'none']);
    expect(routed.slice(6)).toEqual(['3', '0', '0', '0', '3']);
    const rare = rows.find((r) => r[0] === 'rare')!;
    expect(rare.slice(2, 11)).toEqual(['qa', '50%', '10 a minute', 'one per trace every 1 h', '0', '0', '0', '0', '0']);
  });

  it('the trace page shows the tree with timings and escapes span content', async () => {
    const traceId = hex(16);
    const [root, child, grandchild, orphan] = [hex(8), hex(8), hex(8), hex(8)];
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const ms = (n: number) => String(t0 + BigInt(n) * 1_000_000n);
    const span = (spanId: string, parentSpanId: string, name: string, from: number, to: number, extra: object = {}) => ({
      traceId, spanId, parentSpanId, name, kind: 1, startTimeUnixNano: ms(from), endTimeUnixNano: ms(to), ...extra,
    });
    const evil = '<img src=x onerror=alert(1)>';
    const body = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] },
        scopeSpans: [{
          scope: { name: 'test' },
          spans: [
            span(root, '', 'agent run', 0, 100),
            span(child, root, evil, 10, 60, { status: { code: 2, message: 'model refused' }, attributes: [{ key: 'note', value: { stringValue: '<script>alert(2)</script>' } }] }),
            span(grandchild, child, 'tool call', 20, 30),
            span(orphan, hex(8), 'late callback', 90, 100),
          ],
        }],
      }],
    };
    expect((await post(sift.httpUrl, JSON.stringify(body), JSON_CT)).status).toBe(200);

    const res = await page(ada, `/admin/traces/${traceId.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = res.html;
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/);
    // Tree order, each under its parent; the orphan at the top level.
    const at = (id: string) => html.indexOf(`id="span-${id}"`);
    expect([at(root), at(child), at(grandchild), at(orphan)].every((i, k, a) => i > 0 && (k === 0 || i > a[k - 1]))).toBe(true);
    const row = (id: string) => html.slice(html.lastIndexOf('<li', at(id)), html.indexOf('</li>', at(id)));
    expect(text(row(root))).toMatch(/^Level 1: agent run , service agent , took 100 ms , status —/);
    expect(text(row(child))).toContain(`Level 2: ${evil} , service agent , took 50 ms , status Error`);
    expect(text(row(grandchild))).toContain('Level 3: tool call');
    expect(text(row(orphan))).toContain('Level 1: late callback');
    // The bars: x and width in thousandths of the trace's 100 ms.
    expect(row(root)).toMatch(/<rect class="span" x="0.0" y="1" width="1000.0"/);
    expect(row(child)).toMatch(/<rect class="span" x="100.0" y="1" width="500.0"/);
    expect(row(grandchild)).toMatch(/<rect class="span" x="200.0" y="1" width="100.0"/);
    expect(text(row(child))).toContain('Status message model refused');

    expect((await page(ada, '/admin/traces/not-a-trace')).status).toBe(400);
    const missing = await page(ada, `/admin/traces/${hex(16)}`);
    expect(missing.status).toBe(404);
    expect(text(missing.html)).toContain('No spans are stored for trace');
  });

  it('a labeler gets 403 on every admin page', async () => {
    const paths = ['/admin', '/admin/spans', `/admin/spans?where=${encodeURIComponent('name == "x"')}`, '/admin/rules', `/admin/traces/${hex(16)}`, '/admin/spans/added?queue=qa&added=1&already=0'];
    for (const path of paths) {
      const res = await page(lou, path);
      expect(res.status, path).toBe(403);
      expect(text(res.html), path).toContain('this page is for admins');
    }
    const total = await queueTotal('qa');
    const post403 = await submit(lou, '/admin/spans/enqueue', [['csrf', lou.csrf!], ['queue', 'qa'], ['all', '1']]);
    expect(post403.status).toBe(403);
    expect(await queueTotal('qa')).toBe(total);
  });
});
