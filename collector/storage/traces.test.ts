/**
 * TraceStore on the real engine: a batch goes out as one JSONCompact document, batches
 * close before their text would be too long for one, and every row arrives exactly as
 * written, whatever JSON escaping it needed; a request whose data ClickHouse refuses fails
 * alone; reads show each span once however many copies the table holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChdbConnection } from 'chdb/connection';
import type { Connection } from '@clickhouse/client-common';
import { clientOn } from './client.js';
import { migrate, TRACES_MIGRATIONS } from './migrations.js';
import { TraceStore } from './traces.js';
import { serializeRows, type SerializedRows } from './json-rows.js';
import { SpansiftError } from '../errors.js';
import { spanToValues } from './rows.js';
import { decodeProtobuf } from '../receivers/otlp/decode.js';
import { faulty, type Faults } from '../../tests/support/faulty-connection.js';
import { hex, protobufRequest } from '../../tests/support/otlp.js';

const faults: Faults = { inserts: 0 };
const client = clientOn(faulty(faults)(createChdbConnection({ path: ':memory:' }) as unknown as Connection<unknown>) as never);
beforeAll(() => migrate(client, { database: 'default', table: 'otel_traces', ttlSeconds: 0 }, TRACES_MIGRATIONS));
afterAll(() => client.close());

/** One request's rows: `n` spans of one trace, each with text that JSON escapes to twice its length. */
function request(traceId: string, n: number) {
  const text = '\u0001\u0002"quoted"\\'.repeat(100);
  const spans = Array.from({ length: n }, (_, i) => ({ traceId, name: `s${i}`, attributes: { text: `${i}:${text}` } }));
  const decoded = decodeProtobuf(protobufRequest(spans)).spans;
  return { rows: serializeRows(decoded.map((s) => spanToValues(s))), text };
}

function store(maxDocumentChars?: number) {
  return new TraceStore(client, { database: 'default', table: 'otel_traces', maxRows: 1000, maxDelayMs: 5, concurrency: 1, maxDocumentChars });
}

