/**
 * Human scores written back: when an item that came from an evaluation's data point is
 * completed (or changed later), every numeric label of every labeler who submitted becomes
 * a human score of that data point (booleans as 0/1, categories through their value map),
 * and so does what they come to (their mean; for unordered categories the answer most
 * gave: scale.ts), under labeler ''. When the item was reviewed, the reviewer's labels are
 * the aggregate. A score no longer given is withdrawn.
 */
import type { LabelSpec, QueueSpec } from '../../config/queues.js';
import type { ActionContext, Value } from '../actions/context.js';
import type { BuiltinAction } from '../actions/runner.js';
import { encodeValue } from '../labels/values.js';
import { evaluationLink } from './recorder.js';
import { aggregateOf } from './scale.js';
import type { EvaluationStore, ScoreInput } from './store.js';

/** A label's value as a number for scores; undefined for text and for a value the label no longer accepts. */
export function numericValue(spec: LabelSpec, v: Value | undefined): number | undefined {
  if (v === undefined || spec.type === 'text') return undefined;
  try {
    const n = encodeValue(spec, v, spec.name).value;
    return n === null ? undefined : n;
  } catch {
    return undefined;
  }
}

/** Each numeric label's values, by label, over these labelers' labels. */
function numbers(spec: QueueSpec, byLabeler: ActionContext['byLabeler']): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const l of spec.labels) {
    if (l.type === 'text') continue;
    const m = new Map<string, number>();
    for (const [who, b] of Object.entries(byLabeler)) {
      const n = numericValue(l, b.values[l.name]);
      if (n !== undefined) m.set(who, n);
    }
    out.set(l.name, m);
  }
  return out;
}

/** The score rows for this context: one per labeler and label, and the aggregate of each label (scale.ts). */
export function humanScores(ctx: ActionContext, spec: QueueSpec, reviewers?: ActionContext['byLabeler']): ScoreInput[] {
  const link = evaluationLink(ctx.item.metadata);
  if (!link) return [];
  const base = { datapoint_id: link.datapoint_id, source: 'human' as const, evaluator: link.evaluator, queue: ctx.queue, item_id: ctx.item.id };
  const out: ScoreInput[] = [];
  const final = reviewers && Object.keys(reviewers).length ? numbers(spec, reviewers) : undefined;
  for (const [label, byWho] of numbers(spec, ctx.byLabeler)) {
    const l = spec.labels.find((x) => x.name === label)!;
    for (const [who, value] of byWho) out.push({ ...base, name: label, labeler: who, value });
    const agg = aggregateOf(l, final?.get(label)?.size ? [...final.get(label)!.values()] : [...byWho.values()]);
    if (agg !== undefined) out.push({ ...base, name: label, labeler: '', value: agg });
  }
  return out;
}

/**
 * The rows that undo earlier scores of this item no longer given: a labeler who cleared a
 * label, a value the label no longer accepts, an aggregate with no majority any more.
 */
export function withdrawn(now: ScoreInput[], before: Array<{ name: string; labeler: string; item_id: string; evaluator: string }>, itemId: string, evaluator: string, datapointId: string): ScoreInput[] {
  const kept = new Set(now.map((s) => `${s.name}\0${s.labeler ?? ''}`));
  return before
    .filter((s) => s.item_id === itemId && s.evaluator === evaluator && !kept.has(`${s.name}\0${s.labeler}`))
    .map((s) => ({ datapoint_id: datapointId, source: 'human' as const, evaluator, name: s.name, labeler: s.labeler, value: null, item_id: itemId, deleted: true }));
}

/** The built-in action that writes them. */
export function evaluationScoresAction(o: {
  store: EvaluationStore;
  spec: (queue: string) => QueueSpec | undefined;
}): BuiltinAction {
  return {
    name: 'evaluation-scores',
    applies: (_queue, item) => evaluationLink(item.metadata) !== undefined,
    run: async (ctx) => {
      const spec = o.spec(ctx.queue);
      const link = evaluationLink(ctx.item.metadata)!;
      if (!spec) return { status: 'skipped', detail: 'the queue is no longer configured' };
      if (!(await o.store.get(link.id))) return { status: 'skipped', detail: `evaluation ${link.id} no longer exists` };
      const rows = humanScores(ctx, spec, ctx.reviewed?.byLabeler);
      const before = (await o.store.scores(link.id, { datapointIds: [link.datapoint_id] })).filter((s) => s.source === 'human');
      await o.store.putScores(link.id, [...rows, ...withdrawn(rows, before, ctx.item.id, link.evaluator, link.datapoint_id)]);
      return { status: 'delivered', detail: `${rows.length} human scores for data point ${link.index} of evaluation ${link.name}` };
    },
  };
}
