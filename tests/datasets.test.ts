/**
 * Datasets through the API, against a running spansift: created in config or by the API,
 * imported as JSON and JSON lines with idempotency keys, read in pages, items and whole
 * datasets deleted, exported as JSON lines, CSV (read back with csv-parse) and OpenAI's
 * chat fine-tuning format (checked line by line), and pushed into a queue for labeling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';

let sift: Running;
let admin: ApiClient;

const TRICKY = 'commas, "quotes", a\nline break, naïve ☃ 日本語 and 👍';

beforeAll(async () => {
  sift = await startSpansift({
    datasets: { golden: { description: 'Answers people checked' } },
    queues: { review: { labels: [{ name: 'ok', type: 'boolean' }] } },
    users: await usersSection({ lou: { role: 'labeler', queues: ['review'], password: 'lou-pw' } }),
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
});

afterAll(async () => {
  await sift?.stop();
});

async function exportOf(name: string, format: string): Promise<{ type: string; text: string }> {
  const res = await fetch(`${sift.uiUrl}/api/v1/datasets/${name}/export?format=${format}`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type')!, text: await res.text() };
}

describe('datasets', () => {
  it('are created from config and by the API, listed with their item counts', async () => {
    expect((await admin.post('/api/v1/datasets', { name: 'scratch', description: 'tries' })).status).toBe(201);
    expect((await admin.post('/api/v1/datasets', { name: 'scratch' })).status).toBe(409);
    expect((await admin.post('/api/v1/datasets', { name: 'bad name!' })).body.error.field).toBe('name');
    const list = (await admin.get('/api/v1/datasets')).body.datasets;
    expect(list.map((d: { name: string; description: string; items: number }) => [d.name, d.description, d.items])).toEqual([
      ['golden', 'Answers people checked', 0],
      ['scratch', 'tries', 0],
    ]);
  });

  it('import JSON and JSON lines; the same idempotency key is one item', async () => {
    const a = await admin.post('/api/v1/datasets/scratch/items', { items: [{ data: 'one', target: 'uno', idempotency_key: 'k1' }, { data: { q: 'two' } }] });
    expect(a.status).toBe(201);
    const lines = [JSON.stringify({ data: 'one again', idempotency_key: 'k1' }), JSON.stringify({ data: 'three', metadata: { src: 'file' } })].join('\n');
    const res = await fetch(`${sift.uiUrl}/api/v1/datasets/scratch/items`, { method: 'POST', body: lines, headers: { authorization: `Bearer ${sift.adminToken}`, 'content-type': 'application/x-ndjson' } });
    expect(res.status).toBe(201);
    const b = (await res.json()) as { ids: string[] };
    expect(b.ids[0]).toBe(a.body.ids[0]);
    const items = (await admin.get('/api/v1/datasets/scratch/items')).body.items;
    expect(items).toHaveLength(3);
    expect(items.find((i: { id: string }) => i.id === a.body.ids[0]).data).toBe('one again');
  });

  it('refuses bad imports naming the item and field', async () => {
    expect((await admin.post('/api/v1/datasets/scratch/items', { items: [{ data: 'x' }, { target: 'no data' }] })).body.error.field).toBe('items.1.data');
    expect((await admin.post('/api/v1/datasets/scratch/items', { items: [{ data: 'x', extra: 1 }] })).body.error.field).toBe('items.0.extra');
    expect((await admin.post('/api/v1/datasets/nope/items', { items: [{ data: 'x' }] })).status).toBe(404);
    const big = { items: Array.from({ length: 10_001 }, () => ({ data: 1 })) };
    expect((await admin.post('/api/v1/datasets/scratch/items', big)).body.error.message).toContain('at most 10000');
  });

  it('pages through items, deletes one, and a deleted dataset made again starts empty', async () => {
    const { body } = await admin.post('/api/v1/datasets/scratch/items', { items: Array.from({ length: 7 }, (_, i) => ({ data: i })) });
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = (await admin.get(`/api/v1/datasets/scratch/items?limit=4${after ? `&after=${after}` : ''}`)).body;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    expect((await admin.del(`/api/v1/datasets/scratch/items/${body.ids[0]}`)).status).toBe(204);
    expect((await admin.del(`/api/v1/datasets/scratch/items/${body.ids[0]}`)).status).toBe(404);
    expect((await admin.get('/api/v1/datasets/scratch')).body.name).toBe('scratch');
    expect((await admin.get('/api/v1/datasets')).body.datasets.find((d: { name: string }) => d.name === 'scratch').items).toBe(9);
    expect((await admin.del('/api/v1/datasets/scratch')).status).toBe(204);
    expect((await admin.get('/api/v1/datasets/scratch/items')).status).toBe(404);
    expect((await admin.post('/api/v1/datasets', { name: 'scratch' })).status).toBe(201);
    expect((await admin.get('/api/v1/datasets/scratch/items')).body.items).toEqual([]);
  });
});

describe('exports', () => {
  const chat = [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', content: '{"temp_c":18}', tool_call_id: 'call_1' },
  ];
  let ids: string[];
  beforeAll(async () => {
    ids = (
      await admin.post('/api/v1/datasets/golden/items', {
        items: [
          { data: chat, target: 'It is 18 °C in Paris.', metadata: { note: TRICKY }, idempotency_key: 'chat' },
          { data: TRICKY, target: TRICKY, idempotency_key: 'tricky' },
          { data: { structured: true }, idempotency_key: 'no-target' },
        ],
      })
    ).body.ids;
  });

  it('as JSON lines: every item, as stored', async () => {
    const { type, text } = await exportOf('golden', 'jsonl');
    expect(type).toContain('application/x-ndjson');
    const rows = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(rows.find((r) => r.id === ids[1])).toMatchObject({ data: TRICKY, target: TRICKY });
    expect(rows.find((r) => r.id === ids[0]).metadata.note).toBe(TRICKY);
  });

  it('as CSV: a header, and commas, quotes, line breaks and unicode read back exactly', async () => {
    const { type, text } = await exportOf('golden', 'csv');
    expect(type).toContain('text/csv');
    const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(['id', 'data', 'target', 'metadata', 'created_at', 'updated_at']);
    const tricky = rows.find((r) => r.id === ids[1])!;
    expect(tricky.data).toBe(TRICKY);
    expect(tricky.target).toBe(TRICKY);
    expect(JSON.parse(rows.find((r) => r.id === ids[0])!.data)).toEqual(chat);
    expect(JSON.parse(rows.find((r) => r.id === ids[0])!.metadata)).toEqual({ note: TRICKY, idempotency_key: 'chat' });
  });

  it("as OpenAI chat fine-tuning lines: OpenAI's published shape, tool calls kept", async () => {
    const { text } = await exportOf('golden', 'openai');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    // The item without a target has no answer to learn, so it is left out.
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['messages']);
      for (const m of line.messages) {
        expect(['system', 'user', 'assistant', 'tool']).toContain(m.role);
        expect(m.content === null || typeof m.content === 'string').toBe(true);
        if (m.tool_calls) for (const c of m.tool_calls) expect(Object.keys(c).sort()).toEqual(['function', 'id', 'type']);
        if (m.role === 'tool') expect(typeof m.tool_call_id).toBe('string');
      }
      expect(line.messages[line.messages.length - 1].role).toBe('assistant');
    }
    const weather = lines.find((l) => l.messages[0].role === 'system')!;
    expect(weather.messages).toEqual([
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', content: '{"temp_c":18}', tool_call_id: 'call_1' },
      { role: 'assistant', content: 'It is 18 °C in Paris.' },
    ]);
  });

  it('streams: the first bytes arrive before the last page is read', async () => {
    await admin.post('/api/v1/datasets', { name: 'large' });
    for (let k = 0; k < 5; k++) {
      await admin.post('/api/v1/datasets/large/items', { items: Array.from({ length: 1000 }, (_, i) => ({ data: `question ${k * 1000 + i}`, target: 'answer' })) });
    }
    const res = await fetch(`${sift.uiUrl}/api/v1/datasets/large/export`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const reader = res.body!.getReader();
    let chunks = 0;
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      bytes += value.length;
    }
    // Two pages of 2,000 and one of 1,000 went out as they were read.
    expect(chunks).toBeGreaterThanOrEqual(3);
    expect(bytes).toBeGreaterThan(5000 * 20);
  });

  it('refuse a format they do not know', async () => {
    expect((await admin.get('/api/v1/datasets/golden/export?format=xml')).body.error.field).toBe('format');
  });
});

describe('a dataset pushed into a queue', () => {
  it('becomes items to label; pushing again adds nothing twice', async () => {
    await admin.post('/api/v1/datasets', { name: 'to-label' });
    await admin.post('/api/v1/datasets/to-label/items', { items: [{ data: { input: 'q1', output: 'a1' } }, { data: { input: 'q2', output: 'a2' } }] });
    expect((await admin.post('/api/v1/datasets/to-label/push', { queue: 'review' })).body).toEqual({ queue: 'review', pushed: 2 });
    expect((await admin.post('/api/v1/datasets/to-label/push', { queue: 'review' })).body.pushed).toBe(2);
    const q = (await admin.get('/api/v1/queues')).body.queues.find((x: { name: string }) => x.name === 'review');
    expect(q.counts.total).toBe(2);
    expect((await admin.post('/api/v1/datasets/to-label/push', { queue: 'nope' })).status).toBe(404);
    const lou = await ApiClient.signIn(sift.uiUrl, 'lou', 'lou-pw');
    const next = (await lou.post('/api/v1/queues/review/next')).body.item;
    expect(next.data.input.input ?? next.data.input).toBeDefined();
    expect(next.metadata.dataset).toBe('to-label');
  });

  it('is for admins only', async () => {
    const lou = await ApiClient.signIn(sift.uiUrl, 'lou', 'lou-pw');
    for (const [method, path] of [['GET', '/api/v1/datasets'], ['POST', '/api/v1/datasets/golden/push'], ['GET', '/api/v1/datasets/golden/export'], ['GET', '/api/v1/actions/deliveries']]) {
      expect((await lou.call(method, path, method === 'POST' ? { queue: 'review' } : undefined)).status, path).toBe(403);
    }
  });
});
