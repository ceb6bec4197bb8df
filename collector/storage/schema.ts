/**
 * DDL for the spans table in the OpenTelemetry Collector contrib clickhouseexporter
 * layout (`otel_traces`, the `_trace_id_ts` lookup table and its materialized view), so
 * Grafana's ClickHouse data source and existing queries work on spansift's data.
 */
export interface SchemaOptions {
  database: string;
  table: string;
  /** `ON CLUSTER` name; tables become Replicated* and get Distributed fronts. */
  cluster?: string;
  /** Time to live in seconds; 0 keeps data forever. */
  ttlSeconds: number;
  /**
   * The server's `version()`, which picks the index types of `otel_traces` as the
   * clickhouseexporter does (text indexes from 26.2). `migrate` fills it in; without it the
   * layout for older servers is written.
   */
  serverVersion?: string;
}

/** The first ClickHouse version whose `otel_traces` the clickhouseexporter makes with text indexes. */
export const TEXT_INDEX_VERSION: readonly [number, number] = [26, 2];

/** Whether a server of this `version()` text gets the text-index layout. */
export function hasTextIndexes(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > TEXT_INDEX_VERSION[0] || (major === TEXT_INDEX_VERSION[0] && minor >= TEXT_INDEX_VERSION[1]);
}

export function quoteIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** A ClickHouse string literal, for text spansift itself puts in a statement (values a user sends are bound). */
export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** ` ON CLUSTER name` in a cluster, else nothing. */
export function onCluster(o: SchemaOptions): string {
  return o.cluster ? ` ON CLUSTER ${quoteIdent(o.cluster)}` : '';
}

/** A MergeTree-family engine, Replicated in a cluster: `engine(o, 'ReplacingMergeTree', 'keep')`. */
export function engine(o: SchemaOptions, kind: string, args = ''): string {
  return `${o.cluster ? `Replicated${kind}` : kind}(${args})`;
}

/**
 * The TTL clause as the clickhouseexporter writes it: in whole days, hours or minutes when the
 * time to live is a whole number of them, else in seconds; '' when data is kept forever.
 */
export function ttl(o: SchemaOptions, column: string): string {
  return o.ttlSeconds > 0 ? `TTL toDateTime(${column}) + ${ttlInterval(o.ttlSeconds)}` : '';
}

function ttlInterval(seconds: number): string {
  const s = Math.floor(seconds);
  if (s === seconds && s % 86400 === 0) return `toIntervalDay(${s / 86400})`;
  if (s === seconds && s % 3600 === 0) return `toIntervalHour(${s / 3600})`;
  if (s === seconds && s % 60 === 0) return `toIntervalMinute(${s / 60})`;
  return `toIntervalSecond(${s})`;
}

/**
 * In a cluster a table is two: `<name>_local` (Replicated, on every node) holds the data,
 * and `<name>` (Distributed over it, sharded by `shardKey`) is what everything reads and
 * writes, so queries and dashboards keep the single-node names.
 */
