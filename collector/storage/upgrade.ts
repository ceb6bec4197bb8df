/**
 * Bringing `otel_traces` tables made by earlier spansift versions to the clickhouseexporter's
 * layout of today, where that is safe with the data in them:
 *
 * - the `_trace_id_ts` lookup table on a single node moves to AggregatingMergeTree: a new
 *   table takes its name at once (EXCHANGE TABLES, so the view never writes to a missing
 *   table) and the old rows are copied in after it. A copy interrupted by a crash is finished
 *   at the next start; a row copied twice changes nothing, since readers take min(Start) and
 *   max(End). In a cluster the lookup table is left as it is (the exchange would not be one
 *   step across the nodes), and so is a database that cannot exchange tables (Ordinary).
 * - on ClickHouse 26.2 and later the bloom filter indexes on the trace id and the attribute
 *   maps become text indexes (the two on `mapValues` go, `*AttributeItems` get one each),
 *   built for the stored parts by a background mutation; queries stay correct while it runs.
 * - a TTL in seconds is written again in the exporter's unit (days, hours or minutes) for the
 *   same length of time, without rewriting any part.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { alterClustered, attributeIndexes, hasTextIndexes, quoteIdent, storageName, traceIdTsTableCreate, ttl, type SchemaOptions } from './schema.js';

async function rows<T>(client: ClickHouseClient, query: string, query_params: Record<string, unknown>): Promise<T[]> {
  return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

async function tableInfo(client: ClickHouseClient, database: string, name: string): Promise<{ engine: string; create_table_query: string } | undefined> {
  const [t] = await rows<{ engine: string; create_table_query: string }>(
    client,
    'SELECT engine, create_table_query FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    { db: database, t: name },
  );
  return t;
}

export async function upgradeTracesLayout(client: ClickHouseClient, o: SchemaOptions): Promise<void> {
  if (!o.cluster) await lookupToAggregating(client, o);
  if (hasTextIndexes(o.serverVersion)) await textIndexes(client, o);
  await ttlUnits(client, o, o.table, 'Timestamp');
  await ttlUnits(client, o, `${o.table}_trace_id_ts`, 'Start');
}

async function lookupToAggregating(client: ClickHouseClient, o: SchemaOptions): Promise<void> {
  const db = quoteIdent(o.database);
  const name = `${o.table}_trace_id_ts`;
  const aside = `${name}_pre_aggregating`;
  const cur = await tableInfo(client, o.database, name);
  if (cur?.engine === 'MergeTree') {
    await client.command({ query: traceIdTsTableCreate(o)(`${db}.${quoteIdent(aside)}`) });
    try {
      await client.command({ query: `EXCHANGE TABLES ${db}.${quoteIdent(name)} AND ${db}.${quoteIdent(aside)}` });
    } catch {
      // A database that cannot exchange tables keeps its lookup table as it is.
      await client.command({ query: `DROP TABLE IF EXISTS ${db}.${quoteIdent(aside)}` });
      return;
    }
  }
  // The old rows, now aside, go into the new table (again, if a crash cut the last copy short).
  if ((await tableInfo(client, o.database, aside))?.engine === 'MergeTree') {
    await client.command({ query: `INSERT INTO ${db}.${quoteIdent(name)} (TraceId, Start, End) SELECT TraceId, Start, End FROM ${db}.${quoteIdent(aside)}` });
    await client.command({ query: `DROP TABLE ${db}.${quoteIdent(aside)}` });
  }
}

const BLOOM_INDEXES = ['idx_trace_id', 'idx_res_attr_key', 'idx_res_attr_value', 'idx_span_attr_key', 'idx_span_attr_value'];

async function textIndexes(client: ClickHouseClient, o: SchemaOptions): Promise<void> {
  const found = await rows<{ name: string; type: string }>(
    client,
    'SELECT name, type FROM system.data_skipping_indices WHERE database = {db:String} AND table = {t:String}',
    { db: o.database, t: storageName(o, o.table) },
  );
  if (!found.some((i) => BLOOM_INDEXES.includes(i.name) && i.type === 'bloom_filter')) return;
  for (const query of textIndexStatements(o, found.map((i) => i.name))) await client.command({ query });
}

/**
 * The ALTERs from the bloom filter indexes to the text indexes, given the index names the
 * table has: drop the five, add the text ones in the exporter's order (first in the table,
 * each after the one before), and build them for the stored parts.
 */
export function textIndexStatements(o: SchemaOptions, present: string[]): string[] {
  const drop = BLOOM_INDEXES.filter((n) => present.includes(n)).map((n) => `DROP INDEX IF EXISTS ${n}`);
  const defs = attributeIndexes(o);
  const add = defs.map((def, i) => `ADD INDEX IF NOT EXISTS ${def} ${i === 0 ? 'FIRST' : `AFTER ${indexName(defs[i - 1])}`}`);
  return [
    ...alterClustered(o, o.table, drop, false),
    ...alterClustered(o, o.table, add, false),
    ...defs.flatMap((def) => alterClustered(o, o.table, [`MATERIALIZE INDEX ${indexName(def)}`], false)),
  ];
}

const indexName = (def: string) => def.split(' ')[0];

async function ttlUnits(client: ClickHouseClient, o: SchemaOptions, name: string, column: string): Promise<void> {
  if (!(o.ttlSeconds > 0)) return;
  const t = await tableInfo(client, o.database, storageName(o, name));
  const want = ttl(o, column);
  if (!t || !t.create_table_query.includes(`TTL toDateTime(${column}) + toIntervalSecond(`) || t.create_table_query.includes(want)) return;
  for (const query of ttlStatements(o, name, column)) await client.command({ query });
}

/** The TTL written again in the exporter's unit, without rewriting any part. */
export function ttlStatements(o: SchemaOptions, name: string, column: string): string[] {
  return alterClustered(o, name, [`MODIFY ${ttl(o, column)}`], false).map((s) => `${s} SETTINGS materialize_ttl_after_modify = 0`);
}
