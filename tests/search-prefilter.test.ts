/**
 * Search and backfill give the answers live routing gives, also for conditions ClickHouse
 * cannot express exactly (a converter such as ToSnakeCase): the SQL then only narrows the
 * rows read, and each row is checked with the condition itself. And a stored span's
 * attribute values are read back with their types, so a numeric comparison on an integer
 * attribute matches a stored span as it matched the live one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCondition } from '../processors/condition/index.js';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient } from './support/labeling.js';

let sift: Running;
let admin: ApiClient;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

beforeAll(async () => {
  sift = await startSpansift({
    queues: { big: { labels: [{ name: 'ok', type: 'boolean' }] } },
    rules: [{ name: 'many-tokens', when: 'attributes["tokens"] > 100', route_to: 'big', enabled: false }],
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = (i: number, name: string, tokens: number) => ({
    traceId: TRACE, spanId: `00f067aa0ba902b${i}`, name, kind: 1,
    startTimeUnixNano: String(now + BigInt(i)), endTimeUnixNano: String(now + BigInt(i) + 1000n),
    attributes: [{ key: 'tokens', value: { intValue: String(tokens) } }],
  });
  const res = await fetch(`${sift.httpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span(1, 'ChatCompletion', 150), span(2, 'chat_completion', 20), span(3, 'Other', 500)] }] }] }),
  });
  expect(res.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await sift?.stop();
});

describe('search and backfill with a condition SQL cannot express exactly', () => {
  it('is such a condition (the SQL is a prefilter)', () => {
    expect(compileCondition('ToSnakeCase(name) == "chat_completion"').sql.exact).toBe(false);
  });

  it('search answers only the spans the condition matches', async () => {
    const r = await admin.get(`/api/v1/spans?where=${encodeURIComponent('ToSnakeCase(name) == "chat_completion"')}&since=1h`);
    expect(r.status).toBe(200);
    expect(r.body.spans.map((s: { name: string }) => s.name).sort()).toEqual(['ChatCompletion', 'chat_completion']);
  });

  it('backfill matches stored integer attributes as live routing does', async () => {
    const r = await admin.post('/api/v1/rules/many-tokens/backfill', { since: '1h' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ matched: 2, enqueued: 2 });
    expect((await admin.get('/api/v1/queues/big/items')).body.total).toBe(2);
  });
});
