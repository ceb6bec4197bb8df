/**
 * Evaluations, data points and scores in ClickHouse. Data points and scores go through
 * RowWriters (group commit: many SDK workers writing at once share inserts) and are read
 * folded (FINAL): the latest copy of each counts.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { FieldError } from '../../collector/errors.js';
import { RowWriter, serializeRows } from '../../collector/storage/json-rows.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { quoteIdent } from '../../collector/storage/schema.js';
import type { Metrics } from '../../collector/metrics.js';
import { DATAPOINTS_TABLE, EVALUATIONS_TABLE, SCORES_TABLE } from './schema.js';

export type ScoreSource = 'code' | 'llm' | 'human';

/** A human evaluator of an evaluation: its items go to `queue`; its scores are named after the queue's labels. */
export interface HumanEvaluatorRef {
  /** The evaluator's name (the queue's, unless given otherwise, as Laminar's evaluator keys are). */
  name: string;
  queue: string;
}

export interface Evaluation {
  id: string;
  name: string;
  group: string;
  metadata: Record<string, unknown>;
  human_evaluators: HumanEvaluatorRef[];
  created_by: string;
  created_at: string;
}

export interface DatapointInput {
  id: string;
  index?: number;
  data?: unknown;
  target?: unknown;
  metadata?: Record<string, unknown>;
  /** Left out: not run yet (a write that leaves it out keeps what an earlier one gave). */
  executor_output?: unknown;
  error?: string;
  trace_id?: string;
  executor_span_id?: string;
  dataset_link?: Record<string, unknown>;
}

export interface Datapoint {
  id: string;
  index: number;
  data: unknown;
  target: unknown;
  metadata: Record<string, unknown>;
  executor_output: unknown;
  has_output: boolean;
  error: string;
  trace_id: string;
  executor_span_id: string;
  dataset_link: Record<string, unknown> | null;
  created_at: string;
}

export interface ScoreInput {
  datapoint_id: string;
  source: ScoreSource;
  /** The automatic evaluator's name, or the human evaluator's. */
  evaluator: string;
  /** The score's name: the evaluator's own, a key of the record it returned, or a label's. */
  name: string;
  /** '' for an automatic score and for the human aggregate; else who labeled. */
  labeler?: string;
  value: number | null;
  error?: string;
  queue?: string;
  item_id?: string;
  deleted?: boolean;
}

export interface Score {
  datapoint_id: string;
  source: ScoreSource;
  evaluator: string;
  name: string;
  labeler: string;
  value: number | null;
  error: string;
  queue: string;
  item_id: string;
  updated_at: string;
}

const DP_COLUMNS = ['evaluation_id', 'datapoint_id', 'idx', 'data', 'target', 'metadata', 'executor_output', 'has_output', 'error', 'trace_id', 'executor_span_id', 'dataset_link', 'created_at', 'version'] as const;
const DP_TYPES: Record<(typeof DP_COLUMNS)[number], string> = {
  evaluation_id: 'String',
  datapoint_id: 'String',
  idx: 'UInt32',
  data: 'String',
  target: 'String',
  metadata: 'String',
  executor_output: 'String',
  has_output: 'UInt8',
  error: 'String',
  trace_id: 'String',
  executor_span_id: 'String',
  dataset_link: 'String',
  created_at: 'DateTime64(3)',
  version: 'UInt64',
};
const SCORE_COLUMNS = ['evaluation_id', 'datapoint_id', 'source', 'evaluator', 'name', 'labeler', 'value', 'error', 'queue', 'item_id', 'updated_at', 'deleted', 'version'] as const;
const SCORE_TYPES: Record<(typeof SCORE_COLUMNS)[number], string> = {
  evaluation_id: 'String',
  datapoint_id: 'String',
  source: 'LowCardinality(String)',
  evaluator: 'String',
  name: 'String',
  labeler: 'String',
  value: 'Nullable(Float64)',
  error: 'String',
  queue: 'String',
  item_id: 'String',
  updated_at: 'DateTime64(3)',
  deleted: 'UInt8',
  version: 'UInt64',
};

/** Row versions: microseconds, made to grow by at least one per write in this process. */
let lastVersion = 0;
function nextVersion(nowMs: number): number {
  lastVersion = Math.max(lastVersion + 1, Math.floor(nowMs) * 1000);
  return lastVersion;
}

/** A version after `previous` (when there is one) and after every earlier write of this process. */
function after(previous: number | undefined, nowMs: number): number {
  const v = nextVersion(nowMs);
  if (previous === undefined || v > previous) return v;
  lastVersion = previous + 1;
  return lastVersion;
}

/** Trace and span ids as spansift stores them: lower-case hex, with a UUID's dashes taken out. */
export function hexId(id: string | undefined): string {
  return (id ?? '').replace(/-/g, '').toLowerCase();
}

