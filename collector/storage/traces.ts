/**
 * The spans table: batched inserts for ingest and the read-back of one trace.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from './schema.js';
import { TRACE_COLUMNS, TRACE_COLUMN_TYPES } from './rows.js';
import { Batcher } from './batcher.js';
import { JsonText } from './client.js';
import type { Metrics } from '../metrics.js';
import { SPAN_COLUMNS, toStoredSpan, type StoredSpan, type SpanRow } from './stored-span.js';

const COLUMNS = [...TRACE_COLUMNS] as [string, ...string[]];
/** The head of each insert's JSONCompact document: column names and types, then the rows. */
const DOCUMENT_HEAD = `{"meta":${JSON.stringify(TRACE_COLUMNS.map((name) => ({ name, type: TRACE_COLUMN_TYPES[name] })))},"data":[`;

/**
 * Rows of otel_traces already serialized: spanToValues arrays as JSON, separated by
 * commas, without the enclosing brackets (JSON.stringify(rows).slice(1, -1)).
 */
export interface SerializedRows {
  json: string;
  count: number;
}

export function serializeRows(rows: unknown[][]): SerializedRows {
  return { json: JSON.stringify(rows).slice(1, -1), count: rows.length };
}

export interface TraceStoreOptions {
  database: string;
  table: string;
  maxRows: number;
  maxDelayMs: number;
  concurrency: number;
  metrics?: Metrics;
  onSend?: () => void;
  /** Largest document one insert sends, in characters: a batch closes before it would pass it. */
  maxDocumentChars?: number;
}

/**
 * A batch's document stays well under V8's longest string (about 2^29 characters) however
 * large its rows (text that escapes heavily in JSON can be several times its protobuf
 * size): batches close at this many characters as they do at max_rows.
 */
const MAX_DOCUMENT_CHARS = 2 ** 27;

export class TraceStore {
  readonly batcher: Batcher<SerializedRows>;
  private readonly qualified: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly o: TraceStoreOptions,
  ) {
    this.qualified = `${quoteIdent(o.database)}.${quoteIdent(o.table)}`;
    const table = `${o.database}.${o.table}`;
    this.batcher = new Batcher<SerializedRows>({
      maxRows: o.maxRows,
      maxSize: o.maxDocumentChars ?? MAX_DOCUMENT_CHARS,
      maxDelayMs: o.maxDelayMs,
      concurrency: o.concurrency,
      onSend: o.onSend,
      insert: async (chunks) => {
        // One JSONCompact document per batch, put together from the requests' rows as
        // serialized while each request was handled (nothing is serialized twice; the
        // engine parses the document's rows like JSONCompactEachRow's).
        let doc = DOCUMENT_HEAD;
        for (let i = 0; i < chunks.length; i++) doc += (i ? ',' : '') + chunks[i].json;
        // The client's json.stringify passes JsonText through (see client.ts); its types
        // know only plain JSON values.
        const values = new JsonText(doc + ']}') as unknown as Record<string, unknown>;
        await client.insert({ table, values, format: 'JSONCompact', columns: COLUMNS });
      },
      onInsert: (rows, seconds, ok) => {
        o.metrics?.insertBatchRows.observe({ table: o.table }, rows);
        o.metrics?.insertSeconds.observe({ table: o.table, outcome: ok ? 'success' : 'failure' }, seconds);
      },
    });
  }

  /** Resolves once the rows (serializeRows of spanToValues) are in ClickHouse. */
  write(rows: SerializedRows): Promise<void> {
    return this.batcher.write([rows], rows.count, rows.json.length);
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
