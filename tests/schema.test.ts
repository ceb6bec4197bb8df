/**
 * The schema: otel_traces has the clickhouseexporter's columns and types, migrations are
 * idempotent, and the cluster DDL is accepted by ClickHouse's own parser with every table
 * Replicated, every statement ON CLUSTER and the public names on Distributed tables.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { migrate } from '../collector/storage/migrations.js';
import { textIndexStatements, ttlStatements } from '../collector/storage/upgrade.js';
import { MIGRATIONS } from '../cli/migrations.js';
import { TRACE_COLUMNS, TRACE_COLUMN_TYPES } from '../collector/storage/rows.js';
import { ITEM_COLUMNS, ITEM_COLUMN_TYPES } from '../labeling/queues/items.js';

const client = createClient({ connection: createChdbConnection({ path: ':memory:' }) as never });
afterAll(() => client.close());

const EXPORTER_COLUMNS: [string, string][] = [
  ['Timestamp', "DateTime64(9)"],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', 'LowCardinality(String)'],
  ['SpanKind', 'LowCardinality(String)'],
  ['ServiceName', 'LowCardinality(String)'],
  ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', 'Map(LowCardinality(String), String)'],
  ['Duration', 'UInt64'],
  ['StatusCode', 'LowCardinality(String)'],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', 'Array(LowCardinality(String))'],
  ['Events.Attributes', 'Array(Map(LowCardinality(String), String))'],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', 'Array(Map(LowCardinality(String), String))'],
  ['ResourceAttributeItems', 'Array(String)'],
  ['SpanAttributeItems', 'Array(String)'],
];

async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

describe('schema', () => {
  it('creates otel_traces with the clickhouseexporter columns, keys and lookup table, once', async () => {
    const o = { database: 'single', table: 'otel_traces', ttlSeconds: 86400 * 3 };
    expect(await migrate(client, o, MIGRATIONS)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(client, o, MIGRATIONS)).toEqual([]);
    const cols = await rows<{ name: string; type: string }>('SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position', { db: 'single', t: 'otel_traces' });
    expect(cols.map((c) => [c.name, c.type])).toEqual(EXPORTER_COLUMNS);
    // The types spansift declares in each insert's JSONCompact `meta` are the table's.
    expect(TRACE_COLUMNS.map((c) => [c, TRACE_COLUMN_TYPES[c]])).toEqual(EXPORTER_COLUMNS.filter(([c]) => (TRACE_COLUMNS as readonly string[]).includes(c)));
    const [t] = await rows<{ partition_key: string; sorting_key: string; primary_key: string; engine: string; create_table_query: string }>(
      'SELECT partition_key, sorting_key, primary_key, engine, create_table_query FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      { db: 'single', t: 'otel_traces' },
    );
    expect(t.engine).toBe('MergeTree');
    expect(t.partition_key).toBe('toDate(Timestamp)');
    expect(t.sorting_key).toBe('ServiceName, SpanName, toDateTime(Timestamp), Timestamp');
    expect(t.primary_key).toBe('ServiceName, SpanName, toDateTime(Timestamp)');
    expect(t.create_table_query).toContain('TTL toDateTime(Timestamp) + toIntervalDay(3)');
    // The embedded engine is ClickHouse 26.2 or later: text indexes, none on mapValues.
    const indexes = await rows<{ name: string }>('SELECT name FROM system.data_skipping_indices WHERE database = {db:String} AND table = {t:String} ORDER BY name', { db: 'single', t: 'otel_traces' });
    expect(indexes.map((i) => i.name)).toEqual(['idx_duration', 'idx_lower_span_name', 'idx_res_attr_items', 'idx_res_attr_key', 'idx_span_attr_items', 'idx_span_attr_key', 'idx_trace_id']);
    const tables = await rows<{ name: string; engine: string }>('SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name', { db: 'single' });
    expect(tables).toEqual([
      { name: 'otel_traces', engine: 'MergeTree' },
      { name: 'otel_traces_trace_id_ts', engine: 'AggregatingMergeTree' },
      { name: 'otel_traces_trace_id_ts_mv', engine: 'MaterializedView' },
      { name: 'spansift_dataset_items', engine: 'ReplacingMergeTree' },
      { name: 'spansift_datasets', engine: 'ReplacingMergeTree' },
      { name: 'spansift_deliveries', engine: 'ReplacingMergeTree' },
      { name: 'spansift_eval_datapoints', engine: 'ReplacingMergeTree' },
      { name: 'spansift_eval_queues', engine: 'ReplacingMergeTree' },
      { name: 'spansift_eval_scores', engine: 'ReplacingMergeTree' },
      { name: 'spansift_evaluations', engine: 'ReplacingMergeTree' },
      { name: 'spansift_label_events', engine: 'ReplacingMergeTree' },
      { name: 'spansift_labels', engine: 'MergeTree' },
      { name: 'spansift_leases', engine: 'MergeTree' },
      { name: 'spansift_queue_items', engine: 'ReplacingMergeTree' },
      { name: 'spansift_schema_migrations', engine: 'ReplacingMergeTree' },
      { name: 'spansift_sessions', engine: 'ReplacingMergeTree' },
    ]);
    // The item types spansift declares in its inserts' JSONCompact `meta` are the table's.
    const itemCols = await rows<{ name: string; type: string }>('SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position', { db: 'single', t: 'spansift_queue_items' });
    expect(itemCols.map((c) => [c.name, c.type])).toEqual([
      ...ITEM_COLUMNS.map((c) => [c, ITEM_COLUMN_TYPES[c]]),
      ['replica', 'LowCardinality(String)'],
      ['inserted_at', "DateTime64(3)"],
    ]);
  });

  it('writes cluster DDL that ClickHouse parses: Replicated local tables, Distributed public names, ON CLUSTER', async () => {
    const o = { database: 'prod', table: 'otel_traces', cluster: 'my cluster', ttlSeconds: 0 };
    const statements = MIGRATIONS.flatMap((m) => m.statements(o));
    for (const q of statements) {
      const [{ f }] = await rows<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q });
      expect(f).toContain("ON CLUSTER `my cluster`");
      // Columns are added to the Distributed front as well as the table under it; indexes only below.
      if (q.startsWith('ALTER TABLE') && q.includes('ADD INDEX')) expect(q).toMatch(/^ALTER TABLE `prod`\.`[a-z_]+_local`/);
    }
    const creates = statements.filter((q) => q.startsWith('CREATE TABLE'));
    const distributed = creates.filter((q) => q.includes('Distributed('));
    const local = creates.filter((q) => !q.includes('Distributed('));
    expect(distributed.map((q) => /`prod`\.`([^`]+)`/.exec(q)![1]).sort()).toEqual([
      'otel_traces', 'otel_traces_trace_id_ts', 'spansift_dataset_items', 'spansift_datasets', 'spansift_deliveries', 'spansift_eval_datapoints', 'spansift_eval_queues',
      'spansift_eval_scores', 'spansift_evaluations', 'spansift_label_events', 'spansift_labels', 'spansift_leases', 'spansift_queue_items', 'spansift_sessions',
    ]);
    for (const q of local) expect(q).toMatch(/ENGINE = Replicated/);
    expect(statements.find((q) => q.includes('MATERIALIZED VIEW'))).toMatch(/TO `prod`\.`otel_traces_trace_id_ts_local`[\s\S]*FROM `prod`\.`otel_traces_local`/);
    expect(creates.find((q) => q.includes('`otel_traces_trace_id_ts_local`'))).toContain('ENGINE = ReplicatedAggregatingMergeTree()');

    // What migration 13 alters on tables made before: on the tables that hold the rows.
    const o26 = { ...o, serverVersion: '26.2.1.1', ttlSeconds: 86400 };
    const upgrades = [...textIndexStatements(o26, ['idx_trace_id', 'idx_res_attr_value']), ...ttlStatements(o26, 'otel_traces', 'Timestamp'), ...ttlStatements(o26, 'otel_traces_trace_id_ts', 'Start')];
    for (const q of upgrades) {
      const [{ f }] = await rows<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q });
      expect(f).toMatch(/^ALTER TABLE prod\.otel_traces(_trace_id_ts)?_local ON CLUSTER `my cluster`/);
    }
    expect(upgrades.join('\n')).toContain('ADD INDEX IF NOT EXISTS idx_span_attr_items SpanAttributeItems TYPE text(tokenizer = \'array\') AFTER idx_span_attr_key');
  });

  it('marks rows stored before the insert-tracking columns with time 0, and new rows with the server time', async () => {
    const o = { database: 'upgrade', table: 'otel_traces', ttlSeconds: 0 };
    await migrate(client, o, MIGRATIONS.filter((m) => m.version < 7));
    await client.command({ query: "INSERT INTO upgrade.spansift_queue_items (queue, item_id) VALUES ('q', 'old')" });
    expect(await migrate(client, o, MIGRATIONS)).toEqual(MIGRATIONS.filter((m) => m.version >= 7).map((m) => m.version));
    await client.command({ query: "INSERT INTO upgrade.spansift_queue_items (queue, item_id, replica) VALUES ('q', 'new', 'r1')" });
    const got = await rows<{ item_id: string; replica: string; age: string }>(
      'SELECT item_id, replica, dateDiff(\'second\', inserted_at, now64(3)) AS age FROM upgrade.spansift_queue_items ORDER BY item_id',
    );
    expect(got.map((r) => [r.item_id, r.replica])).toEqual([['new', 'r1'], ['old', '']]);
    expect(Number(got[0].age)).toBeLessThan(60);
    expect(Number(got[1].age)).toBeGreaterThan(50 * 365 * 86400);
  });
});
