/**
 * Leases in ClickHouse. A lease decides nothing once written: the process that serves a
 * labeler decides from its in-memory index and records the lease here, without making
 * the labeler wait, so that a restart or another replica knows who holds what and in
 * which order each labeler was given items.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from '../../collector/storage/schema.js';
import { RowWriter, serializeRows } from '../../collector/storage/json-rows.js';
import type { Metrics } from '../../collector/metrics.js';
import type { Logger } from '../../collector/log.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { LEASES_TABLE } from './schema.js';

const COLUMNS = ['queue', 'item_id', 'labeler', 'leased_at', 'expires_at', 'replica'] as const;
const TYPES: Record<(typeof COLUMNS)[number], string> = {
  queue: 'LowCardinality(String)',
  item_id: 'String',
  labeler: 'LowCardinality(String)',
  leased_at: 'DateTime64(3)',
  expires_at: 'DateTime64(3)',
  replica: 'LowCardinality(String)',
};

export interface LeaseRow {
  queue: string;
  item_id: string;
  labeler: string;
  leased_at: number;
  expires_at: number;
}

export class LeaseStore {
  private readonly table: string;
  private readonly writer: RowWriter;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    batch: { maxRows: number; concurrency: number },
    private readonly log?: Logger,
    metrics?: Metrics,
    /** This process, as written into each row (other replicas poll for rows not their own). */
    private readonly replica = '',
  ) {
    this.table = `${quoteIdent(database)}.${quoteIdent(LEASES_TABLE)}`;
    this.writer = new RowWriter(client, { ...batch, maxDelayMs: 100, table: `${database}.${LEASES_TABLE}`, columns: COLUMNS, types: TYPES, metrics, metricsTable: LEASES_TABLE });
  }

  /** Records a lease (or a release: `expiresAt` = `leasedAt`) in the background. */
  record(queue: string, itemId: string, labeler: string, leasedAt: number, expiresAt: number): void {
    this.writer.write(serializeRows([[queue, itemId, labeler, msToDateTime64(leasedAt), msToDateTime64(expiresAt), this.replica]])).catch((e: unknown) => {
      // The lease holds in this process all the same; only a restart or another replica would not know it.
      this.log?.warn({ err: e, queue }, 'a lease could not be recorded');
    });
  }

  /**
   * Every labeler's latest lease record on each item, in the order they were first given
   * the items, for the queues given.
   */
  async load(queues: string[]): Promise<LeaseRow[]> {
    if (queues.length === 0) return [];
    const rs = await this.client.query({
      query: `SELECT queue, item_id, labeler, toUnixTimestamp64Milli(latest) AS leased_at, toUnixTimestamp64Milli(expires) AS expires_at
              FROM (
                SELECT l.queue AS queue, l.item_id AS item_id, l.labeler AS labeler, min(l.leased_at) AS first, max(l.leased_at) AS latest,
                       argMax(l.expires_at, l.leased_at) AS expires
                FROM ${this.table} AS l WHERE l.queue IN {queues:Array(String)}
                GROUP BY l.queue, l.item_id, l.labeler
              )
              ORDER BY first`,
      query_params: { queues },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<keyof LeaseRow, string>>()).map(toRow);
  }

  /** Lease records other replicas inserted since `sinceMs` (server time), oldest first. */
  async since(sinceMs: number): Promise<LeaseRow[]> {
    const rs = await this.client.query({
      query: `SELECT queue, item_id, labeler, toUnixTimestamp64Milli(leased_at) AS leased_at, toUnixTimestamp64Milli(expires_at) AS expires_at
              FROM ${this.table} WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}) AND replica != {replica:String}
              ORDER BY leased_at`,
      query_params: { since: sinceMs, replica: this.replica },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<keyof LeaseRow, string>>()).map(toRow);
  }

  flush(): Promise<void> {
    return this.writer.batcher.flush();
  }
}

function toRow(r: Record<keyof LeaseRow, string>): LeaseRow {
  return { queue: r.queue, item_id: r.item_id, labeler: r.labeler, leased_at: Number(r.leased_at), expires_at: Number(r.expires_at) };
}
