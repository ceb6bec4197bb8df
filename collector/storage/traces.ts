/**
 * The spans table: batched inserts for ingest, and the reads of spans (a trace, a search).
 *
 * Every read folds duplicates: one span per (TraceId, SpanId). The table is the contrib
 * exporter's plain MergeTree, which keeps every row it is given, and a request that was
 * stored but whose answer never reached the client (spansift killed in between, a
 * connection cut) is sent again by the client and stored again. The copies are the same
 * span, written from the same request, so any one of them stands for it.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from './schema.js';
import { TRACE_COLUMNS, TRACE_COLUMN_TYPES } from './rows.js';
import { RowWriter, rowsText, type RowWriterOptions, type SerializedRows } from './json-rows.js';
import type { Metrics } from '../metrics.js';
import { SPAN_COLUMNS, toStoredSpan, type StoredSpan, type SpanRow } from './stored-span.js';

/**
 * A search's condition: a WHERE clause with its bound parameters, and, when the clause is
 * only a prefilter (a condition ClickHouse cannot express exactly), the check every row it
 * reads must pass.
 */
export interface SpanWhere {
  sql: string;
  params: Record<string, string>;
  keep?: (span: StoredSpan) => boolean;
}

export interface TraceStoreOptions {
  database: string;
  table: string;
  maxRows: number;
  maxDelayMs: number;
  concurrency: number;
  metrics?: Metrics;
  onSend?: () => void;
  /** Largest document one insert sends, in characters (see RowWriter). */
  maxDocumentChars?: number;
  /** Native rows go into ClickHouse as they are (the embedded engine); else they are sent as JSON. */
  native?: boolean;
}

