/**
 * Datasets and their items in ClickHouse. Items are written through a RowWriter (group
 * commit, like spans and queue items) and read folded: the latest copy of each item
 * counts, deleted ones are gone, and only the dataset's current generation is seen.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { FieldError, SpansiftError } from '../../collector/errors.js';
import { RowWriter, serializeRows } from '../../collector/storage/json-rows.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { quoteIdent } from '../../collector/storage/schema.js';
import type { Metrics } from '../../collector/metrics.js';
import { DATASETS_TABLE, DATASET_ITEMS_TABLE } from './schema.js';

export interface Dataset {
  name: string;
  description: string;
  generation: number;
  created_at: string;
  items?: number;
}

export interface DatasetItem {
  id: string;
  dataset: string;
  source: string;
  data: unknown;
  target: unknown;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** An item to write; `at` is when (ms). */
export interface DatasetItemInput {
  id: string;
  source: 'action' | 'import' | 'api';
  data: unknown;
  target: unknown;
  metadata: Record<string, unknown>;
}

const COLUMNS = ['dataset', 'generation', 'item_id', 'source', 'data', 'target', 'metadata', 'created_at', 'updated_at', 'deleted'] as const;
const TYPES: Record<(typeof COLUMNS)[number], string> = {
  dataset: 'String',
  generation: 'UInt64',
  item_id: 'String',
  source: 'LowCardinality(String)',
  data: 'String',
  target: 'String',
  metadata: 'String',
  created_at: 'DateTime64(3)',
  updated_at: 'DateTime64(3)',
  deleted: 'UInt8',
};

/**
 * Item reads see each item's latest copy (FINAL, read in key order so a page stops once it
 * has its rows). Every copy carries the item's first `created_at` (see put).
 */
const FOLDED = (items: string) => `
  SELECT item_id, source, data, target, metadata, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(updated_at) AS updated
  FROM ${items} FINAL
  WHERE dataset = {dataset:String} AND generation = {generation:UInt64} AND deleted = 0`;

