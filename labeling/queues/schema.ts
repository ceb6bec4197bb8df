/**
 * DDL for queue items. Items are immutable rows in a ReplacingMergeTree keyed by their
 * derived id, so a retried or replicated insert leaves one item; `keep` makes the
 * earliest copy win, so an item keeps its place in the queue.
 */
import { alterClustered, clustered, engine, insertTrackingDDL, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';
import { labelsTableDDL } from '../labels/schema.js';

export const ITEMS_TABLE = 'spansift_queue_items';

/** Sharded by item id, so every copy of an item lands on one shard and FINAL folds them. */
export function itemsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, ITEMS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    queue LowCardinality(String),
    item_id String,
    enqueued_at DateTime64(3),
    source LowCardinality(String),
    rule String,
    trace_id String,
    span_id String,
    idempotency_key String,
    payload String CODEC(ZSTD(1)),
    target String CODEC(ZSTD(1)),
    metadata String CODEC(ZSTD(1)),
    keep UInt64
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'keep')}
ORDER BY (queue, item_id)`, 'cityHash64(item_id)');
}

/** Larger wins in ReplacingMergeTree: the earliest enqueue time gives the largest value. */
export function keepFor(enqueuedMs: number): string {
  return String(2 ** 52 - enqueuedMs);
}

export const QUEUE_MIGRATIONS: Migration[] = [
  {
    version: 2,
    name: 'labeling queue items and labels',
    statements: (o) => [...itemsTableDDL(o), ...labelsTableDDL(o)],
  },
  {
    version: 3,
    // Items written by other replicas are read in by enqueue time.
    name: 'queue items: an index on enqueue time',
    statements: (o) => alterClustered(o, ITEMS_TABLE, ['ADD INDEX IF NOT EXISTS idx_enqueued_at enqueued_at TYPE minmax GRANULARITY 1'], false),
  },
  { version: 7, name: 'queue items: which replica inserted each, and when', statements: (o) => insertTrackingDDL(o, ITEMS_TABLE) },
];