export class TraceStore {
  private readonly writer: RowWriter;
  /** Native rows, in batches of their own. */
  private readonly nativeWriter: RowWriter | undefined;
  private readonly qualified: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly o: TraceStoreOptions,
  ) {
    this.qualified = `${quoteIdent(o.database)}.${quoteIdent(o.table)}`;
    const writer: RowWriterOptions = {
      table: `${o.database}.${o.table}`,
      columns: TRACE_COLUMNS,
      types: TRACE_COLUMN_TYPES,
      maxRows: o.maxRows,
      maxDelayMs: o.maxDelayMs,
      concurrency: o.concurrency,
      maxDocumentChars: o.maxDocumentChars,
      onSend: o.onSend,
      metrics: o.metrics,
      metricsTable: o.table,
    };
    this.writer = new RowWriter(client, writer);
    this.nativeWriter = o.native ? new RowWriter(client, { ...writer, native: true }) : undefined;
  }

  /** Sends what the batches have gathered, as soon as an insert slot is free. */
  kick(): void {
    this.writer.batcher.kick();
    this.nativeWriter?.batcher.kick();
  }

  /** Sends everything gathered; resolves once no insert runs (see Batcher.flush). */
  async flush(): Promise<void> {
    await Promise.all([this.writer.batcher.flush(), this.nativeWriter?.batcher.flush()]);
  }

  /** Resolves once the rows (serializeRows of spanToValues, or spansToNative) are in ClickHouse. */
  async write(rows: SerializedRows): Promise<void> {
    if (!rows.native) return this.writer.write(rows);
    if (this.nativeWriter) return this.nativeWriter.write(rows);
    // Rows the local log holds in Native form for the embedded engine, after a change to a server.
    return this.writer.write({ json: rowsText(rows), count: rows.count });
  }

  /**
   * A trace's spans, each once. The lookup table bounds the time range read, as Grafana's
   * ClickHouse plugin does. It is written by a materialized view in the same insert, but an
   * insert cut short by a crash can leave spans without their lookup row (the spans' part
   * written, the view's not, and the export never retried); when the bounded read finds
   * nothing, the spans are read by TraceId alone, so a span that search shows always opens.
   */
  async getTrace(traceId: string): Promise<StoredSpan[]> {
    const lookup = `${quoteIdent(this.o.database)}.${quoteIdent(this.o.table + '_trace_id_ts')}`;
    const bounded = await this.traceRows(
      `WITH
          (SELECT min(Start) FROM ${lookup} WHERE TraceId = {traceId:String}) AS trace_start,
          (SELECT max(End) + 1 FROM ${lookup} WHERE TraceId = {traceId:String}) AS trace_end`,
      'AND Timestamp >= trace_start AND Timestamp <= trace_end',
      traceId,
    );
    return bounded.length > 0 ? bounded : this.traceRows('', '', traceId);
  }

  private async traceRows(withClause: string, bounds: string, traceId: string): Promise<StoredSpan[]> {
    const rs = await this.client.query({
      query: `
        ${withClause}
        SELECT ${SPAN_COLUMNS}
        FROM ${this.qualified}
        WHERE TraceId = {traceId:String} ${bounds}
        ORDER BY Timestamp, SpanId
        LIMIT 1 BY SpanId`,
      query_params: { traceId },
      format: 'JSONEachRow',
    });
    return (await rs.json<SpanRow>()).map(toStoredSpan);
  }

  /**
   * Spans matching a compiled condition between two times (nanoseconds), newest first,
   * each span once. The condition's SQL binds every value as a parameter.
   *
   * The fold is done here rather than with LIMIT 1 BY in SQL: LIMIT BY between ORDER BY
   * and LIMIT makes ClickHouse sort every matching row instead of keeping the newest
   * `limit` (see README "Storage": seconds instead of milliseconds on a million spans).
   * The first query is the one without a fold. Only when copies leave fewer than `limit`
   * spans from a full answer does another query read on from the oldest time read, for
   * just the spans missing: a small LIMIT, which keeps ClickHouse's top-k optimization
   * (it stops above query_plan_max_limit_for_top_k_optimization, 1,000 rows).
   */
  async search(where: SpanWhere | undefined, sinceNs: bigint, untilNs: bigint, limit: number): Promise<StoredSpan[]> {
    const spans: StoredSpan[] = [];
    const seen = new Set<string>();
    let until = untilNs;
    const keep = where?.keep;
    for (let fetch = keep ? Math.max(limit, 1000) : limit; ; ) {
      const rows = (await this.searchRows(where, sinceNs, until, fetch)).map(toStoredSpan);
      for (const s of rows) {
        const key = `${s.traceId}/${s.spanId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (!keep || keep(s)) spans.push(s);
      }
      if (spans.length >= limit || rows.length < fetch) return spans.slice(0, limit);
      // The next answer starts again at the oldest time read (more rows may share it), so
      // it repeats that time's rows read so far before the ones missing.
      const oldest = rows[rows.length - 1].startTimeUnixNano;
      let again = 0;
      for (const s of rows) if (s.startTimeUnixNano === oldest) again++;
      until = BigInt(oldest) + 1n;
      // A prefilter's rows are checked one by one: read on in pages of the same size.
      fetch = keep ? fetch + again : limit - spans.length + again;
    }
  }

  private async searchRows(where: SpanWhere | undefined, sinceNs: bigint, untilNs: bigint, limit: number): Promise<SpanRow[]> {
    const rs = await this.client.query({
      query: `SELECT ${SPAN_COLUMNS} FROM ${this.qualified}
        WHERE Timestamp >= fromUnixTimestamp64Nano({since:Int64}) AND Timestamp < fromUnixTimestamp64Nano({until:Int64})
          ${where ? `AND (${where.sql})` : ''}
        ORDER BY Timestamp DESC, SpanId
        LIMIT {limit:UInt32}`,
      query_params: { ...(where?.params ?? {}), since: sinceNs.toString(), until: untilNs.toString(), limit },
      format: 'JSONEachRow',
    });
    return rs.json<SpanRow>();
  }

  async getSpan(traceId: string, spanId: string): Promise<StoredSpan | undefined> {
    const spans = await this.getTrace(traceId);
    return spans.find((s) => s.spanId === spanId);
  }
}
