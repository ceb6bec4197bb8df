/**
 * Queues made for human evaluators of Laminar's SDK that have no queue in config. Such an
 * evaluator is a key of `evaluators` holding `new HumanEvaluator(options?)`: its data
 * points name it (a score of null), and its span (type HUMAN_EVALUATOR) carries the
 * options, `[{label, value}]`, which become the queue's one categorical label, named
 * after the evaluator (with no options, a number from 0 to 1). The data points' items
 * wait in the queue until the first such span has told spansift its label; the queue then
 * appears beside the configured ones (labelers with `queues: "*"` and admins see it).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Span } from '../../collector/model/span.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { quoteIdent } from '../../collector/storage/schema.js';
import { labelSchema, queueSchema, type LabelSpec, type QueueSpec } from '../../config/queues.js';
import { EVAL_QUEUES_TABLE } from './schema.js';

export const SPAN_TYPE = 'lmnr.span.type';
export const HUMAN_EVALUATOR_OPTIONS = 'lmnr.span.human_evaluator_options';

export interface EvaluationQueue {
  name: string;
  evaluator: string;
  /** Null until the evaluator's span has been seen. */
  labels: LabelSpec[] | null;
}

/**
 * A queue or label name for an evaluator key: Laminar allows spaces (`human rating`),
 * spansift names take letters, digits and `_ . -` (`human_rating`).
 */
export function nameFor(evaluator: string): string {
  const n = evaluator.trim().replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 128);
  return n || 'human_evaluator';
}

/** The label a human evaluator's options make (a number from 0 to 1 without options), or undefined when the options are not `[{label, value}]`. */
export function labelsFromOptions(evaluator: string, options: unknown): LabelSpec[] | undefined {
  const name = nameFor(evaluator);
  let label: unknown;
  if (options === undefined || options === null) label = { name, type: 'numeric', min: 0, max: 1, required: true };
  else {
    if (!Array.isArray(options) || options.length < 2 || options.length > 100) return undefined;
    const values: Record<string, number> = {};
    for (const o of options) {
      if (!o || typeof o !== 'object' || typeof (o as { label?: unknown }).label !== 'string' || typeof (o as { value?: unknown }).value !== 'number') return undefined;
      values[(o as { label: string }).label] = (o as { value: number }).value;
    }
    label = { name, type: 'categorical', values, required: true };
  }
  const parsed = labelSchema.safeParse(label);
  return parsed.success ? [parsed.data] : undefined;
}

