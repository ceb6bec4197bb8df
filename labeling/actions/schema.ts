/**
 * DDL for deliveries: one row per (label event, action), written again at every attempt,
 * so that a restart resumes what was pending and nothing done is done twice. The latest
 * row of a delivery (by `updated_at`) is its state.
 */
import { clustered, engine, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';

export const DELIVERIES_TABLE = 'spansift_deliveries';

export function deliveriesTableDDL(o: SchemaOptions): string[] {
  return clustered(o, DELIVERIES_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    delivery_id String,
    action String,
    kind LowCardinality(String),
    queue LowCardinality(String),
    event_id String,
    event_kind LowCardinality(String),
    item_id String,
    status LowCardinality(String),
    attempts UInt32,
    last_status String,
    first_attempt_at DateTime64(3),
    next_attempt_at DateTime64(3),
    updated_at DateTime64(3),
    INDEX idx_status status TYPE set(8) GRANULARITY 1
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'updated_at')}
ORDER BY delivery_id`, 'cityHash64(delivery_id)');
}

export const ACTION_MIGRATIONS: Migration[] = [{ version: 11, name: 'action deliveries', statements: (o) => deliveriesTableDDL(o) }];