export class EvaluationStore {
  private readonly evaluations: string;
  private readonly datapointsT: string;
  private readonly scoresT: string;
  private readonly dpWriter: RowWriter;
  private readonly scoreWriter: RowWriter;
  /** Evaluations are read for every data point written: kept a while, they never change but by rename. */
  private readonly cache = new Map<string, { e: Evaluation; until: number }>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    batch: { maxRows: number; maxDelayMs: number; concurrency: number },
    metrics?: Metrics,
    private readonly now: () => number = Date.now,
  ) {
    const q = (t: string) => `${quoteIdent(database)}.${quoteIdent(t)}`;
    this.evaluations = q(EVALUATIONS_TABLE);
    this.datapointsT = q(DATAPOINTS_TABLE);
    this.scoresT = q(SCORES_TABLE);
    this.dpWriter = new RowWriter(client, { ...batch, table: `${database}.${DATAPOINTS_TABLE}`, columns: DP_COLUMNS, types: DP_TYPES, metrics, metricsTable: DATAPOINTS_TABLE });
    this.scoreWriter = new RowWriter(client, { ...batch, table: `${database}.${SCORES_TABLE}`, columns: SCORE_COLUMNS, types: SCORE_TYPES, metrics, metricsTable: SCORES_TABLE });
  }

  async create(o: { name: string; group: string; metadata: Record<string, unknown>; humanEvaluators: HumanEvaluatorRef[]; createdBy: string }): Promise<Evaluation> {
    const now = this.now();
    const e: Evaluation = {
      id: randomUUID(),
      name: o.name,
      group: o.group,
      metadata: o.metadata,
      human_evaluators: o.humanEvaluators,
      created_by: o.createdBy,
      created_at: new Date(now).toISOString(),
    };
    await this.writeEvaluation(e);
    return e;
  }

  /** Renames, replaces metadata, or adds human evaluators (the group never changes). */
  async update(id: string, change: { name?: string; metadata?: Record<string, unknown>; addHumanEvaluators?: HumanEvaluatorRef[] }): Promise<Evaluation> {
    // Read as stored now, not as cached: another replica may have changed it.
    this.cache.delete(id);
    const e = await this.require(id);
    const known = new Set(e.human_evaluators.map((h) => h.name));
    const added = (change.addHumanEvaluators ?? []).filter((h) => !known.has(h.name));
    const next: Evaluation = {
      ...e,
      name: change.name ?? e.name,
      metadata: change.metadata ?? e.metadata,
      human_evaluators: [...e.human_evaluators, ...added],
    };
    await this.writeEvaluation(next);
    return next;
  }

  private async writeEvaluation(e: Evaluation): Promise<void> {
    await this.client.insert({
      table: `${this.database}.${EVALUATIONS_TABLE}`,
      values: [{
        evaluation_id: e.id,
        name: e.name,
        group_name: e.group,
        metadata: JSON.stringify(e.metadata),
        human_evaluators: JSON.stringify(e.human_evaluators),
        created_by: e.created_by,
        created_at: msToDateTime64(Date.parse(e.created_at)),
        version: nextVersion(this.now()),
      }],
      format: 'JSONEachRow',
    });
    this.cache.set(e.id, { e, until: this.now() + 60_000 });
  }

  async get(id: string): Promise<Evaluation | undefined> {
    const hit = this.cache.get(id);
    if (hit && hit.until > this.now()) return hit.e;
    const [e] = await this.select('WHERE evaluation_id = {id:String}', { id });
    if (e) this.cache.set(id, { e, until: this.now() + 60_000 });
    return e;
  }

  async require(id: string): Promise<Evaluation> {
    const e = await this.get(id);
    if (!e) throw new FieldError('id', `no evaluation with id "${id}"`, { code: 'NOT_FOUND' });
    return e;
  }

  /** Evaluations, newest first; of one group when given. */
  list(o: { group?: string; limit?: number } = {}): Promise<Evaluation[]> {
    return this.select(`${o.group !== undefined ? 'WHERE group_name = {group:String}' : ''} ORDER BY created_at DESC, evaluation_id LIMIT {limit:UInt32}`, { group: o.group, limit: o.limit ?? 1000 });
  }

  /** Data points counted per evaluation. */
  async counts(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rs = await this.client.query({
      query: `SELECT evaluation_id, uniqExact(datapoint_id) AS n FROM ${this.datapointsT} WHERE evaluation_id IN {ids:Array(String)} GROUP BY evaluation_id`,
      query_params: { ids },
      format: 'JSONEachRow',
    });
    return new Map((await rs.json<{ evaluation_id: string; n: string }>()).map((r) => [r.evaluation_id, Number(r.n)]));
  }

  private async select(where: string, params: Record<string, unknown>): Promise<Evaluation[]> {
    const rs = await this.client.query({
      query: `SELECT evaluation_id, name, group_name, metadata, human_evaluators, created_by, toUnixTimestamp64Milli(created_at) AS created
              FROM ${this.evaluations} FINAL ${where}`,
      query_params: params,
      format: 'JSONEachRow',
    });
    return (await rs.json<{ evaluation_id: string; name: string; group_name: string; metadata: string; human_evaluators: string; created_by: string; created: string }>()).map((r) => ({
      id: r.evaluation_id,
      name: r.name,
      group: r.group_name,
      metadata: JSON.parse(r.metadata) as Record<string, unknown>,
      human_evaluators: JSON.parse(r.human_evaluators) as HumanEvaluatorRef[],
      created_by: r.created_by,
      created_at: new Date(Number(r.created)).toISOString(),
    }));
  }

  /**
   * Writes data points; a field a write leaves out keeps the value an earlier write of the
   * same data point gave (the SDK writes a data point before running it, then with its
   * output). Resolves once stored, with the data points as they now are.
   */
  async putDatapoints(evaluationId: string, inputs: DatapointInput[]): Promise<Datapoint[]> {
    if (inputs.length === 0) return [];
    const before = new Map((await this.datapoints(evaluationId, { ids: inputs.map((i) => i.id) })).map((d) => [d.id, d]));
    const now = this.now();
    const merged = new Map<string, Datapoint>();
    for (const i of inputs) {
      const b = merged.get(i.id) ?? before.get(i.id);
      merged.set(i.id, {
        id: i.id,
        index: i.index ?? b?.index ?? 0,
        data: i.data !== undefined ? i.data : (b?.data ?? null),
        target: i.target !== undefined ? i.target : (b?.target ?? null),
        metadata: i.metadata ?? b?.metadata ?? {},
        executor_output: i.executor_output !== undefined ? i.executor_output : (b?.executor_output ?? null),
        has_output: i.executor_output !== undefined || (b?.has_output ?? false),
        error: i.error ?? b?.error ?? '',
        trace_id: i.trace_id !== undefined ? hexId(i.trace_id) : (b?.trace_id ?? ''),
        executor_span_id: i.executor_span_id !== undefined ? hexId(i.executor_span_id) : (b?.executor_span_id ?? ''),
        dataset_link: i.dataset_link ?? b?.dataset_link ?? null,
        created_at: b?.created_at ?? new Date(now).toISOString(),
      });
    }
    const prev = await this.versions(this.datapointsT, evaluationId, 'datapoint_id', [...merged.keys()]);
    const rows = [...merged.values()].map((d) => [
      evaluationId, d.id, d.index, JSON.stringify(d.data ?? null), JSON.stringify(d.target ?? null), JSON.stringify(d.metadata), JSON.stringify(d.executor_output ?? null),
      d.has_output ? 1 : 0, d.error, d.trace_id, d.executor_span_id, d.dataset_link ? JSON.stringify(d.dataset_link) : '', msToDateTime64(Date.parse(d.created_at)), after(prev.get(d.id), now),
    ]);
    const written = this.dpWriter.write(serializeRows(rows));
    this.dpWriter.batcher.kick();
    await written;
    return [...merged.values()];
  }

  /** Data points in index order: all, or those of `ids`, or a page after an index. */
  async datapoints(evaluationId: string, o: { ids?: string[]; afterIndex?: number; limit?: number } = {}): Promise<Datapoint[]> {
    const rs = await this.client.query({
      query: `SELECT datapoint_id, idx, data, target, metadata, executor_output, has_output, error, trace_id, executor_span_id, dataset_link, toUnixTimestamp64Milli(created_at) AS created
              FROM ${this.datapointsT} FINAL
              WHERE evaluation_id = {evaluation:String}
              ${o.ids ? 'AND datapoint_id IN {ids:Array(String)}' : ''}
              ${o.afterIndex !== undefined ? 'AND idx > {after:UInt32}' : ''}
              ORDER BY idx, datapoint_id ${o.limit !== undefined ? 'LIMIT {limit:UInt32}' : ''}`,
      query_params: { evaluation: evaluationId, ids: o.ids, after: o.afterIndex, limit: o.limit },
      format: 'JSONEachRow',
    });
    return (await rs.json<DatapointRow>()).map(toDatapoint);
  }

  /** The data point whose trace (or executor span) this is, for scores sent by trace. */
  async datapointByTrace(o: { traceId?: string; spanId?: string }): Promise<{ evaluationId: string; datapoint: Datapoint } | undefined> {
    const rs = await this.client.query({
      query: `SELECT evaluation_id, datapoint_id, idx, data, target, metadata, executor_output, has_output, error, trace_id, executor_span_id, dataset_link, toUnixTimestamp64Milli(created_at) AS created
              FROM ${this.datapointsT} FINAL
              WHERE ${o.traceId ? 'trace_id = {trace:String}' : 'executor_span_id = {span:String}'} LIMIT 1`,
      query_params: { trace: hexId(o.traceId), span: hexId(o.spanId) },
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<DatapointRow & { evaluation_id: string }>();
    return r ? { evaluationId: r.evaluation_id, datapoint: toDatapoint(r) } : undefined;
  }

  /** Writes scores (each replaces the one of the same data point, source, evaluator, name and labeler); resolves once stored. */
  async putScores(evaluationId: string, scores: ScoreInput[]): Promise<void> {
    if (scores.length === 0) return;
    const now = this.now();
    const at = msToDateTime64(now);
    const key = (s: { datapoint_id: string; source: string; evaluator: string; name: string; labeler?: string }) => [s.datapoint_id, s.source, s.evaluator, s.name, s.labeler ?? ''].join('\0');
    const prev = await this.versions(this.scoresT, evaluationId, "concat(datapoint_id, '\\0', source, '\\0', evaluator, '\\0', name, '\\0', labeler)", scores.map(key), 'datapoint_id', [...new Set(scores.map((s) => s.datapoint_id))]);
    const rows = scores.map((s) => [
      evaluationId, s.datapoint_id, s.source, s.evaluator, s.name, s.labeler ?? '', s.value, s.error ?? '', s.queue ?? '', s.item_id ?? '', at, s.deleted ? 1 : 0, after(prev.get(key(s)), now),
    ]);
    const written = this.scoreWriter.write(serializeRows(rows));
    this.scoreWriter.batcher.kick();
    await written;
  }

  /** Every score of an evaluation (or of some of its data points). */
  async scores(evaluationId: string, o: { datapointIds?: string[] } = {}): Promise<Score[]> {
    const rs = await this.client.query({
      query: `SELECT datapoint_id, source, evaluator, name, labeler, value, error, queue, item_id, toUnixTimestamp64Milli(updated_at) AS updated
              FROM ${this.scoresT} FINAL
              WHERE evaluation_id = {evaluation:String} AND deleted = 0 ${o.datapointIds ? 'AND datapoint_id IN {ids:Array(String)}' : ''}
              ORDER BY datapoint_id, source, evaluator, name, labeler`,
      query_params: { evaluation: evaluationId, ids: o.datapointIds },
      format: 'JSONEachRow',
    });
    return (await rs.json<{ datapoint_id: string; source: ScoreSource; evaluator: string; name: string; labeler: string; value: number | null; error: string; queue: string; item_id: string; updated: string }>()).map((r) => ({
      datapoint_id: r.datapoint_id,
      source: r.source,
      evaluator: r.evaluator,
      name: r.name,
      labeler: r.labeler,
      value: r.value === null ? null : Number(r.value),
      error: r.error,
      queue: r.queue,
      item_id: r.item_id,
      updated_at: new Date(Number(r.updated)).toISOString(),
    }));
  }

  /**
   * The latest version of each row key among `keys` (`key` a column or an expression of
   * the table's sort key), narrowed by `narrowColumn IN narrow` when given: a write goes
   * after them whatever this process's clock says, so replicas whose clocks differ never
   * let an older write win.
   */
  private async versions(table: string, evaluationId: string, key: string, keys: string[], narrowColumn?: string, narrow?: string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rs = await this.client.query({
      query: `SELECT ${key} AS k, max(version) AS v FROM ${table}
              WHERE evaluation_id = {evaluation:String} AND ${narrowColumn ?? key} IN {narrow:Array(String)} GROUP BY k`,
      query_params: { evaluation: evaluationId, narrow: narrow ?? keys },
      format: 'JSONEachRow',
    });
    return new Map((await rs.json<{ k: string; v: string }>()).map((r) => [r.k, Number(r.v)]));
  }

  async flush(): Promise<void> {
    await Promise.all([this.dpWriter.batcher.flush(), this.scoreWriter.batcher.flush()]);
  }
}

interface DatapointRow {
  datapoint_id: string;
  idx: number;
  data: string;
  target: string;
  metadata: string;
  executor_output: string;
  has_output: number;
  error: string;
  trace_id: string;
  executor_span_id: string;
  dataset_link: string;
  created: string;
}

function toDatapoint(r: DatapointRow): Datapoint {
  return {
    id: r.datapoint_id,
    index: Number(r.idx),
    data: JSON.parse(r.data),
    target: JSON.parse(r.target),
    metadata: JSON.parse(r.metadata),
    executor_output: JSON.parse(r.executor_output),
    has_output: Number(r.has_output) === 1,
    error: r.error,
    trace_id: r.trace_id,
    executor_span_id: r.executor_span_id,
    dataset_link: r.dataset_link ? JSON.parse(r.dataset_link) : null,
    created_at: new Date(Number(r.created)).toISOString(),
  };
}
