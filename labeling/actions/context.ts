/**
 * What an action knows of a completed item: the item as the labelers saw it, each
 * labeler's submitted labels, and the labels taken together (the mean of numbers, the
 * most given answer otherwise), which conditions test and datasets keep.
 */
import { hash } from 'node:crypto';
import type { QueueSpec } from '../../config/queues.js';
import type { LabelsView } from '../desk.js';
import type { StoredItem } from '../queues/store.js';
import type { DatasetItemInput } from '../datasets/store.js';

export type Value = boolean | number | string;

export interface ActionContext {
  event: { id: string; kind: 'completed' | 'updated' };
  queue: string;
  item: StoredItem;
  /** Each labeler who submitted: their latest submitted labels. */
  byLabeler: Record<string, { values: Record<string, Value>; reasoning: Record<string, string>; at: string }>;
  labelers: string[];
  /** The labels taken together; after a review, the reviewer's. */
  labels: Record<string, Value>;
  /** When the item was reviewed: who reviewed it, in which queue; their labels are `labels`. */
  reviewed?: { queue: string; item_id: string; by: string[]; byLabeler: ActionContext['byLabeler'] };
}

export interface ContextSources {
  item: (queue: string, id: string) => Promise<StoredItem | undefined>;
  labels: (queue: string, id: string) => Promise<LabelsView[]>;
  spec: (queue: string) => QueueSpec | undefined;
  /** The submitted labels of the item's review, when it was sent for one and reviewed. */
  review?: (queue: string, item: StoredItem) => Promise<{ queue: string; item_id: string; byLabeler: ActionContext['byLabeler'] } | undefined>;
}

/** Numbers: their mean; anything else: the most given value (a tie goes to the labeler first in name order). */
export function aggregate(byLabeler: ActionContext['byLabeler']): Record<string, Value> {
  const values = new Map<string, Value[]>();
  for (const who of Object.keys(byLabeler).sort()) {
    for (const [label, v] of Object.entries(byLabeler[who].values)) values.set(label, [...(values.get(label) ?? []), v]);
  }
  const out: Record<string, Value> = {};
  for (const [label, vs] of values) {
    if (vs.every((v) => typeof v === 'number')) out[label] = (vs as number[]).reduce((a, b) => a + b, 0) / vs.length;
    else {
      const counts = new Map<string, { v: Value; n: number }>();
      for (const v of vs) {
        const k = JSON.stringify(v);
        const c = counts.get(k) ?? { v, n: 0 };
        c.n++;
        counts.set(k, c);
      }
      out[label] = [...counts.values()].reduce((a, b) => (b.n > a.n ? b : a)).v;
    }
  }
  return out;
}

export async function buildContext(s: ContextSources, queue: string, itemId: string, kind: 'completed' | 'updated', eventId: string): Promise<ActionContext> {
  const [item, views] = await Promise.all([s.item(queue, itemId), s.labels(queue, itemId)]);
  if (!item) throw new Error(`item ${itemId} of queue ${queue} could not be read`);
  const byLabeler: ActionContext['byLabeler'] = {};
  for (const v of views) if (v.submitted) byLabeler[v.labeler] = { values: v.submitted.values, reasoning: v.submitted.reasoning, at: v.submitted.at };
  const labelers = Object.keys(byLabeler).sort();
  const ctx: ActionContext = { event: { id: eventId, kind }, queue, item, byLabeler, labelers, labels: aggregate(byLabeler) };
  const review = await s.review?.(queue, item);
  if (review && Object.keys(review.byLabeler).length) {
    ctx.labels = aggregate(review.byLabeler);
    ctx.reviewed = { queue: review.queue, item_id: review.item_id, by: Object.keys(review.byLabeler).sort(), byLabeler: review.byLabeler };
  }
  return ctx;
}

interface ItemData {
  input?: unknown;
  output?: unknown;
  system?: unknown;
}

/** The input to keep: a chat with its system prompt first, or the input as it is. */
function datasetInput(d: ItemData): unknown {
  const system = typeof d.system === 'string' && d.system !== '' ? d.system : undefined;
  if (!system) return d.input ?? null;
  if (Array.isArray(d.input)) return [{ role: 'system', content: system }, ...d.input];
  if (typeof d.input === 'string') return [{ role: 'system', content: system }, { role: 'user', content: d.input }];
  return { system, input: d.input ?? null };
}

/** The dataset item an action writes: the same id however often it fires for this item. */
export function datasetItem(ctx: ActionContext, dataset: string, targetFrom?: string): DatasetItemInput {
  const data = (ctx.item.data ?? {}) as ItemData;
  const correction = targetFrom !== undefined ? ctx.labels[targetFrom] : undefined;
  return {
    id: hash('sha256', `${dataset}\0${ctx.queue}\0${ctx.item.id}`).slice(0, 32),
    source: 'action',
    data: datasetInput(data),
    target: typeof correction === 'string' && correction.trim() !== '' ? correction : (ctx.item.target ?? data.output ?? null),
    metadata: {
      queue: ctx.queue,
      item_id: ctx.item.id,
      rule: ctx.item.rule,
      trace_id: ctx.item.traceId,
      span_id: ctx.item.spanId,
      labels: ctx.labels,
      reasoning: Object.fromEntries(ctx.labelers.map((w) => [w, ctx.byLabeler[w].reasoning])),
      by_labeler: Object.fromEntries(ctx.labelers.map((w) => [w, ctx.byLabeler[w].values])),
      labelers: ctx.labelers,
      ...(correction !== undefined && targetFrom ? { corrected_by: targetFrom } : {}),
    },
  };
}

/** The JSON a webhook receives. */
export function webhookBody(ctx: ActionContext): string {
  return JSON.stringify({
    event: ctx.event.kind,
    event_id: ctx.event.id,
    queue: ctx.queue,
    item: {
      id: ctx.item.id,
      data: ctx.item.data,
      target: ctx.item.target,
      metadata: ctx.item.metadata,
      rule: ctx.item.rule,
      trace_id: ctx.item.traceId,
      span_id: ctx.item.spanId,
      enqueued_at: ctx.item.enqueuedAt,
    },
    labels: ctx.labels,
    by_labeler: ctx.byLabeler,
    labelers: ctx.labelers,
  });
}
