/**
 * Items pushed through the API: a stored span (seen as a rule would show it) or raw data.
 * Ids come from the idempotency key when there is one, else from (queue, trace, span) for
 * a span, so pushing the same thing twice gives one item.
 */
import { randomUUID } from 'node:crypto';
import { FieldError } from '../../collector/errors.js';
import { itemIdForKey, itemIdForSpan } from '../../collector/model/ids.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { storedToSpan } from '../../collector/storage/stored-span.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import { jsonSafe, spanItemRow, type QueueItemRow, type QueueView } from './items.js';
import type { Router } from './router.js';
import { keepFor } from './schema.js';
import type { QueueStore } from './store.js';

export type PushItem =
  | { trace_id: string; span_id: string; idempotency_key?: string }
  | { data: unknown; target?: unknown; metadata?: Record<string, unknown>; idempotency_key?: string };

/** Stores the items (resolves once they are stored) and returns their ids, in order. */
export async function pushItems(queue: string, items: PushItem[], d: { traces: TraceStore; queues: QueueStore; router: Router }, now = Date.now()): Promise<string[]> {
  const view = configuredView(queue, d.router);
  const rows: QueueItemRow[] = [];
  for (const [i, it] of items.entries()) {
    if ('trace_id' in it) {
      const stored = await d.traces.getSpan(it.trace_id.toLowerCase(), it.span_id.toLowerCase());
      if (!stored) throw new FieldError(`items.${i}`, `items.${i}: no stored span ${it.trace_id}/${it.span_id}`);
      const span = storedToSpan(stored);
      const id = it.idempotency_key ? itemIdForKey(queue, it.idempotency_key) : itemIdForSpan(queue, span.traceId, span.spanId);
      const v = view.view(span);
      rows.push({ ...spanItemRow(span, queue, id, v, '', 'rule', now), source: 'api', idempotency_key: it.idempotency_key ?? '' });
    } else {
      const id = it.idempotency_key ? itemIdForKey(queue, it.idempotency_key) : randomUUID().replace(/-/g, '');
      rows.push({
        queue,
        item_id: id,
        enqueued_at: msToDateTime64(now),
        source: 'api',
        rule: '',
        trace_id: '',
        span_id: '',
        idempotency_key: it.idempotency_key ?? '',
        payload: JSON.stringify(rawView(it.data), jsonSafe),
        target: JSON.stringify(it.target ?? null, jsonSafe),
        metadata: JSON.stringify(it.metadata ?? {}, jsonSafe),
        keep: keepFor(now),
      });
    }
  }
  const written = d.queues.write(rows);
  // No spans' batch carries these: send them now rather than after the fallback delay.
  d.queues.batcher.kick();
  await written;
  return rows.map((row) => row.item_id);
}

/**
 * The queue's view, or NOT_FOUND: items are only ever written to a configured queue. The
 * router's views are a Map built from the config, so a name such as `__proto__` or
 * `constructor` is simply absent (an object lookup would find Object.prototype's members).
 */
function configuredView(queue: string, router: Router): QueueView {
  const view = router.views.get(queue);
  if (!view) throw new FieldError('queue', `no queue named "${queue}"`, { code: 'NOT_FOUND' });
  return view;
}

/** Raw data as the labeler sees it: `{input, output, system}` when given so, else all of it as input. */
export function rawView(data: unknown): Record<string, unknown> {
  // Own keys only: `{"__proto__": {"input": ...}}` is data, not an input.
  if (data && typeof data === 'object' && !Array.isArray(data) && (Object.hasOwn(data, 'input') || Object.hasOwn(data, 'output'))) {
    const d = data as Record<string, unknown>;
    const v: Record<string, unknown> = { source: 'api', input: d.input, output: d.output };
    if (Object.hasOwn(d, 'system') && d.system !== undefined) v.system = d.system;
    return v;
  }
  return { source: 'api', input: data };
}

/**
 * Items for spans already read (the admin spans page searches them): built as pushItems
 * builds a pushed span's item, without reading each span again. Ids come from (queue,
 * trace, span), so a span pushed twice is one item. Resolves with the ids once stored.
 */
export async function pushSpans(queue: string, spans: readonly import('../../collector/storage/stored-span.js').StoredSpan[], d: { queues: QueueStore; router: Router; now?: number }): Promise<string[]> {
  const now = d.now ?? Date.now();
  const view = configuredView(queue, d.router);
  const rows = new Map<string, QueueItemRow>();
  for (const stored of spans) {
    const span = storedToSpan(stored);
    const id = itemIdForSpan(queue, span.traceId, span.spanId);
    if (rows.has(id)) continue;
    const v = view.view(span);
    rows.set(id, { ...spanItemRow(span, queue, id, v, '', 'rule', now), source: 'api' });
  }
  const written = d.queues.write([...rows.values()]);
  d.queues.batcher.kick();
  await written;
  return [...rows.keys()];
}
