/**
 * Versioned schema migrations, run at every start. Each statement is idempotent
 * (IF NOT EXISTS) and each applied version is recorded, so replicas starting together
 * and restarts after a crash converge on the same schema.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent, traceIdTsTableDDL, traceIdTsViewDDL, tracesTableDDL, type SchemaOptions } from './schema.js';
import { itemsTableDDL, labelsTableDDL } from '../queues/schema.js';

export interface Migration {
  version: number;
  name: string;
  statements: (o: SchemaOptions) => string[];
}

/** Append only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'otel_traces in the clickhouseexporter layout',
    statements: (o) => [...tracesTableDDL(o), ...traceIdTsTableDDL(o), traceIdTsViewDDL(o)],
  },
  {
    version: 2,
    name: 'labeling queue items and labels',
    statements: (o) => [...itemsTableDDL(o), ...labelsTableDDL(o)],
  },
];

const LEDGER = 'spansift_schema_migrations';

export async function migrate(client: ClickHouseClient, o: SchemaOptions, migrations = MIGRATIONS): Promise<number[]> {
  const db = quoteIdent(o.database);
  const cluster = o.cluster ? ` ON CLUSTER ${quoteIdent(o.cluster)}` : '';
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}${cluster}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.${LEDGER}${cluster} (
      version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)
    ) ENGINE = ${o.cluster ? 'ReplicatedReplacingMergeTree' : 'ReplacingMergeTree'} ORDER BY version`,
  });
  const rs = await client.query({ query: `SELECT DISTINCT version FROM ${db}.${LEDGER}`, format: 'JSONEachRow' });
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    for (const query of m.statements(o)) await client.command({ query });
    await client.insert({ table: `${o.database}.${LEDGER}`, values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    applied.push(m.version);
  }
  return applied;
}
