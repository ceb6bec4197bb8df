/**
 * Queues: the list (each caller sees the queues they may work on, with their own figures;
 * admins every queue with every labeler's progress), pushing items (admins), browsing a
 * queue by position (admins) and a queue's label events (admins).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Config } from '../../config/schema.js';
import { FieldError } from '../../collector/errors.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import type { LabelDesk } from '../../labeling/desk.js';
import { pushItems } from '../../labeling/queues/push.js';
import type { Router } from '../../labeling/queues/router.js';
import type { QueueStore } from '../../labeling/queues/store.js';
import { mayUseQueue } from '../auth/callers.js';
import { requireAdmin } from '../auth/middleware.js';
import { apiRouter, body, errors, ItemSchema, json, QueueParam } from './openapi.js';

export interface QueueRouteDeps {
  queues: QueueStore;
  traces: TraceStore;
  desk: LabelDesk;
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

const PushBody = z.strictObject({ items: z.array(pushItem).min(1, 'at least one item').max(1000, 'at most 1000 items per request') }).openapi('PushItems');

const Labeler = z.object({ labeler: z.string(), submitted: z.number(), skipped: z.number(), seen: z.number(), last_at: z.string().nullable() });

const Queue = z
  .object({
    name: z.string(),
    instructions: z.string(),
    labels: z.array(z.unknown()),
    labelers_per_item: z.number(),
    show: z.array(z.string()),
    counts: z.object({ total: z.number(), completed: z.number(), pending: z.number() }),
    mine: z.object({ submitted: z.number(), skipped: z.number(), left: z.number(), seen: z.number() }),
    labelers: z.array(Labeler).optional().openapi({ description: "admins only: each labeler's progress" }),
  })
  .openapi('Queue');

const Event = z.object({ event_id: z.string(), item_id: z.string(), kind: z.enum(['completed', 'updated']), labeler: z.string(), labelers: z.array(z.string()), version: z.number(), at: z.string() });

const routes = {
  list: createRoute({ method: 'get', path: '/queues', summary: 'The queues the caller may work on, with their figures', responses: { 200: json(z.object({ queues: z.array(Queue) }), 'queues'), ...errors(503) } }),
  push: createRoute({
    method: 'post',
    path: '/queues/{queue}/items',
    summary: 'Push items: stored spans or raw data (admins)',
    middleware: requireAdmin,
    request: { params: z.object({ queue: QueueParam }), body: body(PushBody) },
    responses: { 201: json(z.object({ ids: z.array(z.string()) }), 'stored; the same id for the same idempotency key or span'), ...errors(400, 404) },
  }),
  browse: createRoute({
    method: 'get',
    path: '/queues/{queue}/items',
    summary: 'The item at a FIFO position of the whole queue (admins)',
    middleware: requireAdmin,
    request: { params: z.object({ queue: QueueParam }), query: z.object({ position: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0) }) },
    responses: { 200: json(z.object({ position: z.number(), total: z.number(), item: ItemSchema }), 'the item'), ...errors(404) },
  }),
  events: createRoute({
    method: 'get',
    path: '/queues/{queue}/events',
    summary: "A queue's label events, oldest first: each item's completion (once) and every change after it (admins)",
    middleware: requireAdmin,
    request: {
      params: z.object({ queue: QueueParam }),
      query: z.object({
        after: z.string().optional().openapi({ description: "the `next` of a previous answer (to page on), or an RFC 3339 time" }),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      }),
    },
    responses: { 200: json(z.object({ events: z.array(Event), next: z.string().nullable().openapi({ description: 'pass as `after` for the events after these; null when there were none' }) }), 'events'), ...errors(400, 404) },
  }),
};

export function queueRoutes(d: QueueRouteDeps) {
  const r = apiRouter();

  const exists = (name: string) => {
    if (!Object.hasOwn(d.config().queues, name)) throw new FieldError('queue', `no queue named "${name}"`, { code: 'NOT_FOUND' });
  };

  r.openapi(routes.list, (c) => {
    const caller = c.get('caller');
    const queues = Object.entries(d.config().queues).filter(([name]) => mayUseQueue(caller, name));
    return c.json(
      {
        queues: queues.map(([name, q]) => {
          const s = d.desk.summary(caller, name);
          return {
            name,
            instructions: q.instructions,
            labels: q.labels,
            labelers_per_item: q.labelers_per_item,
            show: q.show,
            counts: s.counts,
            mine: s.mine,
            ...(s.labelers
              ? { labelers: s.labelers.map((l) => ({ labeler: l.labeler, submitted: l.submitted, skipped: l.skipped, seen: l.seen, last_at: l.lastAt ? new Date(l.lastAt).toISOString() : null })) }
              : {}),
          };
        }),
      },
      200,
    );
  });

  r.openapi(routes.push, async (c) => {
    const { queue } = c.req.valid('param');
    exists(queue);
    const ids = await pushItems(queue, c.req.valid('json').items, { traces: d.traces, queues: d.queues, router: d.router() });
    return c.json({ ids }, 201);
  });

  r.openapi(routes.browse, async (c) => {
    const { queue } = c.req.valid('param');
    exists(queue);
    const { position } = c.req.valid('query');
    const { item, total } = await d.queues.itemAt(queue, position);
    if (!item) throw new FieldError('position', `no item at position ${position}: queue "${queue}" has ${total} items`, { code: 'NOT_FOUND' });
    return c.json({ position, total, item }, 200);
  });

  r.openapi(routes.events, async (c) => {
    const { queue } = c.req.valid('param');
    exists(queue);
    const { after, limit } = c.req.valid('query');
    let afterMs = 0;
    let afterId = '';
    const cursor = after === undefined ? undefined : /^(\d{1,15})\.([0-9a-f]{1,64})$/.exec(after);
    if (cursor) [afterMs, afterId] = [Number(cursor[1]), cursor[2]];
    else if (after !== undefined) {
      afterMs = Date.parse(after);
      if (Number.isNaN(afterMs)) throw new FieldError('after', `after: "${after.slice(0, 64)}" is neither a \`next\` from an earlier answer nor an RFC 3339 time`);
    }
    const events = await d.desk.events(queue, afterMs, limit, afterId);
    const last = events[events.length - 1];
    return c.json(
      {
        events: events.map((e) => ({ event_id: e.eventId, item_id: e.itemId, kind: e.kind, labeler: e.labeler, labelers: e.labelers, version: e.version, at: new Date(e.at).toISOString() })),
        next: last ? `${last.at}.${last.eventId}` : null,
      },
      200,
    );
  });

  return r;
}
