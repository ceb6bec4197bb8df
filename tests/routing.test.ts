/**
 * Rules route spans into queues in the ingest path: items exist when the export is
 * acknowledged, carry structured messages, survive retries and replicas without
 * duplicates, and are readable, pushable and searchable through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, testConfig, type Running } from './support/spansift.js';
import { hex, jsonRequest, post, protobufRequest } from './support/otlp.js';
import { Service } from '../cli/service.js';
import { createLogger } from '../collector/log.js';

const QUEUES = {
  'answer-quality': {
    instructions: 'Is the answer **correct**?',
    labels: [
      { name: 'correct', type: 'boolean', hotkey: 'c' },
      { name: 'quality', type: 'numeric', min: 1, max: 5 },
    ],
    labelers_per_item: 2,
  },
  'errors': { labels: [{ name: 'note', type: 'text' }], show: ['input', 'output', 'attributes.error.kind'] },
};
const RULES = [
  { name: 'gpt4o', when: 'attributes["gen_ai.request.model"] == "gpt-4o"', route_to: ['answer-quality'] },
  { name: 'failures', when: 'attributes["error.kind"] != nil', route_to: 'errors' },
];

let sift: Running;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${sift.uiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${sift.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

beforeAll(async () => {
  sift = await startSpansift({ queues: QUEUES, rules: RULES });
});
afterAll(async () => {
  await sift?.stop();
});

const JSON_CT = { 'content-type': 'application/json' };

function chatSpan(model: string, extra: Record<string, string> = {}) {
  return {
    traceId: hex(16),
    spanId: hex(8),
    name: 'chat',
    attributes: {
      'gen_ai.request.model': model,
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'What is the capital of France?',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Paris.',
      ...extra,
    },
  };
}

async function allItems(queue: string): Promise<any[]> {
  const out = [];
  for (let p = 0; ; p++) {
    const res = await api(`/api/v1/queues/${queue}/items?position=${p}`);
    if (res.status === 404) return out;
    out.push((await res.json()).item);
  }
}

describe('routing into queues', () => {
  it('creates items, with structured messages, by the time the export is acknowledged', async () => {
    const span = chatSpan('gpt-4o');
    const res = await post(sift.httpUrl, JSON.stringify(jsonRequest([span, chatSpan('gpt-3.5')], 'shop')), JSON_CT);
    expect(res.status).toBe(200);
    const items = await allItems('answer-quality');
    const item = items.find((i) => i.spanId === span.spanId);
    expect(item).toMatchObject({ traceId: span.traceId, rule: 'gpt4o', source: 'rule', queue: 'answer-quality' });
    expect(item.data.input).toEqual([{ role: 'user', content: 'What is the capital of France?' }]);
    expect(item.data.output).toEqual([expect.objectContaining({ role: 'assistant', content: 'Paris.' })]);
    expect(items.filter((i) => i.data.input?.[0]?.content === 'What is the capital of France?').length).toBe(items.length);
  });

  it('counts per rule and per queue in /metrics', async () => {
    const text = await (await api('/metrics')).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(value(/^spansift_rule_matched_spans_total\{rule="gpt4o"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^spansift_rule_enqueued_items_total\{rule="gpt4o"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^spansift_queue_enqueued_items_total\{queue="answer-quality"\} (\d+)$/m)).toBe(value(/^spansift_rule_enqueued_items_total\{rule="gpt4o"\} (\d+)$/m));
  });

  it('sends items with the spans\' inserts, not one insert per request', async () => {
    const count = async (table: string) => {
      const text = await (await api('/metrics')).text();
      return Number(new RegExp(`^spansift_storage_insert_batch_rows_count\\{table="${table}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const [spans0, items0] = [await count('otel_traces'), await count('spansift_queue_items')];
    const requests = Array.from({ length: 20 }, () => post(sift.httpUrl, JSON.stringify(jsonRequest([chatSpan('gpt-4o')], 'many')), JSON_CT));
    for (const r of await Promise.all(requests)) expect(r.status).toBe(200);
    const [spans1, items1] = [await count('otel_traces'), await count('spansift_queue_items')];
    expect(items1 - items0).toBeGreaterThan(0);
    expect(items1 - items0).toBeLessThanOrEqual(spans1 - spans0);
    expect(items1 - items0).toBeLessThan(20);
  });

  it('lists queues with schema and counts', async () => {
    const res = await api('/api/v1/queues');
    expect(res.status).toBe(200);
    const { queues } = await res.json();
    const q = queues.find((x: any) => x.name === 'answer-quality');
    expect(q.instructions).toBe('Is the answer **correct**?');
    expect(q.labels.map((l: any) => l.name)).toEqual(['correct', 'quality']);
    expect(q.labelers_per_item).toBe(2);
    expect(q.counts.total).toBe((await allItems('answer-quality')).length);
    expect(q.counts.pending).toBe(q.counts.total);
    expect(q.counts.completed).toBe(0);
  });

  it('keeps one item per (queue, span) when the same export is sent three times', async () => {
    const spans = [chatSpan('gpt-4o'), chatSpan('gpt-4o', { 'error.kind': 'timeout' })];
    const body = protobufRequest(spans, 'retry');
    for (let i = 0; i < 3; i++) expect((await post(sift.httpUrl, body, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    const quality = (await allItems('answer-quality')).filter((i) => spans.some((s) => s.spanId === i.spanId));
    const errors = (await allItems('errors')).filter((i) => spans.some((s) => s.spanId === i.spanId));
    expect(quality.map((i) => i.spanId).sort()).toEqual(spans.map((s) => s.spanId).sort());
    expect(errors.map((i) => i.spanId)).toEqual([spans[1].spanId]);
    expect(errors[0].data.fields).toEqual({ 'attributes.error.kind': 'timeout' });
  });

  it('keeps one item per span when a second, independent replica routes the same spans', async () => {
    const replica = new Service({ config: testConfig({ queues: QUEUES, rules: RULES }), log: createLogger('silent') });
    const ep = await replica.start();
    try {
      const span = chatSpan('gpt-4o');
      const body = JSON.stringify(jsonRequest([span], 'replicas'));
      expect((await post(sift.httpUrl, body, JSON_CT)).status).toBe(200);
      expect((await post(`http://127.0.0.1:${ep.http!.port}`, body, JSON_CT)).status).toBe(200);
      const matching = (await allItems('answer-quality')).filter((i) => i.spanId === span.spanId);
      expect(matching).toHaveLength(1);
    } finally {
      await replica.stop();
    }
  });

  it('pushes items by span reference and as raw data, idempotently by key', async () => {
    const span = chatSpan('claude');
    await post(sift.httpUrl, JSON.stringify(jsonRequest([span], 'push')), JSON_CT);
    const push = (items: unknown[]) => api('/api/v1/queues/errors/items', { method: 'POST', body: JSON.stringify({ items }) });
    const byRef = await push([{ trace_id: span.traceId, span_id: span.spanId }]);
    expect(byRef.status).toBe(201);
    const [refId] = (await byRef.json()).ids;
    const raw = await push([{ data: { input: 'Translate: chat', output: 'cat' }, target: { expected: 'chat' }, metadata: { lang: 'fr' }, idempotency_key: 'k-1' }]);
    const again = await push([{ data: { input: 'other' }, idempotency_key: 'k-1' }]);
    const rawId = (await raw.json()).ids[0];
    expect((await again.json()).ids[0]).toBe(rawId);
    const items = await allItems('errors');
    expect(items.filter((i) => i.id === rawId)).toHaveLength(1);
    const rawItem = items.find((i) => i.id === rawId);
    expect(rawItem.data).toEqual({ source: 'api', input: 'Translate: chat', output: 'cat' });
    expect(rawItem.target).toEqual({ expected: 'chat' });
    expect(rawItem.metadata).toEqual({ lang: 'fr' });
    const refItem = items.find((i) => i.id === refId);
    expect(refItem.data.input).toEqual([{ role: 'user', content: 'What is the capital of France?' }]);
    // No target given: null, for span references and raw items alike.
    expect(refItem.target).toBeNull();
    // Enqueue times are RFC 3339 in UTC, and the queue is in their order.
    for (const i of items) expect(i.enqueuedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(rawItem.enqueuedAt) - Date.now())).toBeLessThan(10 * 60_000);
    expect(items.map((i) => i.enqueuedAt)).toEqual(items.map((i) => i.enqueuedAt).sort());

    // A value that fits none of the item shapes is told about the field it comes closest on.
    const bad = await push([{ trace_id: 'xyz', span_id: span.spanId }]);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ field: 'items.0.trace_id', message: 'items.0.trace_id: expected 32 hex characters' });
    const stray = await push([{ data: 'x', extra: 1 }]);
    expect(stray.status).toBe(400);
    expect((await stray.json()).error.message).toContain('extra');
    const missing = await push([{ trace_id: hex(16), span_id: hex(8) }]);
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.field).toBe('items.0');
    expect((await api('/api/v1/queues/nope/items', { method: 'POST', body: '{"items":[{"data":1}]}' })).status).toBe(404);
  });

  it('answers 404 past the end of a queue and 400 for a bad position', async () => {
    const total = (await allItems('answer-quality')).length;
    const past = await api(`/api/v1/queues/answer-quality/items?position=${total}`);
    expect(past.status).toBe(404);
    expect((await past.json()).error.message).toContain(`has ${total} items`);
    const bad = await api('/api/v1/queues/answer-quality/items?position=-1');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('position');
  });

  it('searches stored spans with the same language, and names the position of a bad condition', async () => {
    const span = chatSpan('search-model', { 'note': `it's "quoted" \\ and '; DROP TABLE otel_traces; --` });
    await post(sift.httpUrl, JSON.stringify(jsonRequest([span], 'search')), JSON_CT);
    const where = encodeURIComponent(`attributes["note"] == "it's \\"quoted\\" \\\\ and '; DROP TABLE otel_traces; --" and name == "chat"`);
    const res = await api(`/api/v1/spans?where=${where}&since=1h`);
    expect(res.status).toBe(200);
    const { spans } = await res.json();
    expect(spans.map((s: any) => s.spanId)).toEqual([span.spanId]);
    const bad = await api(`/api/v1/spans?where=${encodeURIComponent('name == and')}`);
    expect(bad.status).toBe(400);
    const err = (await bad.json()).error;
    expect(err.field).toBe('where');
    expect(err.position).toEqual({ line: 1, column: 9, offset: 8 });
  });
});
