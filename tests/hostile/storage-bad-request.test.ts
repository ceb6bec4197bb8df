/**
 * One client's bad data never fails another client's request: a request whose text
 * ClickHouse cannot take (lone surrogates) or whose values it refuses (times beyond
 * DateTime64(9)) shares a batch with concurrent good requests, and every good request is
 * answered success and stored. The same for queue items pushed through the API, which
 * travel in their own batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, getTrace, type Running } from '../support/spansift.js';
import { ApiClient } from '../support/labeling.js';
import { hex, jsonRequest, post, protobufRequest } from '../support/otlp.js';

const JSON_CT = { 'content-type': 'application/json' };
const PB = { 'content-type': 'application/x-protobuf' };
const GOOD = 30;
let sift: Running;
let admin: ApiClient;

beforeAll(async () => {
  // One insert at a time and a long gathering delay: concurrent requests share a batch.
  sift = await startSpansift({
    storage: { clickhouse: { batch: { max_delay: '100ms', concurrency: 1 } } },
    queues: { qa: { labels: [{ name: 'ok', type: 'boolean' }] } },
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
});
afterAll(() => sift?.stop());

/** GOOD good exports (half JSON, half protobuf) at once beside `bad`; resolves with every answer. */
async function beside(bad: () => Promise<{ status: number; body: Uint8Array }>) {
  const traceIds = Array.from({ length: GOOD }, () => hex(16));
  const good = traceIds.map((traceId, i) =>
    i % 2 ? post(sift.httpUrl, JSON.stringify(jsonRequest([{ traceId, name: 'good' }, { traceId, name: 'good' }])), JSON_CT) : post(sift.httpUrl, protobufRequest([{ traceId, name: 'good' }, { traceId, name: 'good' }]), PB),
  );
  const [badAnswer, ...goodAnswers] = await Promise.all([bad(), ...good]);
  return { badAnswer, goodAnswers, traceIds };
}

async function expectAllStored(goodAnswers: { status: number }[], traceIds: string[]) {
  expect(goodAnswers.map((a) => a.status)).toEqual(traceIds.map(() => 200));
  for (const id of traceIds) expect((await getTrace(sift, id)).body.spans).toHaveLength(2);
}

describe('a bad request beside good ones', () => {
  it('stores text with lone surrogates as U+FFFD, and every concurrent good export succeeds', async () => {
    for (let round = 0; round < 3; round++) {
      const traceId = hex(16);
      const body = JSON.stringify(jsonRequest([{ traceId, name: 'a\ud800', attributes: { 'k\udc00': 'v\udbff', pair: '\ud83d\ude00' } }], 'svc\udfff'));
      expect(body).toContain('\\ud800'); // what a client sends: an escape JSON.parse turns into a lone surrogate
      const { badAnswer, goodAnswers, traceIds } = await beside(() => post(sift.httpUrl, body, JSON_CT));
      await expectAllStored(goodAnswers, traceIds);
      expect(badAnswer.status).toBe(200);
      const [span] = (await getTrace(sift, traceId)).body.spans;
      expect(span.name).toBe('a\ufffd');
      expect(span.attributes).toEqual({ 'k\ufffd': 'v\ufffd', pair: '\ud83d\ude00' });
      expect(span.serviceName).toBe('svc\ufffd');
    }
  });

  it('fails no good export when ClickHouse refuses another request in the batch (times beyond DateTime64(9))', async () => {
    for (const ns of ['18446744073709551615', '9223372036854775808']) {
      const request = jsonRequest([{ name: 'far future' }]) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
      const span = request.resourceSpans[0].scopeSpans[0].spans[0];
      span.startTimeUnixNano = ns;
      span.endTimeUnixNano = ns;
      const { badAnswer, goodAnswers, traceIds } = await beside(() => post(sift.httpUrl, JSON.stringify(request), JSON_CT));
      await expectAllStored(goodAnswers, traceIds);
      // Refused for itself alone: 400 from storage, or refused in partial_success before it.
      expect(badAnswer.status, `start ${ns}`).toBeLessThan(500);
      if (badAnswer.status === 200) expect(Number(JSON.parse(new TextDecoder().decode(badAnswer.body)).partialSuccess?.rejectedSpans)).toBe(1);
      else expect(badAnswer.status).toBe(400);
    }
  });

  it('stores queue items pushed beside an item whose idempotency key has a lone surrogate', async () => {
    for (let round = 0; round < 5; round++) {
      const keys = Array.from({ length: 5 }, (_, i) => `good-${round}-${i}-${hex(4)}`);
      const pushes = keys.map((k) => admin.post('/api/v1/queues/qa/items', { items: [{ data: { input: k }, idempotency_key: k }] }));
      const bad = admin.post('/api/v1/queues/qa/items', { items: [{ data: { input: 'bad\ud800' }, idempotency_key: `bad-${round}-\ud800` }] });
      const [badAnswer, ...answers] = await Promise.all([bad, ...pushes]);
      expect(answers.map((a) => a.status)).toEqual(keys.map(() => 201));
      for (const [i, a] of answers.entries()) {
        const item = await admin.get(`/api/v1/queues/qa/items/${a.body.ids[0]}`);
        expect(item.status).toBe(200);
        expect(item.body.item.idempotency_key ?? item.body.item.idempotencyKey).toBe(keys[i]);
      }
      expect(badAnswer.status).toBe(201);
      const item = await admin.get(`/api/v1/queues/qa/items/${badAnswer.body.ids[0]}`);
      expect(item.body.item.idempotency_key ?? item.body.item.idempotencyKey).toBe(`bad-${round}-\ufffd`);
    }
  });
});
