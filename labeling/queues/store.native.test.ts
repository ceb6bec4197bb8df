/**
 * Items routed at ingest are kept in the local log and inserted into the embedded engine as
 * Native blocks: they must be the same items as the JSON rows a server is sent, whatever
 * their payloads hold (quotes, backslashes, multi-byte text, lone surrogates, long text),
 * and the next-item index must learn of each one, from a block or from JSON rows a log
 * written by an earlier spansift still holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { openStorage, rawInsertOf, type StorageTarget } from '../../collector/storage/client.js';
import { migrate } from '../../collector/storage/migrations.js';
import { nativeColumns, nativeToValues, spansToNative } from '../../collector/storage/native.js';
import { TraceStore } from '../../collector/storage/traces.js';
import { spanWith } from '../../tests/support/spans.js';
import { rowsText, serializeRows, type SerializedRows } from '../../collector/storage/json-rows.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { DurableLog } from '../../collector/storage/log/log.js';
import { LogDrain } from '../../collector/storage/log/drain.js';
import { createLogger } from '../../collector/log.js';
import type { ClickHouseConfig } from '../../config/schema.js';
import { MIGRATIONS } from '../../cli/migrations.js';
import { itemsToNative, itemValues, type QueueItemRow } from './items.js';
import { QueueStore, type WrittenItem } from './store.js';
import { ITEMS_TABLE, keepFor } from './schema.js';

let target: StorageTarget;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spansift-native-items-'));
  target = openStorage({ database: 'default', traces_table: 'otel_traces' } as ClickHouseConfig, dir);
  for (const database of ['native', 'json', 'server', 'log', 'kick']) {
    await target.client.command({ query: `CREATE DATABASE ${database}` });
    await migrate(target.client, { database, table: 'otel_traces', ttlSeconds: 0 }, MIGRATIONS);
  }
});
afterAll(async () => {
  await target.client.close();
  target.close?.();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-12-03T10:00:00.123Z');

function item(i: number, payload: unknown, queue = 'answers'): QueueItemRow {
  const at = T0 + i * 1001;
  return {
    queue,
    item_id: `item-${i}`,
    enqueued_at: msToDateTime64(at),
    source: 'rule',
    // A lone surrogate (text cut mid-character) is stored as U+FFFD either way.
    rule: i === 1 ? 'rule cut\udc00' : `rule "${i}" ünïcode`,
    trace_id: (i + 1).toString(16).padStart(32, '0'),
    span_id: (i + 1).toString(16).padStart(16, '0'),
    idempotency_key: '',
    payload: JSON.stringify(payload),
    target: 'null',
    metadata: JSON.stringify({ service: 'chat-svc', span_name: `chat ${i}` }),
    keep: keepFor(at),
  };
}

/** Items whose payloads are what a labeler may be shown, of every awkward kind. */
function items(): QueueItemRow[] {
  return [
    item(0, { source: 'gen_ai', input: [{ role: 'user', content: 'say "hi" \\ there\n\ttab' }], output: 'hi' }),
    item(1, { source: 'gen_ai', input: 'Größe 😀 日本語', output: 'cut\ud800here' }),
    item(2, { source: 'openinference', input: 'x'.repeat(40_000), output: 'é'.repeat(70) }),
    item(3, { source: 'attributes', fields: {} }, 'review'),
    item(4, { source: 'gen_ai', input: '', output: '' }, 'review'),
  ];
}

const readItems = async (database: string) =>
  (
    await target.client.query({
      query: `SELECT queue, item_id, toUnixTimestamp64Milli(enqueued_at) AS at, source, rule, trace_id, span_id, idempotency_key, payload, target, metadata, keep, replica
              FROM ${database}.${ITEMS_TABLE} ORDER BY item_id`,
      format: 'JSONEachRow',
    })
  ).json();

const ingestBatch = { maxRows: 1000, maxDelayMs: 1, concurrency: 1 };

