/**
 * What the evaluations API does: creates evaluations (checking their human evaluators'
 * queues exist, before anything runs), records data points with their automatic scores,
 * and puts every data point that ran into each human evaluator's queue as an item tied to
 * it (the item shows the data point's input and the executor's output, and keeps the trace
 * and executor span ids), so that labeling it writes human scores back (see scores.ts).
 */
import { FieldError } from '../../collector/errors.js';
import { itemIdForKey } from '../../collector/model/ids.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import type { Config } from '../../config/schema.js';
import { jsonSafe, type QueueItemRow } from '../queues/items.js';
import { keepFor } from '../queues/schema.js';
import type { QueueStore } from '../queues/store.js';
import { nameFor, type EvaluationQueues } from './queues.js';
import { hexId, type Datapoint, type DatapointInput, type Evaluation, type EvaluationStore, type HumanEvaluatorRef, type Score, type ScoreInput, type ScoreSource } from './store.js';

export interface DatapointWrite extends DatapointInput {
  /** Score name -> value; null names a human evaluator (as Laminar's SDK sends them). */
  scores?: Record<string, number | null>;
  /** Score name -> `code` or `llm` (default `code`). */
  score_sources?: Record<string, 'code' | 'llm'>;
  /** Score name -> the evaluator that gave it, when it returned several (default: the score's name). */
  score_evaluators?: Record<string, string>;
  /** Evaluator name -> its error, when it failed on this data point. */
  evaluator_errors?: Record<string, string>;
}

/** The link from a queue item back to its data point, kept in the item's metadata. */
export interface EvaluationLink {
  id: string;
  name: string;
  group: string;
  datapoint_id: string;
  index: number;
  /** The human evaluator this item is for. */
  evaluator: string;
}

export function evaluationLink(metadata: unknown): EvaluationLink | undefined {
  const e = (metadata as { evaluation?: unknown } | undefined)?.evaluation as Partial<EvaluationLink> | undefined;
  return e && typeof e.id === 'string' && typeof e.datapoint_id === 'string' ? (e as EvaluationLink) : undefined;
}

export function evaluationItemId(queue: string, evaluationId: string, datapointId: string): string {
  return itemIdForKey(queue, `evaluation:${evaluationId}:${datapointId}`);
}

export interface RecorderDeps {
  store: EvaluationStore;
  queues: QueueStore;
  config: () => Config;
  /** Queues made for Laminar human evaluators that have none in config. */
  evalQueues?: EvaluationQueues;
  now?: () => number;
}

const SCORE_NAME = /^[\w .:-]{1,128}$/u;

export class EvaluationRecorder {
  constructor(private readonly d: RecorderDeps) {}

  /** The queue a human evaluator of this name sends its items to: mapped in config, else the queue of its name (made a valid name). */
  queueFor(name: string): string {
    const mapped = this.d.config().evaluations.human_evaluators;
    if (Object.hasOwn(mapped, name)) return mapped[name].queue;
    return Object.hasOwn(this.d.config().queues, name) ? name : nameFor(name);
  }

  /** Checks that every queue exists; NOT_FOUND names the field and the queues there are. */
  resolveHumanEvaluators(list: Array<string | { name?: string; queue: string }>, field = 'human_evaluators'): HumanEvaluatorRef[] {
    const queues = this.d.config().queues;
    const out: HumanEvaluatorRef[] = [];
    for (const [i, h] of list.entries()) {
      const ref = typeof h === 'string' ? { name: h, queue: h } : { name: h.name ?? h.queue, queue: h.queue };
      if (!Object.hasOwn(queues, ref.queue)) {
        const known = Object.keys(queues);
        throw new FieldError(`${field}.${i}`, `${field}.${i}: no queue named "${ref.queue}" for human evaluator "${ref.name}"; ${known.length ? `queues: ${known.join(', ')}` : 'no queues are configured'}`, { code: 'NOT_FOUND' });
      }
      if (!out.some((o) => o.name === ref.name)) out.push(ref);
    }
    return out;
  }

  async create(createdBy: string, b: { name?: string | null; group?: string | null; metadata?: Record<string, unknown> | null; human_evaluators?: Array<string | { name?: string; queue: string }> }): Promise<Evaluation> {
    const humanEvaluators = this.resolveHumanEvaluators(b.human_evaluators ?? []);
    const now = new Date((this.d.now ?? Date.now)());
    return this.d.store.create({
      name: b.name || `evaluation ${now.toISOString().slice(0, 19).replace('T', ' ')}`,
      group: b.group || 'default',
      metadata: b.metadata ?? {},
      humanEvaluators,
      createdBy,
    });
  }

