/**
 * DDL for leases: who was given which item, until when. Append-only; a renewal is a new
 * row, a release is a row that expires when written. The rows let another replica (or
 * this one after a restart) know who holds what, and record the order in which each
 * labeler was given items ("item X of N").
 */
import { clustered, engine, insertTrackingDDL, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';

export const LEASES_TABLE = 'spansift_leases';

export function leasesTableDDL(o: SchemaOptions): string[] {
  return clustered(o, LEASES_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    queue LowCardinality(String),
    item_id String,
    labeler LowCardinality(String),
    leased_at DateTime64(3),
    expires_at DateTime64(3),
    INDEX idx_leased_at leased_at TYPE minmax GRANULARITY 1
) ENGINE = ${engine(o, 'MergeTree')}
ORDER BY (queue, labeler, leased_at, item_id)`, 'cityHash64(item_id)');
}

export const LEASE_MIGRATIONS: Migration[] = [
  { version: 5, name: 'leases', statements: (o) => leasesTableDDL(o) },
  { version: 9, name: 'leases: which replica inserted each, and when', statements: (o) => insertTrackingDDL(o, LEASES_TABLE) },
];
