/**
 * Versioned schema migrations, run at every start. Each statement is idempotent
 * (IF NOT EXISTS) and each applied version is recorded, so replicas starting together
 * and restarts after a crash converge on the same schema. Each part owns its tables and
 * hands its migrations in (the spans table's are here; the wiring gathers the rest).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent, traceIdTsTableDDL, traceIdTsViewDDL, tracesTableDDL, type SchemaOptions } from './schema.js';
import { upgradeTracesLayout } from './upgrade.js';

export interface Migration {
  version: number;
  name: string;
  statements: (o: SchemaOptions) => string[];
  /** Steps that depend on what the tables hold now, run after `statements`. */
  apply?: (client: ClickHouseClient, o: SchemaOptions) => Promise<void>;
}

/**
 * Versions are one sequence across every part; append only: a released migration is
 * never edited, a change is a new version.
 */
export const TRACES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'otel_traces in the clickhouseexporter layout',
    statements: (o) => [...tracesTableDDL(o), ...traceIdTsTableDDL(o), traceIdTsViewDDL(o)],
  },
  {
    version: 13,
    name: 'otel_traces as the clickhouseexporter makes it today: AggregatingMergeTree lookup table, indexes by server version, TTL in days/hours/minutes',
    statements: () => [],
    apply: upgradeTracesLayout,
  },
];

const LEDGER = 'spansift_schema_migrations';

/** Applies, in version order, the migrations not yet recorded; returns their versions. */
export async function migrate(client: ClickHouseClient, o: SchemaOptions, migrations: readonly Migration[]): Promise<number[]> {
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error(`two migrations share a version: ${versions.join(', ')}`);
  migrations = [...migrations].sort((a, b) => a.version - b.version);
  if (o.serverVersion === undefined) {
    const rs = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    o = { ...o, serverVersion: (await rs.json<{ v: string }>())[0]?.v ?? '' };
  }
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
    await m.apply?.(client, o);
    await client.insert({ table: `${o.database}.${LEDGER}`, values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    applied.push(m.version);
  }
  return applied;
}