describe('TraceStore', () => {
  it('sends a batch as one insert, and closes batches between requests before their text is too long for one', async () => {
    const traceId = hex(16);
    const reqs = [request(traceId, 2), request(traceId, 2), request(traceId, 2)];
    const chunk = reqs[0].rows.json.length;
    expect(chunk).toBeGreaterThan(2 * 2 * reqs[0].text.length); // escaped: two spans, twice the text each

    const one = store();
    const before = faults.inserts;
    await Promise.all(reqs.map((r) => one.write(r.rows)));
    expect(faults.inserts - before).toBe(1);

    // A limit that holds two requests' text but not three: two inserts, nothing lost.
    const split = store(2 * chunk + 4000);
    const traceId2 = hex(16);
    const reqs2 = [request(traceId2, 2), request(traceId2, 2), request(traceId2, 2)];
    const mid = faults.inserts;
    await Promise.all(reqs2.map((r) => split.write(r.rows)));
    expect(faults.inserts - mid).toBe(2);

    for (const id of [traceId, traceId2]) {
      const spans = await one.getTrace(id);
      expect(spans).toHaveLength(6);
      for (const s of spans) expect(s.attributes.text).toBe(`${s.name.slice(1)}:${reqs[0].text}`);
    }
  });

  it('stores lone surrogates in any text field as U+FFFD, in the same insert as its neighbours', async () => {
    const traceId = hex(16);
    const decoded = decodeProtobuf(protobufRequest([{ traceId, name: 'x' }, { traceId, name: 'good' }])).spans;
    const bad = decoded[0];
    bad.name = 'a\ud800';
    bad.attributes = { 'k\udc00': 'v\udbff', fine: '\ud83d\ude00' };
    bad.status = { code: 2, message: 'cut \ud83d' };
    bad.events = [{ timeUnixNano: bad.startTimeUnixNano, name: 'e\udfff', attributes: {} }];
    bad.resource = { ...bad.resource, attributes: { 'service.name': 'svc\ud800' } };
    const one = store();
    const before = faults.inserts;
    await Promise.all(decoded.map((s) => one.write(serializeRows([spanToValues(s)]))));
    expect(faults.inserts - before).toBe(1);
    const got = (await one.getTrace(traceId)).find((s) => s.name !== 'good')!;
    expect(got.name).toBe('a\ufffd');
    expect(got.attributes).toEqual({ 'k\ufffd': 'v\ufffd', fine: '\ud83d\ude00' });
    expect(got.status.message).toBe('cut \ufffd');
    expect(got.events[0].name).toBe('e\ufffd');
    expect(got.resource.attributes['service.name']).toBe('svc\ufffd');
  });

  it('stores times before 1973 (an unset start time of 0 too) with the others of its insert', async () => {
    const traceId = hex(16);
    const decoded = decodeProtobuf(protobufRequest([{ traceId, name: 'unset' }, { traceId, name: 'early' }, { traceId, name: 'now' }])).spans;
    decoded[0].startTimeUnixNano = 0n;
    decoded[0].endTimeUnixNano = 1_000n;
    decoded[1].startTimeUnixNano = 86_400_000_000_000n;
    decoded[1].endTimeUnixNano = 86_400_000_000_001n;
    const one = store();
    const before = faults.inserts;
    await Promise.all(decoded.map((s) => one.write(serializeRows([spanToValues(s)]))));
    expect(faults.inserts - before).toBe(1);
    const got = Object.fromEntries((await one.getTrace(traceId)).map((s) => [s.name, s.startTimeUnixNano]));
    expect(got).toEqual({ unset: '0', early: '86400000000000', now: decoded[2].startTimeUnixNano.toString() });
  });

  it('fails only the request whose data ClickHouse refuses (400), and stores the others of its batch', async () => {
    const traceId = hex(16);
    const good = () => serializeRows(decodeProtobuf(protobufRequest([{ traceId }, { traceId }])).spans.map((s) => spanToValues(s)));
    // A row no encoder of spansift writes: a time ClickHouse cannot read.
    const row = spanToValues(decodeProtobuf(protobufRequest([{ traceId }])).spans[0]);
    row[0] = 'not a time';
    const broken: SerializedRows = serializeRows([row]);
    const one = store();
    const before = faults.inserts;
    const results = await Promise.allSettled([good(), good(), broken, good()].map((r) => one.write(r)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[2] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(SpansiftError);
    expect(reason.code).toBe('STORAGE_REJECTED');
    expect(reason.spec.http).toBe(400);
    // The error names the row: the batch, then the good ones without it, then it alone.
    expect(faults.inserts - before).toBe(3);
    expect(await one.getTrace(traceId)).toHaveLength(6);
  });

  it('opens a trace whose lookup row a crash left unwritten', async () => {
    const traceId = hex(16);
    const rows = serializeRows(decodeProtobuf(protobufRequest(Array.from({ length: 4 }, () => ({ traceId })))).spans.map((s) => spanToValues(s)));
    const one = store();
    await one.write(rows);
    // The spans' part written, the materialized view's not: as an insert killed between the two leaves it.
    await client.command({ query: 'DELETE FROM otel_traces_trace_id_ts WHERE TraceId = {t:String}', query_params: { t: traceId } });
    const lookup = await client.query({ query: 'SELECT count() AS n FROM otel_traces_trace_id_ts WHERE TraceId = {t:String}', query_params: { t: traceId }, format: 'JSONEachRow' });
    expect(Number((await lookup.json<{ n: string }>())[0].n)).toBe(0);
    expect(await one.getTrace(traceId)).toHaveLength(4);
    expect(await one.getTrace(hex(16))).toEqual([]);
  });

  it('reads each span once however many copies of it the table holds', async () => {
    const traceId = hex(16);
    const rows = serializeRows(decodeProtobuf(protobufRequest(Array.from({ length: 30 }, () => ({ traceId })))).spans.map((s) => spanToValues(s)));
    const one = store();
    // The same request stored three times, as a retry after an answer that never arrived would.
    for (let i = 0; i < 3; i++) await one.write(rows);
    const raw = await client.query({ query: 'SELECT count() AS n FROM otel_traces WHERE TraceId = {t:String}', query_params: { t: traceId }, format: 'JSONEachRow' });
    expect(Number((await raw.json<{ n: string }>())[0].n)).toBe(90);

    const trace = await one.getTrace(traceId);
    expect(trace).toHaveLength(30);
    expect(new Set(trace.map((s) => s.spanId)).size).toBe(30);
    const where = { sql: 'TraceId = {t:String}', params: { t: traceId } };
    const all = [0n, 2n ** 62n] as const;
    // Limits that a first answer full of copies cannot fill: the search asks again for more.
    for (const limit of [1, 7, 10, 29, 30, 100]) {
      const spans = await one.search(where, all[0], all[1], limit);
      expect(spans).toHaveLength(Math.min(limit, 30));
      expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    }
    const spans = await one.search(where, all[0], all[1], 30);
    expect(spans.map((s) => s.spanId).sort()).toEqual(trace.map((s) => s.spanId).sort());
    expect(await one.getSpan(traceId, trace[3].spanId)).toEqual(trace[3]);
  });

  it('folds copies among spans of different times: the same spans, in the same order, as a table without copies', async () => {
    const traceId = hex(16);
    const decoded = decodeProtobuf(protobufRequest(Array.from({ length: 40 }, () => ({ traceId })))).spans;
    // Four times, ten spans each; some spans stored once, others two or three times.
    decoded.forEach((s, i) => (s.startTimeUnixNano = s.endTimeUnixNano = s.startTimeUnixNano + BigInt(Math.floor(i / 10)) * 1000n));
    const one = store();
    await one.write(serializeRows(decoded.map((s) => spanToValues(s))));
    await one.write(serializeRows(decoded.filter((_, i) => i % 3 === 0).map((s) => spanToValues(s))));
    await one.write(serializeRows(decoded.filter((_, i) => i % 4 === 1 || i > 30).map((s) => spanToValues(s))));
    const expected = [...decoded]
      .sort((a, b) => (a.startTimeUnixNano === b.startTimeUnixNano ? (a.spanId < b.spanId ? -1 : 1) : a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 1))
      .map((s) => s.spanId);
    const where = { sql: 'TraceId = {t:String}', params: { t: traceId } };
    for (let limit = 1; limit <= 45; limit++) {
      const spans = await one.search(where, 0n, 2n ** 62n, limit);
      expect(spans.map((s) => s.spanId)).toEqual(expected.slice(0, limit));
    }
  });
});