describe('Items routed at ingest, as Native blocks', () => {
  it('are serialized as a Native block for the embedded engine, and stored as the same items as JSON rows', async () => {
    expect(rawInsertOf(target.client)?.native).toBe(true);
    const seen: WrittenItem[] = [];
    const store = new QueueStore(target.client, 'native', ingestBatch, undefined, 'replica-a', ingestBatch);
    store.onWritten = (rows) => seen.push(...rows);
    const rows = store.serialize(items());
    expect(rows.native).toBe(true);
    await store.writeSerialized(rows);
    // The same rows through the JSON path every other item takes.
    await new QueueStore(target.client, 'json', ingestBatch, undefined, 'replica-a').write(items());

    const stored = await readItems('native');
    expect(stored).toHaveLength(5);
    expect(stored).toEqual(await readItems('json'));
    // Payloads are JSON text, in which a lone surrogate is an escape: the labeler gets back what the span had.
    expect(JSON.parse((stored[1] as { payload: string }).payload).output).toBe('cut\ud800here');
    expect((stored[1] as { rule: string }).rule).toBe('rule cut\ufffd');
    expect(JSON.parse((stored[2] as { payload: string }).payload).input).toHaveLength(40_000);
    expect(Number((stored[0] as { at: unknown }).at)).toBe(T0);
    expect(seen).toEqual(items().map(({ queue, item_id, enqueued_at }) => ({ queue, item_id, enqueued_at })));
  });

  it('read back in JavaScript as the JSON rows a server is sent, and their keys alone', () => {
    const block = Buffer.concat([itemsToNative(items().slice(0, 2), 'r1'), itemsToNative(items().slice(2), 'r1')]);
    const json = serializeRows(items().map((r) => [...itemValues(r), 'r1'])).json;
    expect(nativeToValues(block)).toEqual(JSON.parse(`[${json}]`));
    expect(JSON.parse(`[${rowsText({ json: block, count: 5, native: true })}]`)).toEqual(JSON.parse(`[${json}]`));
    const keys = nativeColumns(block, ['item_id', 'queue'] as const);
    expect(keys).toEqual({ item_id: ['item-0', 'item-1', 'item-2', 'item-3', 'item-4'], queue: ['answers', 'answers', 'answers', 'review', 'review'] });
  });

  it('go to a ClickHouse server as JSON rows (Native items a log kept for the embedded engine)', async () => {
    // The same connection without the embedded engine's byte inserts: the client a server gets.
    const server = Object.create(target.client) as ClickHouseClient;
    expect(rawInsertOf(server)).toBeUndefined();
    const store = new QueueStore(server, 'server', ingestBatch, undefined, 'replica-a', ingestBatch);
    expect(store.serialize(items()).native).toBeUndefined();
    const seen: WrittenItem[] = [];
    store.onWritten = (rows) => seen.push(...rows);
    await store.writeSerialized({ json: itemsToNative(items(), 'replica-a'), count: 5, native: true });
    expect(await readItems('server')).toEqual(await readItems('json'));
    expect(seen.map((r) => r.item_id)).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
  });

  it('from the local log after a restart: JSON items (an earlier spansift) and Native items both land and are indexed', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'spansift-native-items-log-'));
    const options = { dir: logDir, maxBytes: 1 << 26, segmentBytes: 1 << 20, memoryBytes: 1 << 24, retryAfterMs: 1000 };
    const before = await DurableLog.open(options);
    const old = serializeRows(items().slice(0, 2).map((r) => [...itemValues(r), 'replica-a']));
    await before.append([{ table: 'items', rows: 2, json: old.json }]);
    await before.append([{ table: 'items', rows: 3, json: itemsToNative(items().slice(2), 'replica-a'), native: true }]);
    await before.close();

    const wal = await DurableLog.open(options);
    expect(wal.pendingRecords).toBe(2);
    const store = new QueueStore(target.client, 'log', ingestBatch, undefined, 'replica-a', ingestBatch);
    const seen: WrittenItem[] = [];
    store.onWritten = (rows) => seen.push(...rows);
    const sink = (rows: SerializedRows) => store.writeSerialized(rows);
    const drain = new LogDrain(wal, { sinks: { spans: sink, items: sink }, windowBytes: 1 << 24, batchBytes: 1 << 22, retryAfterMs: 1000, kick: () => store.kickIngest(), log: createLogger('silent') }, logDir);
    drain.start();
    expect(await drain.flush(30_000)).toBe(true);
    drain.stop();
    await wal.close();
    rmSync(logDir, { recursive: true, force: true });
    expect(await readItems('log')).toEqual(await readItems('json'));
    expect(seen.map((r) => r.item_id).sort()).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    expect(seen.find((r) => r.item_id === 'item-3')!.enqueued_at).toBe(items()[3].enqueued_at);
  });

  it('from the local log, go out with the spans\' batch their record fills, not after the items\' own delay', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'spansift-native-items-kick-'));
    const options = { dir: logDir, maxBytes: 1 << 26, segmentBytes: 1 << 20, memoryBytes: 1 << 24, retryAfterMs: 1000 };
    const wal = await DurableLog.open(options);
    // Neither batch goes out on its timer while the test runs: the items only when the spans' batch kicks them.
    const never = { maxRows: 1000, maxDelayMs: 600_000, concurrency: 1 };
    const queues = new QueueStore(target.client, 'kick', never, undefined, 'replica-a', never);
    const traces = new TraceStore(target.client, { database: 'kick', table: 'otel_traces', maxRows: 3, maxDelayMs: 600_000, concurrency: 1, native: true, onSend: () => queues.kickIngest() });
    const indexed = new Promise<readonly WrittenItem[]>((resolve) => (queues.onWritten = resolve));
    const spans = [0, 1, 2].map((i) => ({ ...spanWith({ i }, `chat ${i}`), spanId: `b7ad6b716920333${i}` }));
    // As the ingest path writes a record: its spans (a full batch of 3), then its items.
    await wal.append([
      { table: 'spans', rows: 3, json: spansToNative(spans, spans.map(() => ({ 'service.name': 'chat-svc' }))), native: true },
      { table: 'items', rows: 2, json: itemsToNative(items().slice(0, 2), 'replica-a'), native: true },
    ]);
    const drain = new LogDrain(wal, { sinks: { spans: (rows) => traces.write(rows), items: (rows) => queues.writeSerialized(rows) }, windowBytes: 1 << 24, batchBytes: 1 << 22, retryAfterMs: 1000, kick: () => traces.kick(), log: createLogger('silent') }, logDir);
    drain.start();
    expect((await indexed).map((r) => r.item_id)).toEqual(['item-0', 'item-1']);
    expect(await drain.flush(30_000)).toBe(true);
    drain.stop();
    await wal.close();
    rmSync(logDir, { recursive: true, force: true });
    const [{ n }] = await (await target.client.query({ query: 'SELECT count() AS n FROM kick.otel_traces', format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(n)).toBe(3);
  }, 20_000);
});
