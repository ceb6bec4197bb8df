import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import type { QueueStore } from '../../labeling/queues/store.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import type { Router } from '../../labeling/queues/router.js';
import { itemIdForKey, itemIdForSpan } from '../../collector/model/ids.js';
import { jsonSafe, msToDateTime64, spanItemRow, type QueueItemRow } from '../../labeling/queues/items.js';
import { keepFor } from '../../labeling/queues/schema.js';
import { storedToSpan } from '../../collector/storage/stored-span.js';
import { SpansiftError } from '../../collector/errors.js';
import { FieldError, fromZod } from './errors.js';

export interface QueueRouteDeps {
  queues: QueueStore;
  traces: TraceStore;
  /** The router of the config in force. */
  router: () => Router;
  config: () => Config;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;

const pushItem = z.union([
  z.strictObject({
    trace_id: z.string().regex(HEX32, 'expected 32 hex characters'),
    span_id: z.string().regex(HEX16, 'expected 16 hex characters'),
    idempotency_key: z.string().min(1).max(512).optional(),
  }),
  z.strictObject({
    data: z.unknown().refine((v) => v !== undefined, 'data is required'),
    target: z.unknown().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    idempotency_key: z.string().min(1).max(512).optional(),
  }),
]);

const pushBody = z.strictObject({ items: z.array(pushItem).min(1, 'at least one item').max(1000, 'at most 1000 items per request') });

export function queueRoutes(d: QueueRouteDeps): Hono {
  const r = new Hono();

  const queueOf = (name: string) => {
    const spec = d.config().queues[name];
    if (!spec) throw Object.assign(new SpansiftError('NOT_FOUND', `no queue named "${name}"`), { field: 'queue' });
    return spec;
  };

  r.get('/', async (c) => {
    const queues = d.config().queues;
    const counts = await d.queues.counts(Object.fromEntries(Object.entries(queues).map(([n, q]) => [n, q.labelers_per_item])));
    return c.json({
      queues: Object.entries(queues).map(([name, q]) => ({
        name,
        instructions: q.instructions,
        labels: q.labels,
        labelers_per_item: q.labelers_per_item,
        show: q.show,
        counts: counts[name],
      })),
    });
  });

  r.get('/:queue/items', async (c) => {
    const queue = c.req.param('queue');
    queueOf(queue);
    const raw = c.req.query('position') ?? '0';
    const position = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(position)) throw new FieldError('position', 'position: expected a whole number from 0');
    const { item, total } = await d.queues.itemAt(queue, position);
    if (!item) throw Object.assign(new SpansiftError('NOT_FOUND', `no item at position ${position}: queue "${queue}" has ${total} items`), { field: 'position' });
    return c.json({ position, total, item });
  });

  r.post('/:queue/items', async (c) => {
    const queue = c.req.param('queue');
    queueOf(queue);
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new FieldError('body', 'body: expected a JSON object {"items": [...]}');
    }
    const parsed = pushBody.safeParse(json);
    if (!parsed.success) throw fromZod(parsed.error);
    const now = Date.now();
    const view = d.router().views.get(queue);
    const rows: QueueItemRow[] = [];
    for (const [i, it] of parsed.data.items.entries()) {
      if ('trace_id' in it) {
        const stored = await d.traces.getSpan(it.trace_id.toLowerCase(), it.span_id.toLowerCase());
        if (!stored) throw new FieldError(`items.${i}`, `items.${i}: no stored span ${it.trace_id}/${it.span_id}`);
        const span = storedToSpan(stored);
        const id = it.idempotency_key ? itemIdForKey(queue, it.idempotency_key) : itemIdForSpan(queue, span.traceId, span.spanId);
        const v = view ? view.view(span) : { source: 'attributes', fields: stored.attributes };
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
    return c.json({ ids: rows.map((row) => row.item_id) }, 201);
  });

  return r;
}

/** Raw data as the labeler sees it: `{input, output, system}` when given so, else all of it as input. */
function rawView(data: unknown): Record<string, unknown> {
  if (data && typeof data === 'object' && !Array.isArray(data) && ('input' in data || 'output' in data)) {
    const d = data as Record<string, unknown>;
    const v: Record<string, unknown> = { source: 'api', input: d.input, output: d.output };
    if (d.system !== undefined) v.system = d.system;
    return v;
  }
  return { source: 'api', input: data };
}
