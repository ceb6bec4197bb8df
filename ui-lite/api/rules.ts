import { Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import type { QueueStore } from '../../labeling/queues/store.js';
import { backfill } from '../../labeling/queues/backfill.js';
import { fromZod } from './errors.js';
import { parseTimeParam } from './time.js';

const body = z.strictObject({
  since: z.string().min(1),
  until: z.string().optional(),
  dry_run: z.boolean().default(false),
});

/** GET /api/v1/rules, POST /api/v1/rules/{name}/backfill. */
export function rulesRoutes(d: { traces: TraceStore; queues: QueueStore; config: () => Config }): Hono {
  const r = new Hono();
  r.get('/', (c) => c.json({ rules: d.config().rules }));
  r.post('/:name/backfill', async (c) => {
    const parsed = body.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw fromZod(parsed.error);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const sinceNs = parseTimeParam('since', parsed.data.since, nowNs);
    const untilNs = parseTimeParam('until', parsed.data.until, nowNs + 1n);
    const result = await backfill(d.config(), c.req.param('name'), { sinceNs, untilNs }, d, parsed.data.dry_run);
    return c.json({ rule: result.rule, matched: result.matched, enqueued: result.enqueued, dry_run: result.dryRun });
  });
  return r;
}
