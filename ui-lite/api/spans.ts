import { Hono } from 'hono';
import type { TraceStore } from '../../collector/storage/traces.js';
import { compileCondition, ConditionError } from '../../processors/condition/index.js';
import { FieldError } from './errors.js';
import { parseTimeParam } from './time.js';

const MAX_LIMIT = 1000;

/**
 * GET /api/v1/spans?where=<condition>&since=&until=&limit=: stored spans matching a
 * condition in the rules' language, newest first.
 */
export function spansRoutes(traces: TraceStore): Hono {
  const r = new Hono();
  r.get('/', async (c) => {
    const q = c.req.query();
    let where;
    if (q.where !== undefined && q.where.trim() !== '') {
      try {
        where = compileCondition(q.where).sql;
      } catch (e) {
        if (!(e instanceof ConditionError)) throw e;
        throw new FieldError('where', `where: ${e.message}`, { position: { line: e.line, column: e.column, offset: e.offset } });
      }
    }
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const since = parseTimeParam('since', q.since, nowNs - 86_400_000_000_000n);
    const until = parseTimeParam('until', q.until, nowNs + 60_000_000_000n);
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new FieldError('limit', `limit: expected a whole number from 1 to ${MAX_LIMIT}`);
    const spans = await traces.search(where, since, until, limit);
    return c.json({ spans, since: since.toString(), until: until.toString(), limit });
  });
  return r;
}
