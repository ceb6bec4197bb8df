import { Hono } from 'hono';
import type { TraceStore } from '../../collector/storage/traces.js';
import { SpansiftError } from '../../collector/errors.js';

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/** GET /api/v1/traces/{traceId}: the stored spans of one trace, oldest first. */
export function tracesRoutes(store: TraceStore): Hono {
  const r = new Hono();
  r.get('/:traceId', async (c) => {
    const traceId = c.req.param('traceId');
    if (!TRACE_ID.test(traceId)) {
      throw Object.assign(new SpansiftError('BAD_REQUEST', `traceId must be 32 hex characters, got "${traceId.slice(0, 64)}"`), { field: 'traceId' });
    }
    const id = traceId.toLowerCase();
    const spans = await store.getTrace(id);
    if (spans.length === 0) throw new SpansiftError('NOT_FOUND', `no spans stored for trace ${id}`);
    return c.json({ traceId: id, spans });
  });
  return r;
}
