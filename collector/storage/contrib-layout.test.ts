/**
 * spansift's `otel_traces` is the OpenTelemetry Collector contrib clickhouseexporter's, exactly:
 * each table is created on the embedded engine next to the exporter's own DDL (its templates,
 * rendered as its tests expect them) and `SHOW CREATE TABLE` compared; the values stored for
 * lists, maps and a non-string `service.name` are the ones pdata's AsString (Go's
 * encoding/json) gives; tables made by earlier spansift versions are brought to the layout
 * with their rows kept.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createChdbConnection } from 'chdb/connection';
import { clientOn } from './client.js';
import { migrate, TRACES_MIGRATIONS } from './migrations.js';
import { quoteIdent, traceIdTsTableDDL, traceIdTsViewDDL, tracesTableDDL, ttl, type SchemaOptions } from './schema.js';
import { upgradeTracesLayout } from './upgrade.js';
import { TraceStore } from './traces.js';
import { serializeRows } from './json-rows.js';
import { spanToValues } from './rows.js';
import { attrToString } from '../model/attributes.js';
import { decodeProtobuf } from '../receivers/otlp/decode.js';
import { ExportTraceServiceRequest } from '../../proto/otlp.js';
import { hex } from '../../tests/support/otlp.js';

const client = clientOn(createChdbConnection({ path: ':memory:' }) as never);
afterAll(() => client.close());

async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

/** `SHOW CREATE TABLE` with the database name taken out, so two databases compare. */
async function showCreate(db: string, table: string): Promise<string> {
  const [r] = await rows<{ statement: string }>(`SHOW CREATE TABLE ${quoteIdent(db)}.${quoteIdent(table)}`);
  return r.statement.replaceAll(`${db}.`, '<db>.');
}

// The exporter's traces_table.sql, traces_id_ts_lookup_table.sql and traces_id_ts_lookup_mv.sql
// as it renders them without a cluster (engine MergeTree(), AggregatingMergeTree() for the lookup
// table), with `TTL` from its GenerateTTLExpr.
function contribTraces(db: string, fullTextSearch: boolean, ttlExpr: string): string {
  const indexes = fullTextSearch
    ? `    INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_items SpanAttributeItems TYPE text(tokenizer = 'array'),`
    : `    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,`;
  return `CREATE TABLE IF NOT EXISTS \`${db}\`.\`otel_traces\`  (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
${indexes}
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
TTL toDateTime(Timestamp) + ${ttlExpr}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
`;
}

function contribTraceIdTs(db: string, ttlExpr: string): string {
  return `CREATE TABLE IF NOT EXISTS \`${db}\`.\`otel_traces_trace_id_ts\`  (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = AggregatingMergeTree()
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
TTL toDateTime(Start) + ${ttlExpr}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
`;
}

function contribView(db: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS \`${db}\`.\`otel_traces_trace_id_ts_mv\`
TO \`${db}\`.\`otel_traces_trace_id_ts\`
AS SELECT
    TraceId,
    min(Timestamp) as Start,
    max(Timestamp) as End
FROM \`${db}\`.\`otel_traces\`
WHERE TraceId != ''
GROUP BY TraceId
`;
}

