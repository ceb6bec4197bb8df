/**
 * Copies of a span in otel_traces (a request stored, then retried because its answer was
 * lost) are one span in every answer spansift gives: the trace, the spans search, the
 * admin spans page, a backfill, a push by reference. The copies are written here straight
 * into the table through the same engine, as a retried insert leaves them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, testStorage, getTrace, type Running } from '../support/spansift.js';
import { ApiClient, usersSection } from '../support/labeling.js';
import { hex, protobufRequest } from '../support/otlp.js';
import { decodeProtobuf } from '../../collector/receivers/otlp/decode.js';
import { spanToRow } from '../../collector/storage/rows.js';

const storage = testStorage();
const COPIES = 3;
const SPANS = 12;
let sift: Running;
let admin: ApiClient;
let ada: ApiClient;
const traceId = hex(16);
let spanIds: string[];

beforeAll(async () => {
  sift = await startSpansift(
    {
      queues: { qa: { labels: [{ name: 'ok', type: 'boolean' }] }, refs: { labels: [{ name: 'ok', type: 'boolean' }] } },
      rules: [{ name: 'copied', when: 'attributes["dup.case"] == "copied"', route_to: 'qa' }],
      users: await usersSection({ ada: { role: 'admin', password: 'pw-ada' } }),
    },
    storage,
  );
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  ada = await ApiClient.signIn(sift.uiUrl, 'ada', 'pw-ada');
  // Spans of one export stamped alike, as SDKs often do: copies and spans all share a time.
  const spans = decodeProtobuf(protobufRequest(Array.from({ length: SPANS }, () => ({ traceId, attributes: { 'dup.case': 'copied' } })))).spans;
  spanIds = spans.map((s) => s.spanId);
  // Not through the pipeline: the rule routes nothing live, so a backfill has all to do.
  for (let i = 0; i < COPIES; i++) await storage.client.insert({ table: 'default.otel_traces', values: spans.map((s) => spanToRow(s)), format: 'JSONEachRow' });
});
afterAll(async () => {
  await sift?.stop();
  await storage.client.close();
});

const unique = (ids: string[]) => new Set(ids).size === ids.length;
const where = `trace_id == "${traceId}"`;

describe('copies of a span in otel_traces', () => {
  it('are in the raw table', async () => {
    const rs = await storage.client.query({ query: 'SELECT count() AS n, uniqExact(SpanId) AS u FROM default.otel_traces WHERE TraceId = {t:String}', query_params: { t: traceId }, format: 'JSONEachRow' });
    const [{ n, u }] = await rs.json<{ n: string | number; u: string | number }>();
    expect([Number(n), Number(u)]).toEqual([SPANS * COPIES, SPANS]);
  });

  it('are one span in GET /api/v1/traces/{id}', async () => {
    const { status, body } = await getTrace(sift, traceId);
    expect(status).toBe(200);
    expect(body.spans.map((s: { spanId: string }) => s.spanId).sort()).toEqual([...spanIds].sort());
  });

  it('are one span in GET /api/v1/spans, at every limit', async () => {
    for (const limit of [1, 5, SPANS - 1, SPANS, 100, 1000]) {
      const res = await admin.get(`/api/v1/spans?where=${encodeURIComponent(where)}&since=1h&limit=${limit}`);
      expect(res.status).toBe(200);
      const ids = res.body.spans.map((s: { spanId: string }) => s.spanId);
      expect(ids).toHaveLength(Math.min(limit, SPANS));
      expect(unique(ids)).toBe(true);
    }
    const all = await admin.get('/api/v1/spans?since=1h&limit=1000');
    expect(unique(all.body.spans.map((s: { traceId: string; spanId: string }) => `${s.traceId}/${s.spanId}`))).toBe(true);
  });

  it('are one span on the admin spans page', async () => {
    const res = await fetch(`${sift.uiUrl}/admin/spans?where=${encodeURIComponent(where)}`, { headers: { cookie: ada.cookie! } });
    expect(res.status).toBe(200);
    const refs = [...(await res.text()).matchAll(/type="checkbox"[^>]*value="([0-9a-f]{32}:[0-9a-f]{16})"/g)].map((m) => m[1]);
    expect(refs.map((r) => r.split(':')[1]).sort()).toEqual([...spanIds].sort());
  });

  it('are one span to a backfill: matched and enqueued once each', async () => {
    const call = (dry: boolean) => admin.post('/api/v1/rules/copied/backfill', { since: '1h', dry_run: dry });
    const dry = await call(true);
    expect(dry.body).toMatchObject({ matched: SPANS, would_enqueue: SPANS, enqueued: 0 });
    expect((await call(false)).body).toMatchObject({ matched: SPANS, enqueued: SPANS });
    const queues = await admin.get('/api/v1/queues');
    expect(queues.body.queues.find((q: { name: string }) => q.name === 'qa').counts.total).toBe(SPANS);
  });

  it('are one span to a push by reference', async () => {
    const res = await admin.post('/api/v1/queues/refs/items', { items: [{ trace_id: traceId, span_id: spanIds[0] }] });
    expect(res.status).toBe(201);
    const item = await admin.get(`/api/v1/queues/refs/items/${res.body.ids[0]}`);
    expect(item.body.item.span_id ?? item.body.item.spanId).toBe(spanIds[0]);
  });
});