export function clustered(o: SchemaOptions, name: string, create: (qualified: string) => string, shardKey: string): string[] {
  const db = quoteIdent(o.database);
  if (!o.cluster) return [create(`${db}.${quoteIdent(name)}`)];
  const local = `${name}_local`;
  return [
    create(`${db}.${quoteIdent(local)}`),
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdent(name)}${onCluster(o)} AS ${db}.${quoteIdent(local)}
ENGINE = Distributed(${quoteIdent(o.cluster)}, ${db}, ${quoteIdent(local)}, ${shardKey})`,
  ];
}

/**
 * `ALTER TABLE` statements for a table made by `clustered`: on the table that holds the
 * rows, and (for column changes) on its Distributed front too, whose columns must match.
 */
export function alterClustered(o: SchemaOptions, name: string, clauses: string[], front: boolean): string[] {
  const db = quoteIdent(o.database);
  const targets = o.cluster ? [`${name}_local`, ...(front ? [name] : [])] : [name];
  return targets.map((t) => `ALTER TABLE ${db}.${quoteIdent(t)}${onCluster(o)} ${clauses.join(', ')}`);
}

/**
 * Columns that say who inserted a row and when, by the server's clock: `replica` (set by
 * the writer) and `inserted_at` (the server's time at insert). A replica reads in what
 * the others wrote since it last looked, without reading its own rows again. Rows older
 * than the columns get time 0.
 */
export function insertTrackingDDL(o: SchemaOptions, name: string): string[] {
  const db = quoteIdent(o.database);
  const local = quoteIdent(o.cluster ? `${name}_local` : name);
  return [
    ...alterClustered(o, name, ["ADD COLUMN IF NOT EXISTS replica LowCardinality(String) DEFAULT ''", 'ADD COLUMN IF NOT EXISTS inserted_at DateTime64(3) DEFAULT toDateTime64(0, 3)'], true),
    // Written into the rows there are, so that the default below applies to new rows only.
    `ALTER TABLE ${db}.${local}${onCluster(o)} MATERIALIZE COLUMN inserted_at SETTINGS mutations_sync = 2`,
    ...alterClustered(o, name, ['MODIFY COLUMN inserted_at DateTime64(3) DEFAULT now64(3)'], true),
    ...alterClustered(o, name, ['ADD INDEX IF NOT EXISTS idx_inserted_at inserted_at TYPE minmax GRANULARITY 1'], false),
  ];
}

/** The table that holds the rows: `<name>_local` in a cluster, else `<name>`. */
export function storageName(o: SchemaOptions, name: string): string {
  return o.cluster ? `${name}_local` : name;
}

export function tracesTableDDL(o: SchemaOptions): string[] {
  return clustered(o, o.table, tracesTableCreate(o), 'cityHash64(TraceId)');
}

const tracesTableCreate = (o: SchemaOptions) => (t: string): string => {
  return `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
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
    ${attributeIndexes(o).map((i) => `INDEX ${i},`).join('\n    ')}
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = ${engine(o, 'MergeTree')}
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
${ttl(o, 'Timestamp')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
};

/**
 * The skipping indexes on the trace id and the attribute maps, by server version as the
 * clickhouseexporter makes them: text indexes from ClickHouse 26.2 (on the `*AttributeItems`
 * `key=value` arrays, where the two `mapValues` bloom filters were before), bloom filters
 * before it.
 */
export function attributeIndexes(o: SchemaOptions): string[] {
  if (hasTextIndexes(o.serverVersion)) {
    return [
      "idx_trace_id TraceId TYPE text(tokenizer = 'array')",
      "idx_res_attr_key mapKeys(ResourceAttributes) TYPE text(tokenizer = 'array')",
      "idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array')",
      "idx_span_attr_key mapKeys(SpanAttributes) TYPE text(tokenizer = 'array')",
      "idx_span_attr_items SpanAttributeItems TYPE text(tokenizer = 'array')",
    ];
  }
  return [
    'idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1',
    'idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  ];
}

export function traceIdTsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, `${o.table}_trace_id_ts`, traceIdTsTableCreate(o), 'cityHash64(TraceId)');
}

/**
 * The trace id lookup table: one row per trace once merged (AggregatingMergeTree keeps the
 * least Start and the greatest End of the rows the view writes for each insert).
 */
export const traceIdTsTableCreate = (o: SchemaOptions) => (t: string): string => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = ${engine(o, 'AggregatingMergeTree')}
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
${ttl(o, 'Start')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

/** In a cluster the view runs on each node, from its local spans into its local lookup table. */
export function traceIdTsViewDDL(o: SchemaOptions): string {
  const db = quoteIdent(o.database);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${quoteIdent(o.table + '_trace_id_ts_mv')}${onCluster(o)}
TO ${db}.${quoteIdent(storageName(o, o.table + '_trace_id_ts'))}
AS SELECT
    TraceId,
    min(Timestamp) as Start,
    max(Timestamp) as End
FROM ${db}.${quoteIdent(storageName(o, o.table))}
WHERE TraceId != ''
GROUP BY TraceId`;
}