async function createContrib(db: string, fullTextSearch: boolean, ttlExpr: string): Promise<void> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}` });
  for (const query of [contribTraces(db, fullTextSearch, ttlExpr), contribTraceIdTs(db, ttlExpr), contribView(db)]) await client.command({ query });
}

async function expectSameTables(ours: string, contrib: string): Promise<void> {
  for (const t of ['otel_traces', 'otel_traces_trace_id_ts', 'otel_traces_trace_id_ts_mv']) {
    expect(await showCreate(ours, t), t).toBe(await showCreate(contrib, t));
  }
}

const THREE_DAYS = 3 * 86400;

describe('the contrib clickhouseexporter layout', () => {
  it('is the layout chosen by the server version: the embedded engine (26.2 or later) gets text indexes and no mapValues index', async () => {
    const [{ v }] = await rows<{ v: string }>('SELECT version() AS v');
    expect(Number(v.split('.')[0]) * 100 + Number(v.split('.')[1])).toBeGreaterThanOrEqual(2602);
    await migrate(client, { database: 'ours', table: 'otel_traces', ttlSeconds: THREE_DAYS }, TRACES_MIGRATIONS);
    await createContrib('contrib', true, 'toIntervalDay(3)');
    await expectSameTables('ours', 'contrib');
    expect(await showCreate('ours', 'otel_traces')).not.toContain('mapValues');
  });

  it('before ClickHouse 26.2 has the bloom filter indexes, the two on mapValues among them', async () => {
    const o: SchemaOptions = { database: 'ours_old', table: 'otel_traces', ttlSeconds: THREE_DAYS, serverVersion: '25.8.2.29' };
    await client.command({ query: 'CREATE DATABASE ours_old' });
    for (const query of [...tracesTableDDL(o), ...traceIdTsTableDDL(o), traceIdTsViewDDL(o)]) await client.command({ query });
    await createContrib('contrib_old', false, 'toIntervalDay(3)');
    await expectSameTables('ours_old', 'contrib_old');
    expect(await showCreate('ours_old', 'otel_traces')).toContain('INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1');
  });

  it('writes the TTL as the exporter does: in days, hours or minutes when whole, else seconds', async () => {
    const expr = (ttlSeconds: number) => ttl({ database: 'd', table: 't', ttlSeconds }, 'Timestamp');
    expect(expr(72 * 3600)).toBe('TTL toDateTime(Timestamp) + toIntervalDay(3)');
    expect(expr(2 * 3600)).toBe('TTL toDateTime(Timestamp) + toIntervalHour(2)');
    expect(expr(90 * 60)).toBe('TTL toDateTime(Timestamp) + toIntervalMinute(90)');
    expect(expr(90)).toBe('TTL toDateTime(Timestamp) + toIntervalSecond(90)');
    expect(expr(90.5)).toBe('TTL toDateTime(Timestamp) + toIntervalSecond(90)');
    expect(expr(0)).toBe('');
    await migrate(client, { database: 'ours_hours', table: 'otel_traces', ttlSeconds: 7200 }, TRACES_MIGRATIONS);
    await createContrib('contrib_hours', true, 'toIntervalHour(2)');
    await expectSameTables('ours_hours', 'contrib_hours');
  });

  it('keeps one row per trace in the lookup table once merged, with the least Start and the greatest End', async () => {
    const store = new TraceStore(client, { database: 'ours', table: 'otel_traces', maxRows: 100, maxDelayMs: 1, concurrency: 1 });
    const traceId = hex(16);
    const t0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
    for (const offsetS of [0n, 120n, 60n]) {
      const req = ExportTraceServiceRequest.fromObject({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(traceId, 'hex'), spanId: Buffer.from(hex(8), 'hex'), name: 's', startTimeUnixNano: String(t0 + offsetS * 1_000_000_000n), endTimeUnixNano: String(t0 + offsetS * 1_000_000_000n) }] }] }],
      });
      const spans = decodeProtobuf(ExportTraceServiceRequest.encode(req).finish()).spans;
      await store.write(serializeRows(spans.map((s) => spanToValues(s))));
    }
    await client.command({ query: 'OPTIMIZE TABLE ours.otel_traces_trace_id_ts FINAL' });
    const got = await rows<{ Start: string; End: string }>('SELECT toUnixTimestamp(Start) AS Start, toUnixTimestamp(End) AS End FROM ours.otel_traces_trace_id_ts WHERE TraceId = {t:String}', { t: traceId });
    const s0 = Number(t0 / 1_000_000_000n);
    expect(got.map((r) => [Number(r.Start), Number(r.End)])).toEqual([[s0, s0 + 120]]);
  });
});

/** otel_traces as spansift versions before this layout made it: lookup table on MergeTree, bloom filters, TTL in seconds. */
function earlierLayout(db: string): string[] {
  return [
    `CREATE DATABASE ${db}`,
    contribTraces(db, false, 'toIntervalSecond(259200)'),
    `CREATE TABLE ${db}.otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = MergeTree()
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
TTL toDateTime(Start) + toIntervalSecond(259200)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    contribView(db),
  ];
}

