/**
 * Labels and label events in ClickHouse. A save is a version: one row per label (or one
 * marker row when the version holds no label, or for a skip), all stamped with the
 * version's number; nothing is ever updated in place. Reads group rows back into
 * versions; the latest version of a labeler is what they see, the latest submitted one
 * is what counts.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from '../../collector/storage/schema.js';
import { RowWriter, serializeRows } from '../../collector/storage/json-rows.js';
import type { Metrics } from '../../collector/metrics.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { EVENTS_TABLE, LABELS_TABLE } from './schema.js';
import type { StoredValue } from './values.js';

export type VersionState = 'draft' | 'submitted' | 'skipped';

/** One saved version of one labeler's labels on one item. */
export interface LabelVersion {
  labeler: string;
  version: number;
  state: VersionState;
  /** Milliseconds since the epoch. */
  at: number;
  schemaVersion: number;
  values: Map<string, StoredValue>;
  reasoning: Map<string, string>;
  /** Why the item was skipped (state `skipped`). */
  skipReason?: string;
}

export interface LabelEvent {
  queue: string;
  eventId: string;
  itemId: string;
  /** `completed` once per item; `updated` for every change after that. */
  kind: 'completed' | 'updated';
  /** Who made the change. */
  labeler: string;
  /** Everyone who had submitted when it happened. */
  labelers: string[];
  version: number;
  at: number;
}

const LABEL_COLUMNS = ['queue', 'item_id', 'labeler', 'label', 'value', 'text', 'reasoning', 'schema_version', 'created_at', 'state', 'version', 'type', 'replica'] as const;
const LABEL_TYPES: Record<(typeof LABEL_COLUMNS)[number], string> = {
  queue: 'LowCardinality(String)',
  item_id: 'String',
  labeler: 'LowCardinality(String)',
  label: 'LowCardinality(String)',
  value: 'Nullable(Float64)',
  text: 'String',
  reasoning: 'String',
  schema_version: 'UInt32',
  created_at: 'DateTime64(3)',
  state: 'LowCardinality(String)',
  version: 'UInt64',
  type: 'LowCardinality(String)',
  replica: 'LowCardinality(String)',
};
const EVENT_COLUMNS = ['queue', 'event_id', 'item_id', 'kind', 'labeler', 'labelers', 'version', 'created_at', 'keep'] as const;
const EVENT_TYPES: Record<(typeof EVENT_COLUMNS)[number], string> = {
  queue: 'LowCardinality(String)',
  event_id: 'String',
  item_id: 'String',
  kind: 'LowCardinality(String)',
  labeler: 'LowCardinality(String)',
  labelers: 'Array(String)',
  version: 'UInt64',
  created_at: 'DateTime64(3)',
  keep: 'UInt64',
};

/** A labeler's latest submit or skip on an item (or `draft` when they only saved drafts), as the next-item index needs it. */
export interface LabelerStateRow {
  queue: string;
  item_id: string;
  labeler: string;
  state: 'submitted' | 'skipped' | 'draft';
  version: number;
}

