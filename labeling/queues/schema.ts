/**
 * DDL for labeling data: queue items and labels. Items are immutable rows in a
 * ReplacingMergeTree keyed by their derived id, so a retried or replicated insert leaves
 * one item; `keep` makes the earliest copy win, so an item keeps its place in the queue.
 * Labels are append-only: the latest row per (item, labeler, label) counts.
 */
import { clustered, engine, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';

export const ITEMS_TABLE = 'spansift_queue_items';
export const LABELS_TABLE = 'spansift_labels';

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

export function labelsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, LABELS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    queue LowCardinality(String),
    item_id String,
    labeler LowCardinality(String),
    label LowCardinality(String),
    value Nullable(Float64),
    text String,
    reasoning String,
    schema_version UInt32,
    created_at DateTime64(3)
) ENGINE = ${engine(o, 'MergeTree')}
ORDER BY (queue, item_id, labeler, label, created_at)`, 'cityHash64(item_id)');
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
];
