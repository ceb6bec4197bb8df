/**
 * Routing by disagreement. A queue with `review` sends a completed item to its review queue
 * when two labelers' values of a label differ by more than `labelers_differ_by`, or when
 * the labelers' aggregate and the automatic score of the same criterion (the item came
 * from an evaluation) differ by more than `judge_differs_by`; a difference is a fraction
 * of the label's range. The review item carries the reasons. Until the reviewer submits,
 * the reviewed item's configured actions wait; then the reviewer's labels are the final
 * ones: the item's actions run with them, and they become the data point's human score.
 */
import { hash } from 'node:crypto';
import { itemIdForKey } from '../../collector/model/ids.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import type { LabelSpec, QueueSpec, ReviewSpec } from '../../config/queues.js';
import type { ActionContext } from '../actions/context.js';
import type { BuiltinAction } from '../actions/runner.js';
import type { LabelsView } from '../desk.js';
import type { LabelEvent } from '../labels/store.js';
import { numericValue } from '../evaluations/scores.js';
import { aggregateOf, onLabelScale } from '../evaluations/scale.js';
import { evaluationLink } from '../evaluations/recorder.js';
import type { EvaluationStore } from '../evaluations/store.js';
import { jsonSafe, type QueueItemRow } from '../queues/items.js';
import { keepFor } from '../queues/schema.js';
import type { QueueStore, StoredItem } from '../queues/store.js';

/** Why an item was sent for review. */
export interface ReviewReason {
  kind: 'labelers' | 'judge';
  label: string;
  /** The difference, as a fraction of the label's range. */
  difference: number;
  threshold: number;
  /** Labelers' values (kind `labelers`), or the aggregate and the automatic score (kind `judge`). */
  values: Record<string, unknown>;
  /** The automatic score compared (kind `judge`). */
  score?: string;
}

/** What a review item keeps of the item it reviews. */
export interface ReviewOf {
  queue: string;
  item_id: string;
  reasons: ReviewReason[];
}

export function reviewOf(metadata: unknown): ReviewOf | undefined {
  const r = (metadata as { review?: Partial<ReviewOf> } | undefined)?.review;
  return r && typeof r.queue === 'string' && typeof r.item_id === 'string' ? (r as ReviewOf) : undefined;
}

export function reviewItemId(reviewQueue: string, queue: string, itemId: string): string {
  return itemIdForKey(reviewQueue, `review:${queue}:${itemId}`);
}

/** A label's range: max - min for numbers, the spread of a category's values, 1 for a boolean. */
function range(l: LabelSpec): number {
  if (l.type === 'numeric') return l.max - l.min;
  if (l.type === 'categorical') {
    const vs = Object.values(l.values);
    return Math.max(...vs) - Math.min(...vs) || 1;
  }
  return 1;
}

/** How far apart two values of a label are: a fraction of its range (numbers, ordered categories); any difference of booleans and unordered categories is 1. */
function difference(l: LabelSpec, a: number, b: number): number {
  if (l.type === 'numeric' || (l.type === 'categorical' && l.ordinal)) return Math.abs(a - b) / range(l);
  return a === b ? 0 : 1;
}

export interface Disagreement {
  review: ReviewSpec;
  /** Automatic scores of the item's data point by name (when it came from an evaluation). */
  judge?: Map<string, number>;
  /** Automatic score name -> the label it is compared with (config `evaluations.criteria`). */
  criteria: Record<string, string>;
}

/** The reasons to send this item for review; none when everyone agrees within the thresholds. */
export function reasons(spec: QueueSpec, byLabeler: ActionContext['byLabeler'], d: Disagreement): ReviewReason[] {
  const out: ReviewReason[] = [];
  for (const l of spec.labels) {
    if (l.type === 'text') continue;
    const values = new Map<string, number>();
    for (const [who, b] of Object.entries(byLabeler)) {
      const n = numericValue(l, b.values[l.name]);
      if (n !== undefined) values.set(who, n);
    }
    if (values.size === 0) continue;
    const shown = Object.fromEntries([...values.keys()].map((w) => [w, byLabeler[w].values[l.name]]));
    if (d.review.labelers_differ_by !== undefined && values.size >= 2) {
      const ns = [...values.values()];
      let worst = 0;
      for (let i = 0; i < ns.length; i++) for (let j = i + 1; j < ns.length; j++) worst = Math.max(worst, difference(l, ns[i], ns[j]));
      if (worst > d.review.labelers_differ_by) out.push({ kind: 'labelers', label: l.name, difference: worst, threshold: d.review.labelers_differ_by, values: shown });
    }
    if (d.review.judge_differs_by !== undefined && d.judge) {
      const agg = aggregateOf(l, [...values.values()]);
      for (const [score, auto] of d.judge) {
        if (score !== l.name && d.criteria[score] !== l.name) continue;
        // The people's aggregate and the judge's score, both on the label's scale (scale.ts).
        if (agg === undefined) continue;
        const human = onLabelScale(l, agg);
        const judge = onLabelScale(l, auto);
        const diff = difference(l, human, judge);
        if (diff > d.review.judge_differs_by) out.push({ kind: 'judge', label: l.name, score, difference: diff, threshold: d.review.judge_differs_by, values: { labelers: agg, [score]: auto } });
      }
    }
  }
  return out;
}

export interface ReviewDeps {
  queues: QueueStore;
  spec: (queue: string) => QueueSpec | undefined;
  labels: (queue: string, id: string) => Promise<LabelsView[]>;
  evaluations: EvaluationStore;
  criteria: () => Record<string, string>;
  /** Acts on events made for the reviewed item (the runner's emit). */
  emit: (events: LabelEvent[]) => Promise<void>;
  now?: () => number;
}

