/**
 * Queue items in ClickHouse: batched inserts from the ingest path, FIFO reads and counts
 * for the API. Reads use FINAL, so an item inserted twice (a retry, a second replica)
 * is one item, in the place of its first insert.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from '../../collector/storage/schema.js';
import { RowWriter, rowsText, serializeRows, type SerializedRows } from '../../collector/storage/json-rows.js';
import { rawInsertOf } from '../../collector/storage/client.js';
import { nativeColumns } from '../../collector/storage/native.js';
import type { Metrics } from '../../collector/metrics.js';
import { ITEMS_TABLE } from './schema.js';
import { LABELS_TABLE } from '../labels/schema.js';
import { ITEM_COLUMNS, ITEM_COLUMN_TYPES, itemsToNative, itemValues, type QueueItemRow } from './items.js';

/** What the next-item index learns of an item once it is stored. */
export type WrittenItem = Pick<QueueItemRow, 'queue' | 'item_id' | 'enqueued_at'>;

const QUEUE = ITEM_COLUMNS.indexOf('queue');
const ITEM_ID = ITEM_COLUMNS.indexOf('item_id');
const ENQUEUED_AT = ITEM_COLUMNS.indexOf('enqueued_at');

/** What the next-item index learns of serialized items: from Native blocks, only the key columns are read. */
function written(rows: SerializedRows): WrittenItem[] {
  if (rows.native) {
    const c = nativeColumns(rows.json as Buffer, ['queue', 'item_id', 'enqueued_at'] as const);
    return c.queue.map((queue, i) => ({ queue: queue as string, item_id: c.item_id[i] as string, enqueued_at: c.enqueued_at[i] as string }));
  }
  const values = JSON.parse(`[${rowsText(rows)}]`) as string[][];
  return values.map((v) => ({ queue: v[QUEUE], item_id: v[ITEM_ID], enqueued_at: v[ENQUEUED_AT] }));
}

export interface QueueCounts {
  total: number;
  completed: number;
  pending: number;
}

export interface StoredItem {
  id: string;
  queue: string;
  enqueuedAt: string;
  source: string;
  rule: string;
  traceId: string;
  spanId: string;
  idempotencyKey: string;
  data: unknown;
  target: unknown;
  metadata: unknown;
}

/** A stored item's place in its queue, as the next-item index needs it. */
export interface ItemKey {
  queue: string;
  item_id: string;
  /** Enqueue time, milliseconds since the epoch. */
  t: number;
}

type Batch = { maxRows: number; maxDelayMs: number; concurrency: number; maxDocumentChars?: number };

