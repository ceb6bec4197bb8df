/**
 * What a labeler does in a queue: take the next item (under a lease), read it, save labels
 * as drafts or submit them, skip, renew or release the lease, and go back through what
 * they were given. Labels carry the caller's identity, never one from the body; a
 * labeler sees only their own labels, an admin everyone's side by side.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { FieldError, SpansiftError } from '../../collector/errors.js';
import type { LabelDesk } from '../../labeling/desk.js';
import type { StoredItem } from '../../labeling/queues/store.js';
import { mayUseQueue } from '../auth/callers.js';
import type { AppEnv } from '../auth/middleware.js';
import { apiRouter, body, errors, ItemParam, ItemSchema, json, LabelsSchema, QueueParam } from './openapi.js';

/** A labeler may use only their queues; the answer does not say whether another queue exists. */
export const queueMember: MiddlewareHandler<AppEnv> = async function queueMember(c, next) {
  const queue = c.req.param('queue');
  if (queue !== undefined && !mayUseQueue(c.get('caller'), queue)) throw new SpansiftError('FORBIDDEN', `you may not work on queue "${queue}"`);
  await next();
};

const Params = z.object({ queue: QueueParam });
const ItemParams = z.object({ queue: QueueParam, id: ItemParam });

const Progress = z.object({
  position: z.number().openapi({ description: 'this item\'s place in what the caller was given, from 0 ("item position+1 of seen")' }),
  seen: z.number().openapi({ description: 'items the caller was given so far' }),
  left: z.number().openapi({ description: 'open items the caller has not submitted or skipped' }),
  total: z.number(),
});

const ItemAnswer = z
  .object({
    item: ItemSchema,
    labels: LabelsSchema.openapi({ description: "the caller's labels" }),
    all_labels: z.array(LabelsSchema).optional().openapi({ description: "admins only: every labeler's labels" }),
    lease: z.object({ expires_at: z.string(), leased_at: z.number() }).nullable(),
    progress: Progress,
  })
  .openapi('LabelingItem');

const NextAnswer = z.object({
  item: ItemSchema.nullable().openapi({ description: 'null when nothing is left for the caller' }),
  labels: LabelsSchema.optional(),
  lease: z.object({ expires_at: z.string(), leased_at: z.number() }).nullable(),
  progress: Progress,
});

const PutBody = z
  .strictObject({
    values: z.record(z.string(), z.union([z.boolean(), z.number(), z.string(), z.null()])).default({}).openapi({ description: 'label name -> value; null clears; labels not named keep their value' }),
    reasoning: z.record(z.string(), z.string().nullable()).optional(),
    submit: z.boolean().default(false).openapi({ description: 'true completes the item for the caller (required labels must be set)' }),
  })
  .openapi('PutLabels');

const SkipBody = z.strictObject({ reason: z.string().max(10_000).optional() });

const member = queueMember;

const routes = {
  next: createRoute({
    method: 'post',
    path: '/queues/{queue}/next',
    summary: 'The oldest item left for the caller, leased to them',
    middleware: member,
    request: { params: Params },
    responses: { 200: json(NextAnswer, 'the item (null when none is left) and the lease'), ...errors(404, 503) },
  }),
  item: createRoute({
    method: 'get',
    path: '/queues/{queue}/items/{id}',
    summary: 'An item with the caller\'s labels (admins: everyone\'s)',
    middleware: member,
    request: { params: ItemParams },
    responses: { 200: json(ItemAnswer, 'the item'), ...errors(404) },
  }),
  labels: createRoute({
    method: 'get',
    path: '/queues/{queue}/items/{id}/labels',
    summary: "The caller's labels on an item (admins: everyone's); ?history=true lists every version",
    middleware: member,
    request: { params: ItemParams, query: z.object({ history: z.enum(['true', 'false']).optional() }) },
    responses: { 200: json(z.object({ labels: z.array(LabelsSchema).optional(), history: z.array(z.unknown()).optional() }), 'labels or history'), ...errors(404) },
  }),
  put: createRoute({
    method: 'put',
    path: '/queues/{queue}/items/{id}/labels',
    summary: 'Save labels as a draft, or submit them',
    middleware: member,
    request: { params: ItemParams, body: body(PutBody) },
    responses: { 200: json(z.object({ labels: LabelsSchema, completed: z.boolean() }), 'stored'), ...errors(400, 404, 503) },
  }),
  skip: createRoute({
    method: 'post',
    path: '/queues/{queue}/items/{id}/skip',
    summary: 'Skip an item: the caller does not get it again, others do',
    middleware: member,
    request: { params: ItemParams, body: { ...body(SkipBody), required: false } },
    responses: { 200: json(z.object({ labels: LabelsSchema }), 'skipped'), ...errors(404) },
  }),
  renew: createRoute({
    method: 'post',
    path: '/queues/{queue}/items/{id}/lease',
    summary: "Renew the caller's lease on an item",
    middleware: member,
    request: { params: ItemParams },
    responses: { 200: json(z.object({ expires_at: z.string(), leased_at: z.number().openapi({ description: 'when the lease was renewed (ms): give it to DELETE to release this lease only' }) }), 'renewed'), ...errors(404, 409) },
  }),
  release: createRoute({
    method: 'delete',
    path: '/queues/{queue}/items/{id}/lease',
    summary: "Release the caller's lease (the page closed)",
    middleware: member,
    request: {
      params: ItemParams,
      query: z.object({ leased_at: z.coerce.number().int().optional().openapi({ description: 'release only the lease renewed at this time (ms), not a newer one' }) }),
    },
    responses: { 204: { description: 'released' }, ...errors(404) },
  }),
  mine: createRoute({
    method: 'get',
    path: '/queues/{queue}/mine',
    summary: 'The item at a position of what the caller was given (0 is the first)',
    middleware: member,
    request: { params: Params, query: z.object({ position: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0) }) },
    responses: { 200: json(ItemAnswer, 'the item'), ...errors(404) },
  }),
};

