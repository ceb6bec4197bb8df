import { createRoute, z } from '@hono/zod-openapi';
import type { TraceStore } from '../../collector/storage/traces.js';
import { FieldError } from '../../collector/errors.js';
import { compileCondition, ConditionError, searchWhere, type CompiledCondition } from '../../processors/condition/index.js';
import { requireAdmin } from '../auth/middleware.js';
import { apiRouter, errors, json } from './openapi.js';
import { parseTimeParam } from './time.js';
import { regexRefusal } from './regex-refusal.js';

const MAX_LIMIT = 1000;

const route = createRoute({
  method: 'get',
  path: '/spans',
  summary: 'Stored spans matching a condition, newest first (admins)',
  middleware: requireAdmin,
  request: {
    query: z.object({
      where: z.string().optional().openapi({ description: 'a condition in the rules language' }),
      since: z.string().optional().openapi({ description: 'a duration back from now (24h), an RFC 3339 time or nanoseconds; default 24h' }),
      until: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
    }),
  },
  responses: { 200: json(z.object({ spans: z.array(z.unknown()), since: z.string(), until: z.string(), limit: z.number() }), 'spans'), ...errors(400) },
});

/**
 * GET /api/v1/spans?where=<condition>&since=&until=&limit=: stored spans matching a
 * condition in the rules' language, newest first.
 */
export function spansRoutes(traces: TraceStore) {
  const r = apiRouter();
  r.openapi(route, async (c) => {
    const q = c.req.valid('query');
    let condition: CompiledCondition | undefined;
    if (q.where !== undefined && q.where.trim() !== '') {
      try {
        condition = compileCondition(q.where);
      } catch (e) {
        if (!(e instanceof ConditionError)) throw e;
        throw new FieldError('where', `where: ${e.message}`, { extra: { position: { line: e.line, column: e.column, offset: e.offset } } });
      }
    }
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const since = parseTimeParam('since', q.since, nowNs - 86_400_000_000_000n);
    const until = parseTimeParam('until', q.until, nowNs + 60_000_000_000n);
    const spans = await traces.search(condition && searchWhere(condition), since, until, q.limit).catch((e: unknown) => {
      throw (condition && regexRefusal(e, 'where', condition)) ?? e;
    });
    return c.json({ spans, since: since.toString(), until: until.toString(), limit: q.limit }, 200);
  });
  return r;
}