describe('tables made by earlier spansift versions', () => {
  it('are brought to the layout of today: lookup table on AggregatingMergeTree with its rows, text indexes, TTL in days', async () => {
    const db = 'upgrade';
    for (const query of earlierLayout(db)) await client.command({ query });
    const o: SchemaOptions = { database: db, table: 'otel_traces', ttlSeconds: THREE_DAYS };
    await migrate(client, o, TRACES_MIGRATIONS.filter((m) => m.version < 13));
    const ids = [hex(16), hex(16)];
    await client.insert({ table: `${db}.otel_traces`, values: ids.map((TraceId, i) => ({ TraceId, SpanId: hex(8), Timestamp: `2030-03-17 17:46:${40 + i}` })), format: 'JSONEachRow' });
    const lookup = () => rows<{ TraceId: string; s: number; e: number }>(`SELECT TraceId, toUnixTimestamp(min(Start)) AS s, toUnixTimestamp(max(End)) AS e FROM ${db}.otel_traces_trace_id_ts GROUP BY TraceId ORDER BY TraceId`);
    const before = await lookup();
    expect(before).toHaveLength(2);

    expect(await migrate(client, o, TRACES_MIGRATIONS)).toEqual([13]);
    await createContrib('contrib_upgrade', true, 'toIntervalDay(3)');
    await expectSameTables(db, 'contrib_upgrade');
    expect(await lookup()).toEqual(before);
    expect(await rows(`SELECT name FROM system.tables WHERE database = '${db}' AND name LIKE '%pre_aggregating%'`)).toEqual([]);

    // The view writes into the new lookup table.
    const late = hex(16);
    await client.insert({ table: `${db}.otel_traces`, values: [{ TraceId: late, SpanId: hex(8), Timestamp: '2030-03-17 17:48:20' }], format: 'JSONEachRow' });
    expect((await lookup()).map((r) => r.TraceId)).toContain(late);
  });

  it('finish a lookup table copy cut short by a crash at the next start', async () => {
    const db = 'upgrade_crash';
    const o: SchemaOptions = { database: db, table: 'otel_traces', ttlSeconds: THREE_DAYS, serverVersion: '26.7' };
    await client.command({ query: `CREATE DATABASE ${db}` });
    for (const query of [...tracesTableDDL(o), ...traceIdTsTableDDL(o), traceIdTsViewDDL(o)]) await client.command({ query });
    // The exchange happened; the old rows, aside, were not copied yet.
    await client.command({ query: `CREATE TABLE ${db}.otel_traces_trace_id_ts_pre_aggregating AS ${db}.otel_traces_trace_id_ts ENGINE = MergeTree() ORDER BY TraceId` });
    await client.command({ query: `INSERT INTO ${db}.otel_traces_trace_id_ts_pre_aggregating VALUES ('t1', 1900000000, 1900000005)` });
    await upgradeTracesLayout(client, o);
    expect(await rows(`SELECT TraceId, toUnixTimestamp(Start) AS s, toUnixTimestamp(End) AS e FROM ${db}.otel_traces_trace_id_ts`)).toEqual([{ TraceId: 't1', s: 1900000000, e: 1900000005 }]);
    expect(await rows(`SELECT name FROM system.tables WHERE database = '${db}' AND name LIKE '%pre_aggregating%'`)).toEqual([]);
  });
});