/** Sending for review, holding the reviewed item's actions, and standing the reviewer's labels in for its labels. */
export class Reviews {
  constructor(private readonly d: ReviewDeps) {}

  private async judgeScores(item: StoredItem): Promise<Map<string, number> | undefined> {
    const link = evaluationLink(item.metadata);
    if (!link) return undefined;
    const scores = await this.d.evaluations.scores(link.id, { datapointIds: [link.datapoint_id] });
    return new Map(scores.filter((s) => s.source !== 'human' && s.value !== null).map((s) => [s.name, s.value!]));
  }

  async reasonsFor(ctx: ActionContext): Promise<ReviewReason[]> {
    const spec = this.d.spec(ctx.queue);
    if (!spec?.review) return [];
    const judge = spec.review.judge_differs_by !== undefined ? await this.judgeScores(ctx.item) : undefined;
    return reasons(spec, ctx.byLabeler, { review: spec.review, judge, criteria: this.d.criteria() });
  }

  /** The reviewers' submitted labels on the item's review, if it was sent for one. */
  async reviewed(queue: string, item: StoredItem): Promise<{ queue: string; item_id: string; byLabeler: ActionContext['byLabeler'] } | undefined> {
    const r = this.d.spec(queue)?.review;
    if (!r || !this.d.spec(r.queue)) return undefined;
    const id = reviewItemId(r.queue, queue, item.id);
    // Storage trouble propagates: the action waits and tries again rather than acting without the review.
    const views = await this.d.labels(r.queue, id);
    const byLabeler: ActionContext['byLabeler'] = {};
    for (const v of views) if (v.submitted) byLabeler[v.labeler] = { values: v.submitted.values, reasoning: v.submitted.reasoning, at: v.submitted.at };
    return { queue: r.queue, item_id: id, byLabeler };
  }

  /** Why a configured action of this item waits: it went (or goes) to review and nobody has reviewed it yet. */
  async holdReason(ctx: ActionContext): Promise<string | undefined> {
    const r = this.d.spec(ctx.queue)?.review;
    if (!r || ctx.reviewed) return undefined;
    const sent = (await this.d.queues.get(r.queue, reviewItemId(r.queue, ctx.queue, ctx.item.id))) !== undefined;
    if (sent || (await this.reasonsFor(ctx)).length) return `sent for review to queue ${r.queue}; runs with the reviewer's labels`;
    return undefined;
  }

  /** On the reviewed queue's events: sends the item for review when its labels disagree. */
  sendAction(): BuiltinAction {
    return {
      name: 'review',
      applies: (queue) => this.d.spec(queue)?.review !== undefined,
      run: async (ctx) => {
        const r = this.d.spec(ctx.queue)!.review!;
        const why = await this.reasonsFor(ctx);
        const id = reviewItemId(r.queue, ctx.queue, ctx.item.id);
        if (why.length === 0) return { status: 'skipped', detail: 'the labels agree' };
        if (await this.d.queues.get(r.queue, id)) return { status: 'skipped', detail: `already sent to queue ${r.queue}` };
        const now = (this.d.now ?? Date.now)();
        const it = ctx.item;
        const meta = it.metadata && typeof it.metadata === 'object' && !Array.isArray(it.metadata) ? (it.metadata as Record<string, unknown>) : {};
        const { evaluation: _drop, ...rest } = meta;
        const row: QueueItemRow = {
          queue: r.queue,
          item_id: id,
          enqueued_at: msToDateTime64(now),
          source: 'review',
          rule: it.rule,
          trace_id: it.traceId,
          span_id: it.spanId,
          idempotency_key: '',
          payload: JSON.stringify(it.data ?? {}, jsonSafe),
          target: JSON.stringify(it.target ?? null, jsonSafe),
          metadata: JSON.stringify({ ...rest, review: { queue: ctx.queue, item_id: it.id, reasons: why } satisfies ReviewOf }, jsonSafe),
          keep: keepFor(now),
        };
        const written = this.d.queues.write([row]);
        this.d.queues.batcher.kick();
        await written;
        return { status: 'delivered', detail: `sent to queue ${r.queue}: ${why.map(describeReason).join('; ')}` };
      },
    };
  }

  /** On the review queue's events: the reviewed item's actions run again, with the reviewer's labels. */
  resultAction(): BuiltinAction {
    return {
      name: 'review-result',
      applies: (_queue, item) => reviewOf(item.metadata) !== undefined,
      run: async (ctx) => {
        const of = reviewOf(ctx.item.metadata)!;
        const now = (this.d.now ?? Date.now)();
        await this.d.emit([{
          queue: of.queue,
          eventId: hash('sha256', `review\0${ctx.event.id}`).slice(0, 32),
          itemId: of.item_id,
          kind: ctx.event.kind,
          labeler: ctx.labelers[0] ?? '',
          labelers: ctx.labelers,
          version: 0,
          at: now,
        }]);
        return { status: 'delivered', detail: `the reviewer's labels stand for item ${of.item_id} of queue ${of.queue}` };
      },
    };
  }
}

export function describeReason(r: ReviewReason): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  if (r.kind === 'labelers') return `labelers differ on ${r.label} by ${pct(r.difference)} of its range (threshold ${pct(r.threshold)})`;
  return `labelers and ${r.score} differ on ${r.label} by ${pct(r.difference)} of its range (threshold ${pct(r.threshold)})`;
}