export class DatasetStore {
  private readonly datasets: string;
  private readonly items: string;
  private readonly writer: RowWriter;
  private readonly creating = new Map<string, Promise<Dataset>>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    batch: { maxRows: number; maxDelayMs: number; concurrency: number },
    metrics?: Metrics,
    private readonly now: () => number = Date.now,
  ) {
    this.datasets = `${quoteIdent(database)}.${quoteIdent(DATASETS_TABLE)}`;
    this.items = `${quoteIdent(database)}.${quoteIdent(DATASET_ITEMS_TABLE)}`;
    this.writer = new RowWriter(client, { ...batch, table: `${database}.${DATASET_ITEMS_TABLE}`, columns: COLUMNS, types: TYPES, metrics, metricsTable: DATASET_ITEMS_TABLE });
  }

  async list(): Promise<Dataset[]> {
    const rs = await this.client.query({
      query: `SELECT d.name AS name, d.description AS description, d.generation AS generation, ifNull(i.n, 0) AS items
              FROM (SELECT name, argMax(description, updated_at) AS description, argMax(generation, updated_at) AS generation, argMax(deleted, updated_at) AS gone
                    FROM ${this.datasets} GROUP BY name HAVING gone = 0) AS d
              LEFT JOIN (SELECT dataset, generation, count() AS n FROM (
                    SELECT dataset, generation, item_id, argMax(deleted, updated_at) AS gone FROM ${this.items} GROUP BY dataset, generation, item_id HAVING gone = 0)
                  GROUP BY dataset, generation) AS i ON i.dataset = d.name AND i.generation = d.generation
              ORDER BY name`,
      format: 'JSONEachRow',
    });
    return (await rs.json<{ name: string; description: string; generation: string; items: string }>()).map((r) => ({
      name: r.name,
      description: r.description,
      generation: Number(r.generation),
      created_at: new Date(Number(r.generation)).toISOString(),
      items: Number(r.items),
    }));
  }

  async get(name: string): Promise<Dataset | undefined> {
    const rs = await this.client.query({
      query: `SELECT argMax(description, updated_at) AS description, argMax(generation, updated_at) AS generation, argMax(deleted, updated_at) AS gone
              FROM ${this.datasets} WHERE name = {name:String} GROUP BY name`,
      query_params: { name },
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ description: string; generation: string; gone: number }>();
    if (!r || Number(r.gone)) return undefined;
    return { name, description: r.description, generation: Number(r.generation), created_at: new Date(Number(r.generation)).toISOString() };
  }

  /** The dataset, or NOT_FOUND naming it. */
  async require(name: string): Promise<Dataset> {
    const d = await this.get(name);
    if (!d) throw new FieldError('dataset', `no dataset named "${name}"`, { code: 'NOT_FOUND' });
    return d;
  }

  /** Creates a dataset; CONFLICT when it exists (unless `ifMissing`, which returns the one there is). */
  async create(name: string, description: string, ifMissing = false): Promise<Dataset> {
    // One at a time per name: two completions that find a dataset missing at once must not
    // both make it, each with its own generation (the items of one would not be seen).
    const before = this.creating.get(name) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() => this.createNow(name, description, ifMissing));
    this.creating.set(name, run);
    try {
      return await run;
    } finally {
      if (this.creating.get(name) === run) this.creating.delete(name);
    }
  }

  private async createNow(name: string, description: string, ifMissing: boolean): Promise<Dataset> {
    const there = await this.get(name);
    if (there) {
      if (ifMissing) return there;
      throw new SpansiftError('CONFLICT', `a dataset named "${name}" exists`);
    }
    const now = this.now();
    await this.writeDataset(name, description, now, false);
    return { name, description, generation: now, created_at: new Date(now).toISOString() };
  }

  async delete(name: string): Promise<void> {
    const d = await this.require(name);
    await this.writeDataset(name, d.description, d.generation, true);
  }

  /** Writes items (a new version of each, keeping each one's first creation time); resolves once stored. */
  async put(dataset: Dataset, items: DatasetItemInput[]): Promise<void> {
    if (items.length === 0) return;
    const first = await this.createdTimes(dataset, items.map((i) => i.id));
    const now = this.now();
    const at = msToDateTime64(now);
    const rows = items.map((i) => [
      dataset.name, dataset.generation, i.id, i.source, JSON.stringify(i.data ?? null), JSON.stringify(i.target ?? null), JSON.stringify(i.metadata ?? {}),
      msToDateTime64(first.get(i.id) ?? now), at, 0,
    ]);
    const written = this.writer.write(serializeRows(rows));
    this.writer.batcher.kick();
    await written;
  }

  /** When the items of these ids (those that exist) were first written. */
  private async createdTimes(dataset: Dataset, ids: string[]): Promise<Map<string, number>> {
    const rs = await this.client.query({
      query: `SELECT item_id, toUnixTimestamp64Milli(min(created_at)) AS created FROM ${this.items}
              WHERE dataset = {dataset:String} AND generation = {generation:UInt64} AND item_id IN {ids:Array(String)} GROUP BY item_id`,
      query_params: { dataset: dataset.name, generation: dataset.generation, ids },
      format: 'JSONEachRow',
    });
    return new Map((await rs.json<{ item_id: string; created: string }>()).map((r) => [r.item_id, Number(r.created)]));
  }

  async deleteItem(dataset: Dataset, id: string): Promise<boolean> {
    const [item] = await this.fetch(dataset, { ids: [id], limit: 1 });
    if (!item) return false;
    const at = msToDateTime64(this.now());
    const written = this.writer.write(serializeRows([[dataset.name, dataset.generation, id, item.source, '', '', '', at, at, 1]]));
    this.writer.batcher.kick();
    await written;
    return true;
  }

  /** A page of items in id order, after `after`. */
  fetch(dataset: Dataset, o: { after?: string; limit: number; ids?: string[]; offset?: number }): Promise<DatasetItem[]> {
    return this.query(dataset, o).then((rs) => rs.json<Row>()).then((rows) => rows.map((r) => toItem(dataset.name, r)));
  }

  /**
   * Every item, a page at a time in id order: the embedded engine's client buffers a whole
   * result, so a large dataset is read in bounded pages (keyset paging on the sort key)
   * and only one page is in memory at once.
   */
  async *stream(dataset: Dataset, pageSize = 2000): AsyncGenerator<DatasetItem[]> {
    let after: string | undefined;
    for (;;) {
      const page = await this.fetch(dataset, { after, limit: pageSize });
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1].id;
    }
  }

  /** Items in the dataset now. */
  async count(dataset: Dataset): Promise<number> {
    const rs = await this.client.query({
      query: `SELECT count() AS n FROM (${FOLDED(this.items)})`,
      query_params: { dataset: dataset.name, generation: dataset.generation },
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ n: string }>();
    return Number(r?.n ?? 0);
  }

  private query(dataset: Dataset, o: { after?: string; limit?: number; ids?: string[]; offset?: number }) {
    return this.client.query({
      query: `${FOLDED(this.items)} ${o.after !== undefined ? 'AND item_id > {after:String}' : ''} ${o.ids ? 'AND item_id IN {ids:Array(String)}' : ''}
              ORDER BY item_id ${o.limit !== undefined ? 'LIMIT {limit:UInt32}' : ''} ${o.offset ? 'OFFSET {offset:UInt64}' : ''}`,
      query_params: { dataset: dataset.name, generation: dataset.generation, after: o.after, limit: o.limit, ids: o.ids, offset: o.offset },
      format: 'JSONEachRow',
    });
  }

  private async writeDataset(name: string, description: string, generation: number, deleted: boolean): Promise<void> {
    await this.client.insert({
      table: `${this.database}.${DATASETS_TABLE}`,
      values: [{ name, description, generation, deleted: deleted ? 1 : 0, updated_at: msToDateTime64(this.now()) }],
      format: 'JSONEachRow',
    });
  }

  flush(): Promise<void> {
    return this.writer.batcher.flush();
  }
}

interface Row {
  item_id: string;
  source: string;
  data: string;
  target: string;
  metadata: string;
  created: string;
  updated: string;
}

function toItem(dataset: string, r: Row): DatasetItem {
  return {
    id: r.item_id,
    dataset,
    source: r.source,
    data: JSON.parse(r.data),
    target: JSON.parse(r.target),
    metadata: JSON.parse(r.metadata),
    created_at: new Date(Number(r.created)).toISOString(),
    updated_at: new Date(Number(r.updated)).toISOString(),
  };
}
