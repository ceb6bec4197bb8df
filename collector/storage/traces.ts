/**
 * The spans table: batched inserts for ingest and the read-back of one trace.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from './schema.js';
import type { TraceRow } from './rows.js';
import { Batcher } from './batcher.js';
import type { Metrics } from '../metrics.js';

export interface TraceStoreOptions {
  database: string;
  table: string;
  maxRows: number;
  maxDelayMs: number;
  concurrency: number;
  metrics?: Metrics;
}

/** A stored span as the API returns it. */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: string;
  serviceName: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNano: string;
  status: { code: string; message: string };
  attributes: Record<string, string>;
  resource: { attributes: Record<string, string> };
  scope: { name: string; version: string };
  events: { timeUnixNano: string; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
}

export class TraceStore {
  readonly batcher: Batcher<TraceRow>;
  private readonly qualified: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly o: TraceStoreOptions,
  ) {
    this.qualified = `${quoteIdent(o.database)}.${quoteIdent(o.table)}`;
    const table = `${o.database}.${o.table}`;
    this.batcher = new Batcher<TraceRow>({
      maxRows: o.maxRows,
      maxDelayMs: o.maxDelayMs,
      concurrency: o.concurrency,
      insert: async (rows) => {
        await client.insert({ table, values: rows, format: 'JSONEachRow' });
      },
      onInsert: (rows, seconds, ok) => {
        o.metrics?.insertBatchRows.observe({ table: o.table }, rows);
        o.metrics?.insertSeconds.observe({ table: o.table, outcome: ok ? 'success' : 'failure' }, seconds);
      },
    });
  }

  /** Resolves once the rows are in ClickHouse. */
  write(rows: TraceRow[]): Promise<void> {
    return this.batcher.write(rows);
  }

  async getTrace(traceId: string): Promise<StoredSpan[]> {
    const lookup = `${quoteIdent(this.o.database)}.${quoteIdent(this.o.table + '_trace_id_ts')}`;
    const rs = await this.client.query({
      query: `
        WITH
          (SELECT min(Start) FROM ${lookup} WHERE TraceId = {traceId:String}) AS trace_start,
          (SELECT max(End) + 1 FROM ${lookup} WHERE TraceId = {traceId:String}) AS trace_end
        SELECT
          TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
          toString(toUnixTimestamp64Nano(Timestamp)) AS start_ns,
          toString(Duration) AS duration_ns,
          toString(toUnixTimestamp64Nano(Timestamp) + Duration) AS end_ns,
          StatusCode, StatusMessage, SpanAttributes, ResourceAttributes, ScopeName, ScopeVersion,
          arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS event_ns,
          Events.Name AS event_names, Events.Attributes AS event_attrs,
          Links.TraceId AS link_trace_ids, Links.SpanId AS link_span_ids,
          Links.TraceState AS link_states, Links.Attributes AS link_attrs
        FROM ${this.qualified}
        WHERE TraceId = {traceId:String} AND Timestamp >= trace_start AND Timestamp <= trace_end
        ORDER BY Timestamp, SpanId`,
      query_params: { traceId },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, unknown>>();
    return rows.map(toStoredSpan);
  }
}

function toStoredSpan(r: Record<string, unknown>): StoredSpan {
  const s = (k: string) => r[k] as string;
  const a = <T>(k: string) => r[k] as T[];
  return {
    traceId: s('TraceId'),
    spanId: s('SpanId'),
    parentSpanId: s('ParentSpanId'),
    traceState: s('TraceState'),
    name: s('SpanName'),
    kind: s('SpanKind'),
    serviceName: s('ServiceName'),
    startTimeUnixNano: s('start_ns'),
    endTimeUnixNano: s('end_ns'),
    durationNano: s('duration_ns'),
    status: { code: s('StatusCode'), message: s('StatusMessage') },
    attributes: r.SpanAttributes as Record<string, string>,
    resource: { attributes: r.ResourceAttributes as Record<string, string> },
    scope: { name: s('ScopeName'), version: s('ScopeVersion') },
    events: a<string>('event_ns').map((t, i) => ({
      timeUnixNano: t,
      name: a<string>('event_names')[i],
      attributes: a<Record<string, string>>('event_attrs')[i],
    })),
    links: a<string>('link_trace_ids').map((t, i) => ({
      traceId: t,
      spanId: a<string>('link_span_ids')[i],
      traceState: a<string>('link_states')[i],
      attributes: a<Record<string, string>>('link_attrs')[i],
    })),
  };
}