export class LabelStore {
  private readonly labels: string;
  private readonly events: string;
  private readonly labelWriter: RowWriter;
  private readonly eventWriter: RowWriter;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    batch: { maxRows: number; maxDelayMs: number; concurrency: number },
    metrics?: Metrics,
    /** This process, as written into each row (other replicas poll for rows not their own). */
    private readonly replica = '',
  ) {
    this.labels = `${quoteIdent(database)}.${quoteIdent(LABELS_TABLE)}`;
    this.events = `${quoteIdent(database)}.${quoteIdent(EVENTS_TABLE)}`;
    const common = { ...batch, metrics };
    this.labelWriter = new RowWriter(client, { ...common, table: `${database}.${LABELS_TABLE}`, columns: LABEL_COLUMNS, types: LABEL_TYPES, metricsTable: LABELS_TABLE });
    this.eventWriter = new RowWriter(client, { ...common, table: `${database}.${EVENTS_TABLE}`, columns: EVENT_COLUMNS, types: EVENT_TYPES, metricsTable: EVENTS_TABLE });
  }

  /** Resolves once the version is stored. Labels are interactive: the insert goes out at once (sharing it with saves already waiting). */
  async append(queue: string, itemId: string, v: LabelVersion): Promise<void> {
    const created = msToDateTime64(v.at);
    const row = (label: string, s: StoredValue | undefined, reasoning: string, text = s?.text ?? '') => [
      queue, itemId, v.labeler, label, s?.value ?? null, text, reasoning, v.schemaVersion, created, v.state, v.version, s?.type ?? '', this.replica,
    ];
    const rows = [...v.values].map(([label, s]) => row(label, s, v.reasoning.get(label) ?? ''));
    // Reasoning may come without a value (a note on why a label is left empty).
    for (const [label, r] of v.reasoning) if (!v.values.has(label)) rows.push(row(label, undefined, r));
    if (rows.length === 0 || v.state === 'skipped') rows.push(row('', undefined, '', v.skipReason ?? ''));
    const written = this.labelWriter.write(serializeRows(rows));
    this.labelWriter.batcher.kick();
    await written;
  }

  /** Resolves once the events are stored; an event written twice (same id) reads as one. */
  async appendEvents(events: LabelEvent[]): Promise<void> {
    if (events.length === 0) return;
    const written = this.eventWriter.write(
      serializeRows(events.map((e) => [e.queue, e.eventId, e.itemId, e.kind, e.labeler, e.labelers, e.version, msToDateTime64(e.at), String(2 ** 52 - e.at)])),
    );
    this.eventWriter.batcher.kick();
    await written;
  }

  /** Every version on an item (one labeler's, or everyone's), oldest first. */
  async versions(queue: string, itemId: string, labeler?: string): Promise<LabelVersion[]> {
    const rs = await this.client.query({
      query: `SELECT labeler, label, value, text, reasoning, schema_version, state, version, type, toUnixTimestamp64Milli(created_at) AS at
              FROM ${this.labels}
              WHERE queue = {queue:String} AND item_id = {item:String} ${labeler === undefined ? '' : 'AND labeler = {labeler:String}'}
              ORDER BY version, labeler, label`,
      query_params: { queue, item: itemId, labeler },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{
      labeler: string; label: string; value: number | null; text: string; reasoning: string; schema_version: number;
      state: VersionState; version: string | number; type: StoredValue['type'] | ''; at: string | number;
    }>();
    const out = new Map<string, LabelVersion>();
    for (const r of rows) {
      const key = `${r.labeler}\0${r.version}`;
      let v = out.get(key);
      if (!v) {
        v = { labeler: r.labeler, version: Number(r.version), state: r.state, at: Number(r.at), schemaVersion: Number(r.schema_version), values: new Map(), reasoning: new Map() };
        out.set(key, v);
      }
      if (r.label === '') {
        if (r.state === 'skipped') v.skipReason = r.text;
        continue;
      }
      if (r.type !== '') v.values.set(r.label, { type: r.type, value: r.value === null ? null : Number(r.value), text: r.text });
      if (r.reasoning !== '') v.reasoning.set(r.label, r.reasoning);
    }
    return [...out.values()];
  }

  /** Each labeler's latest submit or skip per item (`draft` when they only saved drafts), for the queues given. */
  async labelerStates(queues: string[]): Promise<LabelerStateRow[]> {
    if (queues.length === 0) return [];
    const rs = await this.client.query({
      query: `SELECT queue, item_id, labeler,
                     if(countIf(l.state != 'draft') = 0, 'draft', argMaxIf(l.state, l.version, l.state != 'draft')) AS final,
                     if(countIf(l.state != 'draft') = 0, max(l.version), maxIf(l.version, l.state != 'draft')) AS latest
              FROM ${this.labels} AS l
              WHERE l.queue IN {queues:Array(String)}
              GROUP BY queue, item_id, labeler`,
      query_params: { queues },
      format: 'JSONCompactEachRow',
    });
    const out: LabelerStateRow[] = [];
    for await (const rows of rs.stream<[string, string, string, LabelerStateRow['state'], string]>()) {
      for (const row of rows) {
        const [queue, item_id, labeler, state, version] = row.json();
        out.push({ queue, item_id, labeler, state, version: Number(version) });
      }
    }
    return out;
  }

  /** Versions other replicas inserted since `sinceMs` (server time), one row per version, for polling. */
  async labelerStatesSince(sinceMs: number): Promise<LabelerStateRow[]> {
    const rs = await this.client.query({
      query: `SELECT DISTINCT queue, item_id, labeler, state, version FROM ${this.labels}
              WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}) AND replica != {replica:String}`,
      query_params: { since: sinceMs, replica: this.replica },
      format: 'JSONEachRow',
    });
    return (await rs.json<LabelerStateRow & { version: string }>()).map((r) => ({ ...r, version: Number(r.version) }));
  }

  /** Ids of the items of a queue whose completion is recorded. */
  async completedItems(queue: string): Promise<Set<string>> {
    const rs = await this.client.query({
      query: `SELECT DISTINCT item_id FROM ${this.events} WHERE queue = {queue:String} AND kind = 'completed'`,
      query_params: { queue },
      format: 'JSONEachRow',
    });
    return new Set((await rs.json<{ item_id: string }>()).map((r) => r.item_id));
  }

  /**
   * A queue's events after (`afterMs`, `afterId`), in (time, id) order: a cursor of both
   * pages without losing events that share a millisecond. Each event once however often
   * it was written.
   */
  async eventsOf(queue: string, afterMs: number, limit: number, afterId = ''): Promise<LabelEvent[]> {
    const rs = await this.client.query({
      query: `SELECT queue, event_id, item_id, kind, labeler, labelers, version, toUnixTimestamp64Milli(created_at) AS at
              FROM ${this.events} FINAL
              WHERE queue = {queue:String} AND (created_at, event_id) > (fromUnixTimestamp64Milli({after:Int64}), {afterId:String})
              ORDER BY created_at, event_id
              LIMIT {limit:UInt32}`,
      query_params: { queue, after: afterMs, afterId, limit },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ queue: string; event_id: string; item_id: string; kind: LabelEvent['kind']; labeler: string; labelers: string[]; version: string; at: string }>();
    return rows.map((r) => ({
      queue: r.queue,
      eventId: r.event_id,
      itemId: r.item_id,
      kind: r.kind,
      labeler: r.labeler,
      labelers: r.labelers,
      version: Number(r.version),
      at: Number(r.at),
    }));
  }

  async flush(): Promise<void> {
    await Promise.all([this.labelWriter.batcher.flush(), this.eventWriter.batcher.flush()]);
  }

  /**
   * Per queue and labeler, how many versions they submitted at or after each time in `sinceMs`
   * (`counts[i]` for `sinceMs[i]`): a version counts once however many label rows it has.
   * Only labelers who submitted something since the earliest time are listed.
   */
  async submittedSince(queues: string[], sinceMs: readonly number[]): Promise<Array<{ queue: string; labeler: string; counts: number[] }>> {
    if (queues.length === 0 || sinceMs.length === 0) return [];
    const params: Record<string, unknown> = { queues, from: Math.min(...sinceMs) };
    const columns = sinceMs.map((t, i) => {
      params[`s${i}`] = t;
      return `uniqExactIf(item_id, version, created_at >= fromUnixTimestamp64Milli({s${i}:Int64})) AS n${i}`;
    });
    const rs = await this.client.query({
      query: `SELECT queue, labeler, ${columns.join(', ')}
              FROM ${this.labels}
              WHERE queue IN {queues:Array(String)} AND state = 'submitted' AND created_at >= fromUnixTimestamp64Milli({from:Int64})
              GROUP BY queue, labeler
              ORDER BY queue, labeler`,
      query_params: params,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string | number>>();
    return rows.map((r) => ({ queue: String(r.queue), labeler: String(r.labeler), counts: sinceMs.map((_, i) => Number(r[`n${i}`])) }));
  }
}
