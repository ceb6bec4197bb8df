/**
 * TraceStore on the real engine: a batch goes out as one JSONCompact document, batches
 * close before their text would be too long for one, and every row arrives exactly as
 * written, whatever JSON escaping it needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChdbConnection } from 'chdb/connection';
import type { Connection } from '@clickhouse/client-common';
import { clientOn } from './client.js';
import { migrate, TRACES_MIGRATIONS } from './migrations.js';
import { TraceStore } from './traces.js';
import { serializeRows } from './json-rows.js';
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
});
