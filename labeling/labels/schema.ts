/**
 * DDL for labels and their events. Labels are append-only: every save is a new version of
 * one labeler's labels on one item (a row per label, all with the version's number), and
 * the latest version counts; history stays. Events record an item's completion exactly
 * once (a derived id folded by ReplacingMergeTree) and every later change.
 */
import { alterClustered, clustered, engine, insertTrackingDDL, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';

export const LABELS_TABLE = 'spansift_labels';
export const EVENTS_TABLE = 'spansift_label_events';

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

export function eventsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, EVENTS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    queue LowCardinality(String),
    event_id String,
    item_id String,
    kind LowCardinality(String),
    labeler LowCardinality(String),
    labelers Array(String),
    version UInt64,
    created_at DateTime64(3),
    keep UInt64,
    INDEX idx_created_at created_at TYPE minmax GRANULARITY 1
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'keep')}
ORDER BY (queue, event_id)`, 'cityHash64(item_id)');
}

export const LABEL_MIGRATIONS: Migration[] = [
  {
    version: 4,
    name: 'labels: state, version and type of each row; label events',
    statements: (o) => [
      ...alterClustered(
        o,
        LABELS_TABLE,
        [
          "ADD COLUMN IF NOT EXISTS state LowCardinality(String) DEFAULT 'submitted'",
          'ADD COLUMN IF NOT EXISTS version UInt64 DEFAULT toUnixTimestamp64Milli(created_at)',
          "ADD COLUMN IF NOT EXISTS type LowCardinality(String) DEFAULT ''",
        ],
        true,
      ),
      ...alterClustered(o, LABELS_TABLE, ['ADD INDEX IF NOT EXISTS idx_created_at created_at TYPE minmax GRANULARITY 1'], false),
      ...eventsTableDDL(o),
    ],
  },
  { version: 8, name: 'labels: which replica inserted each, and when', statements: (o) => insertTrackingDDL(o, LABELS_TABLE) },
];