type AnyValue = Record<string, unknown>;
const kv = (key: string, value: AnyValue) => ({ key, value });
const arr = (...values: AnyValue[]) => ({ arrayValue: { values } });
const kvlist = (...values: { key: string; value: AnyValue }[]) => ({ kvlistValue: { values } });

describe('stored values of lists, maps and service.name', () => {
  it('are what the exporter stores (pdata AsString, Go encoding/json)', async () => {
    const store = new TraceStore(client, { database: 'ours', table: 'otel_traces', maxRows: 100, maxDelayMs: 1, concurrency: 1 });
    const traceId = hex(16);
    const now = String(BigInt(Date.now()) * 1_000_000n);
    const attributes = [
      // Keys sorted by their UTF-8 bytes; < > & escaped as \u003c \u003e \u0026.
      kv('map', kvlist(kv('b', { intValue: 1 }), kv('a', { stringValue: '<x>&' }), kv('😀', { boolValue: true }), kv('\uffff', { stringValue: '' }), kv('é', { doubleValue: 1.5 }), kv('Z', {}))),
      // Integers above 2^53 in every digit.
      kv('big', arr({ intValue: '9007199254740993' }, { intValue: '-9223372036854775808' }, { intValue: 1 })),
      // A NaN or an infinity anywhere: encoding/json fails, AsString gives ''.
      kv('nan', arr({ doubleValue: 1.5 }, { doubleValue: NaN })),
      kv('inf_in_map', kvlist(kv('x', arr({ doubleValue: Infinity })))),
      kv('escapes', arr({ stringValue: '\u2028\u2029' }, { stringValue: '\b\f\n\r\t\u0001\u007f"\\' })),
      kv('mixed', arr({ doubleValue: -0 }, { doubleValue: 1e21 }, { doubleValue: 1e-7 }, { bytesValue: Buffer.from([0xfb, 0xff]) }, {}, arr(), kvlist())),
      kv('neg_zero', { doubleValue: -0 }),
    ];
    const req = ExportTraceServiceRequest.fromObject({
      resourceSpans: [{
        resource: { attributes: [kv('service.name', { intValue: 42 })] },
        scopeSpans: [{ spans: [{ traceId: Buffer.from(traceId, 'hex'), spanId: Buffer.from(hex(8), 'hex'), name: 'values', startTimeUnixNano: now, endTimeUnixNano: now, attributes }] }],
      }],
    });
    const spans = decodeProtobuf(ExportTraceServiceRequest.encode(req).finish()).spans;
    await store.write(serializeRows(spans.map((s) => spanToValues(s))));
    const [row] = await rows<{ ServiceName: string; ResourceAttributes: Record<string, string>; SpanAttributes: Record<string, string> }>(
      'SELECT ServiceName, ResourceAttributes, SpanAttributes FROM ours.otel_traces WHERE TraceId = {t:String}',
      { t: traceId },
    );
    expect(row.ServiceName).toBe('42');
    expect(row.ResourceAttributes).toEqual({ 'service.name': '42' });
    expect(row.SpanAttributes).toEqual({
      map: '{"Z":null,"a":"\\u003cx\\u003e\\u0026","b":1,"é":1.5,"\uffff":"","😀":true}',
      big: '[9007199254740993,-9223372036854775808,1]',
      nan: '',
      inf_in_map: '',
      escapes: '["\\u2028\\u2029","\\b\\f\\n\\r\\t\\u0001\u007f\\"\\\\"]',
      mixed: '[-0,1e+21,1e-7,"+/8=",null,[],{}]',
      neg_zero: '-0',
    });
  });

  it('write a lone surrogate (text cut in a character, from OTLP/JSON) as encoding/json writes bytes that are not UTF-8', () => {
    expect(attrToString(['a\ud800b', '\\ud800', 'x\udc00'])).toBe('["a\\ufffdb","\\\\ud800","x\\ufffd"]');
  });
});
