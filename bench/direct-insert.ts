/**
 * The engine's own limit: the same rows spansift would write, inserted straight with
 * `client.insert` in JSONEachRow, batch after batch. Run as its own process (one engine
 * path per process); prints one JSON line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { migrate, TRACES_MIGRATIONS } from '../collector/storage/migrations.js';
import { spanToRow, spanToValues, TRACE_COLUMNS, TRACE_COLUMN_TYPES } from '../collector/storage/rows.js';
import { decodedSpans, type Shape } from './spans.js';
import { cpuSeconds, peakRssBytes } from './proc.js';

const shape = (process.argv[2] ?? 'llm') as Shape;
const total = Number(process.argv[3] ?? 200_000);
const batch = Number(process.argv[4] ?? 20_000);
/** Inserts in flight at once, as spansift's storage.clickhouse.batch.concurrency. */
const concurrency = Number(process.argv[5] ?? 2);
/**
 * JSONEachRow (objects), JSONCompactEachRow (arrays), or JSONCompact (one document of
 * arrays per insert, serialized by one call: the format spansift sends).
 */
const format = (process.argv[6] ?? 'JSONEachRow') as 'JSONEachRow' | 'JSONCompactEachRow' | 'JSONCompact';

const path = mkdtempSync(join(tmpdir(), 'spansift-bench-direct-'));
const client = createClient({ connection: createChdbConnection({ path }) as never });
await migrate(client, { database: 'default', table: 'otel_traces', ttlSeconds: 0 }, TRACES_MIGRATIONS);

// Rows are built before the clock starts: this measures the client and the engine only.
const batches: unknown[][] = [];
for (let done = 0; done < total; done += batch) {
  const spans = decodedSpans(shape, Math.min(batch, total - done));
  batches.push(format === 'JSONEachRow' ? spans.map((s) => spanToRow(s)) : spans.map((s) => spanToValues(s)));
}
const bytes = Buffer.byteLength(JSON.stringify(batches[0][0]));

const COLUMNS = [...TRACE_COLUMNS] as [string, ...string[]];
const META = TRACE_COLUMNS.map((name) => ({ name, type: TRACE_COLUMN_TYPES[name] }));

const cpu0 = cpuSeconds(process.pid);
const t0 = performance.now();
let next = 0;
const worker = async () => {
  while (next < batches.length) {
    const values = batches[next++];
    if (format === 'JSONEachRow') await client.insert({ table: 'default.otel_traces', values, format });
    else if (format === 'JSONCompact') await client.insert({ table: 'default.otel_traces', values: { meta: META, data: values }, format, columns: COLUMNS });
    else await client.insert({ table: 'default.otel_traces', values, format, columns: COLUMNS });
  }
};
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - t0) / 1000;
const cpu = cpuSeconds(process.pid) - cpu0;
await client.close();
process.stdout.write(JSON.stringify({ shape, format, rows: total, concurrency, seconds, rowsPerSecond: total / seconds, cpuSeconds: cpu, peakRssBytes: peakRssBytes(process.pid), rowJsonBytes: bytes }) + '\n');