export class QueueStore {
  private readonly writer: RowWriter;
  /**
   * Items routed from ingested spans as JSON rows (writeSerialized): batched with the spans'
   * inserts. With the embedded engine only items a log written by an earlier spansift holds.
   */
  private readonly ingestWriter: RowWriter;
  /**
   * The same items as Native blocks (itemsToNative), in batches of their own: where the
   * client is the embedded engine, routed items are serialized so (see serialize).
   */
  private readonly ingestNative: RowWriter | undefined;
  /** Told of every item once it is stored (the next-item index listens). */
  onWritten: ((rows: readonly WrittenItem[]) => void) | undefined;
  private readonly items: string;
  private readonly labels: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    batch: Batch,
    metrics?: Metrics,
    /** This process, as written into each row (other replicas poll for rows not their own). */
    private readonly replica = '',
    /** Batches of the items routed from ingested spans, when they differ from `batch` (drained from the local log). */
    ingest?: Batch,
  ) {
    this.items = `${quoteIdent(database)}.${ITEMS_TABLE}`;
    this.labels = `${quoteIdent(database)}.${LABELS_TABLE}`;
    const writer = (b: Batch, native = false) =>
      new RowWriter(client, {
        ...b,
        table: `${database}.${ITEMS_TABLE}`,
        columns: [...ITEM_COLUMNS, 'replica'],
        types: { ...ITEM_COLUMN_TYPES, replica: 'LowCardinality(String)' },
        native,
        metrics,
        metricsTable: ITEMS_TABLE,
      });
    this.writer = writer(batch);
    this.ingestWriter = ingest ? writer(ingest) : this.writer;
    this.ingestNative = rawInsertOf(client)?.native === true ? writer(ingest ?? batch, true) : undefined;
  }

  get batcher() {
    return this.writer.batcher;
  }

  /** Sends the items routed from ingested spans gathered so far (the spans' batches kick them as they go out). */
  kickIngest(): void {
    this.ingestWriter.batcher.kick();
    this.ingestNative?.batcher.kick();
  }

  /** Sends every pending item now and resolves once none is pending. */
  async flush(): Promise<void> {
    await Promise.all([this.writer.batcher.flush(), this.ingestWriter.batcher.flush(), this.ingestNative?.batcher.flush()]);
  }

  /** Resolves once the items are in ClickHouse. */
  async write(rows: QueueItemRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.writer.write(this.json(rows));
    this.onWritten?.(rows);
  }

  /** Item rows as JSON rows (ITEM_COLUMNS and this replica). */
  private json(rows: QueueItemRow[]): SerializedRows {
    return serializeRows(rows.map((r) => [...itemValues(r), this.replica]));
  }

  /**
   * Items routed at ingest as this store inserts them: a Native block for the embedded
   * engine, else JSON rows (ITEM_COLUMNS and this replica). They are kept in the local log
   * in this form until writeSerialized inserts them.
   */
  serialize(rows: QueueItemRow[]): SerializedRows {
    if (this.ingestNative) return { json: itemsToNative(rows, this.replica), count: rows.length, native: true };
    return this.json(rows);
  }

  /**
   * Resolves once items serialized by `serialize` (kept in the local log meanwhile) are in
   * ClickHouse. Native items a log kept for the embedded engine go to a server as JSON.
   */
  async writeSerialized(rows: SerializedRows): Promise<void> {
    if (rows.count === 0) return;
    if (rows.native && this.ingestNative) await this.ingestNative.write(rows);
    else await this.ingestWriter.write(rows.native ? { json: rowsText(rows), count: rows.count } : rows);
    this.onWritten?.(written(rows));
  }

  /** One item, or undefined when the queue has no item of that id. */
  async get(queue: string, id: string): Promise<StoredItem | undefined> {
    return (await this.getMany(queue, [id])).get(id);
  }

  /** The items of these ids that the queue has, in one query. */
  async getMany(queue: string, ids: string[]): Promise<Map<string, StoredItem>> {
    if (ids.length === 0) return new Map();
    // Items are immutable and every copy of one is the same but for its enqueue time: the
    // earliest copy (largest keep) stands for it, without FINAL.
    const rs = await this.client.query({
      query: `SELECT i.item_id AS item_id, {queue:String} AS queue, toUnixTimestamp64Milli(argMax(i.enqueued_at, i.keep)) AS enqueued_ms,
                     argMax(i.source, i.keep) AS source, argMax(i.rule, i.keep) AS rule, argMax(i.trace_id, i.keep) AS trace_id,
                     argMax(i.span_id, i.keep) AS span_id, argMax(i.idempotency_key, i.keep) AS idempotency_key,
                     argMax(i.payload, i.keep) AS payload, argMax(i.target, i.keep) AS target, argMax(i.metadata, i.keep) AS metadata
              FROM ${this.items} AS i WHERE i.queue = {queue:String} AND i.item_id IN {ids:Array(String)}
              GROUP BY i.item_id`,
      query_params: { queue, ids },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string>>();
    return new Map(rows.map((r) => [r.item_id, toItem(r)]));
  }

  /** Every item of these queues, in FIFO order per queue, streamed in pages. */
  async *keys(queues: string[]): AsyncGenerator<ItemKey[]> {
    if (queues.length === 0) return;
    const rs = await this.client.query({
      query: `SELECT queue, item_id, toUnixTimestamp64Milli(enqueued_at) AS t
              FROM ${this.items} FINAL WHERE queue IN {queues:Array(String)}
              ORDER BY queue, enqueued_at, item_id`,
      query_params: { queues },
      format: 'JSONCompactEachRow',
    });
    let page: ItemKey[] = [];
    for await (const rows of rs.stream<[string, string, string]>()) {
      for (const row of rows) {
        const [queue, item_id, t] = row.json();
        page.push({ queue, item_id, t: Number(t) });
      }
      if (page.length >= 10_000) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }

  /** The storage server's clock, in milliseconds: polls compare `inserted_at` with it. */
  async serverNow(): Promise<number> {
    const rs = await this.client.query({ query: 'SELECT toUnixTimestamp64Milli(now64(3)) AS now', format: 'JSONEachRow' });
    return Number((await rs.json<{ now: string }>())[0].now);
  }

  /** Items other replicas inserted since `sinceMs` (server time), for polling. */
  async keysSince(sinceMs: number): Promise<ItemKey[]> {
    const rs = await this.client.query({
      query: `SELECT queue, item_id, toUnixTimestamp64Milli(enqueued_at) AS t FROM ${this.items}
              WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}) AND replica != {replica:String}`,
      query_params: { since: sinceMs, replica: this.replica },
      format: 'JSONEachRow',
    });
    return (await rs.json<{ queue: string; item_id: string; t: string }>()).map((r) => ({ ...r, t: Number(r.t) }));
  }

  /** Counts per queue; an item is completed when `labelersPerItem` different labelers labeled it. */
  async counts(labelersPerItem: Record<string, number>): Promise<Record<string, QueueCounts>> {
    const names = Object.keys(labelersPerItem);
    const out: Record<string, QueueCounts> = {};
    for (const n of names) out[n] = { total: 0, completed: 0, pending: 0 };
    if (names.length === 0) return out;
    const rs = await this.client.query({
      query: `
        SELECT i.queue AS queue, count() AS total,
               countIf(ifNull(l.labelers, 0) >= arrayElement({needed:Array(UInt32)}, indexOf({queues:Array(String)}, i.queue))) AS completed
        FROM (SELECT DISTINCT queue, item_id FROM ${this.items} FINAL WHERE queue IN {queues:Array(String)}) AS i
        LEFT JOIN (
          SELECT queue, item_id, uniqExact(labeler) AS labelers FROM ${this.labels}
          WHERE queue IN {queues:Array(String)} GROUP BY queue, item_id
        ) AS l ON l.queue = i.queue AND l.item_id = i.item_id
        GROUP BY i.queue`,
      query_params: { queues: names, needed: names.map((n) => labelersPerItem[n]) },
      format: 'JSONEachRow',
    });
    for (const r of await rs.json<{ queue: string; total: string | number; completed: string | number }>()) {
      out[r.queue] = { total: Number(r.total), completed: Number(r.completed), pending: Number(r.total) - Number(r.completed) };
    }
    return out;
  }

  /** The item at FIFO position `position` (0-based, by enqueue time then id) and the queue's total. */
  async itemAt(queue: string, position: number): Promise<{ item: StoredItem | undefined; total: number }> {
    const rs = await this.client.query({
      query: `
        SELECT *, count() OVER () AS total FROM (
          SELECT item_id, queue, enqueued_at, toUnixTimestamp64Milli(enqueued_at) AS enqueued_ms, source, rule, trace_id, span_id,
                 idempotency_key, payload, target, metadata
          FROM ${this.items} FINAL WHERE queue = {queue:String}
        )
        ORDER BY enqueued_at, item_id
        LIMIT 1 OFFSET {position:UInt64}`,
      query_params: { queue, position },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string>>();
    if (rows.length === 0) return { item: undefined, total: await this.total(queue) };
    return { item: toItem(rows[0]), total: Number(rows[0].total) };
  }

  async total(queue: string): Promise<number> {
    const rs = await this.client.query({
      query: `SELECT count() AS n FROM ${this.items} FINAL WHERE queue = {queue:String}`,
      query_params: { queue },
      format: 'JSONEachRow',
    });
    return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
  }

  /** How many items of these ids exist (across all queues). */
  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rs = await this.client.query({
      query: `SELECT DISTINCT item_id FROM ${this.items} WHERE item_id IN {ids:Array(String)}`,
      query_params: { ids },
      format: 'JSONEachRow',
    });
    return new Set((await rs.json<{ item_id: string }>()).map((r) => r.item_id));
  }
}

function toItem(r: Record<string, string>): StoredItem {
  return {
    id: r.item_id,
    queue: r.queue,
    // RFC 3339 in UTC, whatever the server's time zone.
    enqueuedAt: new Date(Number(r.enqueued_ms)).toISOString(),
    source: r.source,
    rule: r.rule,
    traceId: r.trace_id,
    spanId: r.span_id,
    idempotencyKey: r.idempotency_key,
    data: JSON.parse(r.payload),
    target: JSON.parse(r.target),
    metadata: JSON.parse(r.metadata),
  };
}
