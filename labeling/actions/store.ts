/**
 * Deliveries in ClickHouse: each state change is a new row; reads take each delivery's
 * latest row.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { quoteIdent } from '../../collector/storage/schema.js';
import { DELIVERIES_TABLE } from './schema.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface Delivery {
  id: string;
  /** The action's name (its kind and target unless named in config). */
  action: string;
  /** `builtin`: spansift's own (evaluation scores, review). */
  kind: 'dataset' | 'webhook' | 'builtin';
  queue: string;
  eventId: string;
  eventKind: 'completed' | 'updated';
  itemId: string;
  status: DeliveryStatus;
  attempts: number;
  /** What the last attempt got: `HTTP 503`, `timeout`, `condition not met`, an error. */
  lastStatus: string;
  firstAttemptAt: number;
  nextAttemptAt: number;
  updatedAt: number;
}

const FIELDS = `delivery_id, argMax(action, updated_at) AS action, argMax(kind, updated_at) AS kind, argMax(queue, updated_at) AS queue,
  argMax(event_id, updated_at) AS event_id, argMax(event_kind, updated_at) AS event_kind, argMax(item_id, updated_at) AS item_id,
  argMax(status, updated_at) AS status, max(attempts) AS attempts, argMax(last_status, updated_at) AS last_status,
  toUnixTimestamp64Milli(min(first_attempt_at)) AS first, toUnixTimestamp64Milli(argMax(next_attempt_at, updated_at)) AS next,
  toUnixTimestamp64Milli(max(updated_at)) AS updated`;

export class DeliveryStore {
  private readonly table: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {
    this.table = `${quoteIdent(database)}.${quoteIdent(DELIVERIES_TABLE)}`;
  }

  /** Records a delivery's state; resolves once stored. */
  async save(ds: Delivery[]): Promise<void> {
    if (ds.length === 0) return;
    await this.client.insert({
      table: `${this.database}.${DELIVERIES_TABLE}`,
      values: ds.map((d) => ({
        delivery_id: d.id,
        action: d.action,
        kind: d.kind,
        queue: d.queue,
        event_id: d.eventId,
        event_kind: d.eventKind,
        item_id: d.itemId,
        status: d.status,
        attempts: d.attempts,
        last_status: d.lastStatus,
        first_attempt_at: msToDateTime64(d.firstAttemptAt),
        next_attempt_at: msToDateTime64(d.nextAttemptAt),
        updated_at: msToDateTime64(d.updatedAt),
      })),
      format: 'JSONEachRow',
    });
  }

  async get(id: string): Promise<Delivery | undefined> {
    return (await this.select('WHERE delivery_id = {id:String}', '', { id }))[0];
  }

  /** Deliveries in a state (all when none), most recently changed first. */
  list(status: DeliveryStatus | undefined, limit: number): Promise<Delivery[]> {
    return this.select('', `${status ? 'HAVING status = {status:String}' : ''} ORDER BY updated DESC LIMIT {limit:UInt32}`, { status, limit });
  }

  /** Every delivery still pending (to resume after a restart). */
  pending(): Promise<Delivery[]> {
    return this.select('', "HAVING status = 'pending'", {});
  }

  /** The (event, action) pairs that have a delivery, for events since `sinceMs`. */
  async known(eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rs = await this.client.query({
      query: `SELECT DISTINCT event_id, action FROM ${this.table} WHERE event_id IN {ids:Array(String)}`,
      query_params: { ids: eventIds },
      format: 'JSONEachRow',
    });
    return new Set((await rs.json<{ event_id: string; action: string }>()).map((r) => `${r.event_id}\0${r.action}`));
  }

  private async select(where: string, having: string, params: Record<string, unknown>): Promise<Delivery[]> {
    const rs = await this.client.query({ query: `SELECT ${FIELDS} FROM ${this.table} ${where} GROUP BY delivery_id ${having}`, query_params: params, format: 'JSONEachRow' });
    const rows = await rs.json<Record<string, string>>();
    return rows.map((r) => ({
      id: r.delivery_id,
      action: r.action,
      kind: r.kind as Delivery['kind'],
      queue: r.queue,
      eventId: r.event_id,
      eventKind: r.event_kind as Delivery['eventKind'],
      itemId: r.item_id,
      status: r.status as DeliveryStatus,
      attempts: Number(r.attempts),
      lastStatus: r.last_status,
      firstAttemptAt: Number(r.first),
      nextAttemptAt: Number(r.next),
      updatedAt: Number(r.updated),
    }));
  }
}