/** A stored queue's spec, or undefined when it does not parse (it is left out, never fatal). */
function specOf(q: EvaluationQueue): QueueSpec | undefined {
  const parsed = queueSchema.safeParse({ instructions: `Give your score for **${q.evaluator}**: how good is this answer to this input?`, labels: q.labels });
  return parsed.success && QUEUE_NAME.test(q.name) ? parsed.data : undefined;
}

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class EvaluationQueues {
  private readonly table: string;
  private known = new Map<string, EvaluationQueue>();
  /** Spans of evaluators no evaluation had named yet, by queue name (bounded, for ten minutes). */
  private readonly early = new Map<string, { evaluator: string; labels: LabelSpec[]; until: number }>();
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    /** The spans table, `database`.`table` quoted: a human evaluator's span may be stored before its data point names it. */
    private readonly spansTable?: string,
    private readonly now: () => number = Date.now,
  ) {
    this.table = `${quoteIdent(database)}.${quoteIdent(EVAL_QUEUES_TABLE)}`;
  }

  /** Called after the set of ready queues changed. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /**
   * Reads every queue (at start, and at each poll for the ones other replicas made). Rows
   * are never deleted: what was known and is missing from a read that started before its
   * write stays.
   */
  async load(): Promise<void> {
    const rs = await this.client.query({ query: `SELECT name, evaluator, labels FROM ${this.table} FINAL`, format: 'JSONEachRow' });
    const next = new Map<string, EvaluationQueue>();
    for (const r of await rs.json<{ name: string; evaluator: string; labels: string }>()) {
      let labels: LabelSpec[] | null = null;
      try {
        labels = r.labels ? (JSON.parse(r.labels) as LabelSpec[]) : null;
      } catch {
        labels = null;
      }
      next.set(r.name, { name: r.name, evaluator: r.evaluator, labels });
    }
    for (const [name, q] of this.known) if (!next.has(name) || (q.labels && !next.get(name)!.labels)) next.set(name, q);
    const before = JSON.stringify(this.specs());
    this.known = next;
    if (JSON.stringify(this.specs()) !== before) for (const fn of this.listeners) fn();
  }

  /** The ready queues, as queue specs (a stored one that does not parse is left out). */
  specs(): Record<string, QueueSpec> {
    const out: Record<string, QueueSpec> = {};
    for (const q of this.known.values()) {
      if (!q.labels) continue;
      const spec = specOf(q);
      if (spec) out[q.name] = spec;
    }
    return out;
  }

  get(name: string): EvaluationQueue | undefined {
    return this.known.get(name);
  }

  /** Records a queue for an evaluator whose span has not been seen yet (its items wait). */
  async ensure(name: string, evaluator: string): Promise<void> {
    if (this.known.has(name)) return;
    const q = { name, evaluator, labels: null };
    this.known.set(name, q);
    await this.writeOrForget(q, undefined);
    const early = this.early.get(name);
    this.early.delete(name);
    if (early && early.evaluator === evaluator && early.until > this.now()) await this.define(name, evaluator, early.labels);
  }

  /**
   * A human evaluator's span: its options define (or redefine) the queue's label. Only a
   * queue an evaluation named (through the API, by an admin) is defined: a span alone,
   * from anyone who may send OTLP, makes no queue.
   */
  async define(name: string, evaluator: string, labels: LabelSpec[]): Promise<void> {
    const was = this.known.get(name);
    if (!was || was.evaluator !== evaluator) {
      // Not named yet: its data point may be on its way (the span came first). Kept a while, for ensure().
      this.early.set(name, { evaluator, labels, until: this.now() + 600_000 });
      if (this.early.size > 1000) this.early.delete(this.early.keys().next().value!);
      return;
    }
    if (was.labels && JSON.stringify(was.labels) === JSON.stringify(labels)) return;
    if (!specOf({ name, evaluator, labels })) return;
    const q = { name, evaluator, labels };
    this.known.set(name, q);
    await this.writeOrForget(q, was);
    for (const fn of this.listeners) fn();
  }

  /**
   * A waiting queue whose evaluator's span arrived before the data points named it: its
   * options are read from the stored span of one of these traces.
   */
  async defineFromStoredSpans(name: string, evaluator: string, traceIds: string[]): Promise<void> {
    const q = this.known.get(name);
    if (!this.spansTable || !q || q.labels || traceIds.length === 0) return;
    const rs = await this.client.query({
      query: `SELECT SpanAttributes[{options:String}] AS options, mapContains(SpanAttributes, {options:String}) AS has
              FROM ${this.spansTable}
              WHERE TraceId IN {traces:Array(String)} AND SpanName = {name:String} AND SpanAttributes[{type:String}] = 'HUMAN_EVALUATOR'
              LIMIT 1`,
      query_params: { options: HUMAN_EVALUATOR_OPTIONS, type: SPAN_TYPE, traces: traceIds.slice(0, 100), name: evaluator },
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ options: string; has: number }>();
    if (!r) return;
    let options: unknown;
    try {
      options = Number(r.has) ? JSON.parse(r.options) : undefined;
    } catch {
      return;
    }
    const labels = labelsFromOptions(evaluator, options);
    if (labels) await this.define(name, evaluator, labels);
  }

  /** Human evaluator spans among these, as (evaluator, labels); others and bad options are passed over. */
  static humanEvaluatorSpans(spans: readonly Span[]): Array<{ evaluator: string; labels: LabelSpec[] }> {
    const out: Array<{ evaluator: string; labels: LabelSpec[] }> = [];
    for (const s of spans) {
      if (s.attributes[SPAN_TYPE] !== 'HUMAN_EVALUATOR') continue;
      const raw = s.attributes[HUMAN_EVALUATOR_OPTIONS];
      let options: unknown;
      try {
        options = typeof raw === 'string' ? JSON.parse(raw) : undefined;
      } catch {
        continue;
      }
      const labels = labelsFromOptions(s.name, options);
      if (labels) out.push({ evaluator: s.name, labels });
    }
    return out;
  }

  /** Writes `q`; if that fails, what was known before comes back, so that the next span or data point of it tries again. */
  private async writeOrForget(q: EvaluationQueue, was: EvaluationQueue | undefined): Promise<void> {
    try {
      await this.write(q);
    } catch (e) {
      if (this.known.get(q.name) === q) {
        if (was) this.known.set(q.name, was);
        else this.known.delete(q.name);
      }
      throw e;
    }
  }

  private async write(q: EvaluationQueue): Promise<void> {
    const now = this.now();
    await this.client.insert({
      table: `${this.database}.${EVAL_QUEUES_TABLE}`,
      values: [{ name: q.name, evaluator: q.evaluator, labels: q.labels ? JSON.stringify(q.labels) : '', updated_at: msToDateTime64(now), // A waiting queue never replaces a defined one, whichever replica writes last.
        version: q.labels ? now * 1000 + 1 : 0 }],
      format: 'JSONEachRow',
    });
  }
}