  /**
   * Stores data points and their automatic scores, and queues the ones that ran for their
   * human evaluators. A score given as null names a human evaluator (by the queue of its
   * name, or as mapped in config), which joins the evaluation.
   */
  async record(evaluationId: string, points: DatapointWrite[], field = 'datapoints'): Promise<Datapoint[] & { queued?: Record<string, number> }> {
    let e = await this.d.store.require(evaluationId);
    const named = new Set<string>();
    for (const [i, p] of points.entries()) {
      for (const [name, v] of Object.entries(p.scores ?? {})) {
        if (!SCORE_NAME.test(name)) throw new FieldError(`${field}.${i}.scores`, `${field}.${i}.scores: "${name.slice(0, 60)}" is not a score name (letters, digits, spaces and _ . : - only, at most 128)`);
        if (v === null && !e.human_evaluators.some((h) => h.name === name)) named.add(name);
        else if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new FieldError(`${field}.${i}.scores.${name}`, `${field}.${i}.scores.${name}: expected a finite number or null`);
      }
    }
    if (named.size) {
      // Named by a score of null (Laminar's HumanEvaluator): its queue, or one made for it.
      const refs: HumanEvaluatorRef[] = [];
      for (const name of named) {
        const queue = this.queueFor(name);
        if (!Object.hasOwn(this.d.config().queues, queue)) {
          if (!this.d.evalQueues) this.resolveHumanEvaluators([{ name, queue }], 'scores');
          else {
            await this.d.evalQueues.ensure(queue, name);
            await this.d.evalQueues.defineFromStoredSpans(queue, name, points.map((p) => hexId(p.trace_id)).filter((t) => t !== ''));
          }
        }
        refs.push({ name, queue });
      }
      e = await this.d.store.update(evaluationId, { addHumanEvaluators: refs });
    }
    const stored = await this.d.store.putDatapoints(evaluationId, points);
    const scores: ScoreInput[] = [];
    for (const p of points) {
      for (const [name, value] of Object.entries(p.scores ?? {})) {
        if (value === null) continue;
        scores.push({ datapoint_id: p.id, source: p.score_sources?.[name] ?? 'code', evaluator: p.score_evaluators?.[name] ?? name, name, value });
      }
      for (const [evaluator, error] of Object.entries(p.evaluator_errors ?? {})) {
        scores.push({ datapoint_id: p.id, source: p.score_sources?.[evaluator] ?? 'code', evaluator, name: evaluator, value: null, error: String(error).slice(0, 10_000) });
      }
    }
    const [, queued] = await Promise.all([this.d.store.putScores(evaluationId, scores), this.queueForHumans(e, stored)]);
    return Object.assign(stored, { queued });
  }

  /** Scores attached after the fact (an evaluator run later, a score by trace). */
  async attachScores(evaluationId: string, scores: Array<{ datapoint_id: string; name: string; value: number; source?: ScoreSource; evaluator?: string }>): Promise<void> {
    await this.d.store.require(evaluationId);
    const known = new Set((await this.d.store.datapoints(evaluationId, { ids: [...new Set(scores.map((s) => s.datapoint_id))] })).map((d) => d.id));
    for (const [i, s] of scores.entries()) {
      if (!known.has(s.datapoint_id)) throw new FieldError(`scores.${i}.datapoint_id`, `scores.${i}.datapoint_id: no data point "${s.datapoint_id}" in this evaluation`, { code: 'NOT_FOUND' });
    }
    await this.d.store.putScores(evaluationId, scores.map((s) => ({ datapoint_id: s.datapoint_id, source: s.source ?? 'code', evaluator: s.evaluator ?? s.name, name: s.name, value: s.value })));
  }

  /** Items for the data points that ran without error, one per human evaluator's queue; how many went to each queue. */
  private async queueForHumans(e: Evaluation, points: Datapoint[]): Promise<Record<string, number>> {
    const queued: Record<string, number> = {};
    if (e.human_evaluators.length === 0) return queued;
    const now = (this.d.now ?? Date.now)();
    const rows: QueueItemRow[] = [];
    for (const p of points) {
      if (!p.has_output || p.error) continue;
      for (const h of e.human_evaluators) {
        const link: EvaluationLink = { id: e.id, name: e.name, group: e.group, datapoint_id: p.id, index: p.index, evaluator: h.name };
        rows.push({
          queue: h.queue,
          item_id: evaluationItemId(h.queue, e.id, p.id),
          enqueued_at: msToDateTime64(now),
          source: 'evaluation',
          rule: '',
          trace_id: p.trace_id,
          span_id: p.executor_span_id,
          idempotency_key: '',
          payload: JSON.stringify({ source: 'evaluation', input: p.data, output: p.executor_output }, jsonSafe),
          target: JSON.stringify(p.target ?? null, jsonSafe),
          metadata: JSON.stringify({ ...p.metadata, evaluation: link }, jsonSafe),
          keep: keepFor(now),
        });
        queued[h.queue] = (queued[h.queue] ?? 0) + 1;
      }
    }
    if (rows.length === 0) return queued;
    const written = this.d.queues.write(rows);
    this.d.queues.batcher.kick();
    await written;
    return queued;
  }
}

/** Data points with their scores, as the API reads them. */
export function withScores(points: Datapoint[], scores: Score[]): Array<Datapoint & { scores: Array<Omit<Score, 'datapoint_id'>> }> {
  const by = new Map<string, Array<Omit<Score, 'datapoint_id'>>>();
  for (const { datapoint_id, ...s } of scores) {
    let list = by.get(datapoint_id);
    if (!list) by.set(datapoint_id, (list = []));
    list.push(s);
  }
  return points.map((p) => ({ ...p, scores: by.get(p.id) ?? [] }));
}

/** The mean of each automatic score and of each human aggregate, over the data points that have it. */
export function averageScores(scores: Score[]): Array<{ name: string; source: ScoreSource; evaluator: string; mean: number; n: number }> {
  const acc = new Map<string, { name: string; source: ScoreSource; evaluator: string; sum: number; n: number }>();
  for (const s of scores) {
    if (s.value === null || s.labeler !== '') continue;
    const k = `${s.source}\0${s.evaluator}\0${s.name}`;
    const a = acc.get(k) ?? { name: s.name, source: s.source, evaluator: s.evaluator, sum: 0, n: 0 };
    a.sum += s.value;
    a.n++;
    acc.set(k, a);
  }
  return [...acc.values()].map(({ sum, ...a }) => ({ ...a, mean: sum / a.n })).sort((a, b) => a.source.localeCompare(b.source) || a.evaluator.localeCompare(b.evaluator) || a.name.localeCompare(b.name));
}
