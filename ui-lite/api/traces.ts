import { createRoute, z } from '@hono/zod-openapi';
import type { TraceStore } from '../../collector/storage/traces.js';
import { SpansiftError } from '../../collector/errors.js';
import { requireAdmin } from '../auth/middleware.js';
import { apiRouter, errors, json } from './openapi.js';

const route = createRoute({
  method: 'get',
  path: '/traces/{traceId}',
  summary: 'The stored spans of one trace, oldest first (admins)',
  middleware: requireAdmin,
  request: { params: z.object({ traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex characters').openapi({ param: { name: 'traceId', in: 'path' } }) }) },
  responses: { 200: json(z.object({ traceId: z.string(), spans: z.array(z.unknown()) }), 'the trace'), ...errors(400, 404) },
});

/** GET /api/v1/traces/{traceId}. */
export function tracesRoutes(store: TraceStore) {
  const r = apiRouter();
  r.openapi(route, async (c) => {
    const id = c.req.valid('param').traceId.toLowerCase();
    const spans = await store.getTrace(id);
    if (spans.length === 0) throw new SpansiftError('NOT_FOUND', `no spans stored for trace ${id}`);
    return c.json({ traceId: id, spans }, 200);
  });
  return r;
}
