/**
 * What the completion actions did (admins): deliveries by state, and trying a failed one
 * again.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { FieldError } from '../../collector/errors.js';
import type { ActionRunner } from '../../labeling/actions/runner.js';
import type { Delivery, DeliveryStore } from '../../labeling/actions/store.js';
import { requireAdmin } from '../auth/middleware.js';
import { apiRouter, errors, json } from './openapi.js';

const DeliverySchema = z
  .object({
    id: z.string(),
    action: z.string(),
    kind: z.enum(['dataset', 'webhook', 'builtin']),
    queue: z.string(),
    event_id: z.string(),
    event: z.enum(['completed', 'updated']),
    item_id: z.string(),
    status: z.enum(['pending', 'delivered', 'failed', 'skipped']),
    attempts: z.number(),
    last_status: z.string(),
    first_attempt_at: z.string(),
    next_attempt_at: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi('Delivery');

const routes = {
  list: createRoute({
    method: 'get',
    path: '/actions/deliveries',
    middleware: requireAdmin,
    summary: 'Deliveries of completion actions, most recently changed first (admins)',
    request: { query: z.object({ status: z.enum(['pending', 'delivered', 'failed', 'skipped']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
    responses: { 200: json(z.object({ deliveries: z.array(DeliverySchema) }), 'deliveries'), ...errors(400) },
  }),
  retry: createRoute({
    method: 'post',
    path: '/actions/deliveries/{id}/retry',
    middleware: requireAdmin,
    summary: 'Try a delivery again now (admins)',
    request: { params: z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) }) },
    responses: { 200: json(DeliverySchema, 'pending again'), ...errors(404, 409) },
  }),
};

function view(d: Delivery) {
  return {
    id: d.id,
    action: d.action,
    kind: d.kind,
    queue: d.queue,
    event_id: d.eventId,
    event: d.eventKind,
    item_id: d.itemId,
    status: d.status,
    attempts: d.attempts,
    last_status: d.lastStatus,
    first_attempt_at: new Date(d.firstAttemptAt).toISOString(),
    next_attempt_at: d.status === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
    updated_at: new Date(d.updatedAt).toISOString(),
  };
}

export function actionRoutes(d: { deliveries: DeliveryStore; runner: ActionRunner }) {
  const r = apiRouter();
  r.openapi(routes.list, async (c) => {
    const { status, limit } = c.req.valid('query');
    return c.json({ deliveries: (await d.deliveries.list(status, limit)).map(view) }, 200);
  });
  r.openapi(routes.retry, async (c) => {
    const { id } = c.req.valid('param');
    const found = await d.deliveries.get(id);
    if (!found) throw new FieldError('id', `no delivery ${id}`, { code: 'NOT_FOUND' });
    if (found.status === 'delivered') throw new FieldError('id', `delivery ${id} was delivered`, { code: 'CONFLICT' });
    return c.json(view(await d.runner.retry(found)), 200);
  });
  return r;
}
