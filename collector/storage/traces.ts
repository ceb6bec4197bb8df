/**
 * The spans table: batched inserts for ingest and the read-back of one trace.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from './schema.js';
import { TRACE_COLUMNS, TRACE_COLUMN_TYPES } from './rows.js';
import { RowWriter, type SerializedRows } from './json-rows.js';
import type { Metrics } from '../metrics.js';
import { SPAN_COLUMNS, toStoredSpan, type StoredSpan, type SpanRow } from './stored-span.js';

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
}

export class TraceStore {
  private readonly writer: RowWriter;
  private readonly qualified: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly o: TraceStoreOptions,
  ) {
    this.qualified = `${quoteIdent(o.database)}.${quoteIdent(o.table)}`;
    this.writer = new RowWriter(client, {
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
    });
  }

  get batcher() {
    return this.writer.batcher;
  }

  /** Resolves once the rows (serializeRows of spanToValues) are in ClickHouse. */
  write(rows: SerializedRows): Promise<void> {
    return this.writer.write(rows);
  }

  async getTrace(traceId: string): Promise<StoredSpan[]> {
    const lookup = `${quoteIdent(this.o.database)}.${quoteIdent(this.o.table + '_trace_id_ts')}`;
    const rs = await this.client.query({
      query: `
        WITH
          (SELECT min(Start) FROM ${lookup} WHERE TraceId = {traceId:String}) AS trace_start,
          (SELECT max(End) + 1 FROM ${lookup} WHERE TraceId = {traceId:String}) AS trace_end
        SELECT ${SPAN_COLUMNS}
        FROM ${this.qualified}
        WHERE TraceId = {traceId:String} AND Timestamp >= trace_start AND Timestamp <= trace_end
        ORDER BY Timestamp, SpanId`,
      query_params: { traceId },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<SpanRow>();
    return rows.map(toStoredSpan);
  }

  /**
   * Spans matching a compiled condition between two times (nanoseconds), newest first.
   * The condition's SQL binds every value as a parameter.
   */
  async search(where: { sql: string; params: Record<string, string> } | undefined, sinceNs: bigint, untilNs: bigint, limit: number): Promise<StoredSpan[]> {
    const rs = await this.client.query({
      query: `SELECT ${SPAN_COLUMNS} FROM ${this.qualified}
        WHERE Timestamp >= fromUnixTimestamp64Nano({since:Int64}) AND Timestamp < fromUnixTimestamp64Nano({until:Int64})
          ${where ? `AND (${where.sql})` : ''}
        ORDER BY Timestamp DESC, SpanId
        LIMIT {limit:UInt32}`,
      query_params: { ...(where?.params ?? {}), since: sinceNs.toString(), until: untilNs.toString(), limit },
      format: 'JSONEachRow',
    });
    return (await rs.json<SpanRow>()).map(toStoredSpan);
  }

  async getSpan(traceId: string, spanId: string): Promise<StoredSpan | undefined> {
    const spans = await this.getTrace(traceId);
    return spans.find((s) => s.spanId === spanId);
  }
}