export function labelingRoutes(desk: LabelDesk) {
  const r = apiRouter();

  const answer = async (caller: AppEnv['Variables']['caller'], queue: string, item: StoredItem) => {
    const [mine, all] = await Promise.all([
      desk.labelsOf(queue, item.id, caller.name),
      caller.role === 'admin' ? desk.labelsOf(queue, item.id) : Promise.resolve(undefined),
    ]);
    const lease = desk.leaseOf(caller, queue, item.id);
    const s = desk.summary(caller, queue);
    return {
      item,
      labels: mine[0],
      ...(all ? { all_labels: all } : {}),
      lease: lease === undefined ? null : { expires_at: new Date(lease).toISOString(), leased_at: desk.leasedAtOf(caller, queue, item.id)! },
      progress: { position: desk.positionOf(caller, queue, item.id), seen: s.mine.seen, left: s.mine.left, total: s.counts.total },
    };
  };

  r.openapi(routes.next, async (c) => {
    const { queue } = c.req.valid('param');
    const caller = c.get('caller');
    const got = await desk.next(caller, queue);
    if (!got) {
      const s = desk.summary(caller, queue);
      return c.json({ item: null, lease: null, progress: { position: -1, seen: s.mine.seen, left: s.mine.left, total: s.counts.total } }, 200);
    }
    return c.json(await answer(caller, queue, got.item), 200);
  });

  r.openapi(routes.item, async (c) => {
    const { queue, id } = c.req.valid('param');
    const caller = c.get('caller');
    return c.json(await answer(caller, queue, await desk.item(caller, queue, id)), 200);
  });

  r.openapi(routes.labels, async (c) => {
    const { queue, id } = c.req.valid('param');
    const caller = c.get('caller');
    await desk.item(caller, queue, id);
    const who = caller.role === 'admin' ? undefined : caller.name;
    if (c.req.valid('query').history === 'true') return c.json({ history: await desk.history(queue, id, who) }, 200);
    return c.json({ labels: await desk.labelsOf(queue, id, who) }, 200);
  });

  r.openapi(routes.put, async (c) => {
    const { queue, id } = c.req.valid('param');
    const labels = await desk.putLabels(c.get('caller'), queue, id, c.req.valid('json'));
    return c.json({ labels, completed: desk.isComplete(queue, id) }, 200);
  });

  r.openapi(routes.skip, async (c) => {
    const { queue, id } = c.req.valid('param');
    // The body is optional: without a JSON body there is no reason.
    const reason = (c.req.valid('json') as z.infer<typeof SkipBody> | undefined)?.reason;
    return c.json({ labels: await desk.skip(c.get('caller'), queue, id, reason) }, 200);
  });

  r.openapi(routes.renew, (c) => {
    const { queue, id } = c.req.valid('param');
    const caller = c.get('caller');
    const expires = desk.renew(caller, queue, id);
    return c.json({ expires_at: new Date(expires).toISOString(), leased_at: desk.leasedAtOf(caller, queue, id) ?? Date.now() }, 200);
  });

  r.openapi(routes.release, (c) => {
    const { queue, id } = c.req.valid('param');
    desk.release(c.get('caller'), queue, id, c.req.valid('query').leased_at);
    return c.body(null, 204);
  });

  r.openapi(routes.mine, async (c) => {
    const { queue } = c.req.valid('param');
    const { position } = c.req.valid('query');
    const caller = c.get('caller');
    const at = desk.mine(caller, queue, position);
    if (!at) {
      const seen = desk.summary(caller, queue).mine.seen;
      throw new FieldError('position', `position ${position}: you were given ${seen} item(s) in queue "${queue}" (positions 0 to ${seen - 1})`, { code: 'NOT_FOUND' });
    }
    return c.json(await answer(caller, queue, await desk.item(caller, queue, at.id)), 200);
  });

  return r;
}
