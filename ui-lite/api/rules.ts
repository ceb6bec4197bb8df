import { createRoute, z } from '@hono/zod-openapi';
import type { Config } from '../../config/schema.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import type { QueueStore } from '../../labeling/queues/store.js';
import { backfill } from '../../labeling/queues/backfill.js';
import { requireAdmin } from '../auth/middleware.js';
import { apiRouter, body, errors, json } from './openapi.js';
import { parseTimeParam } from './time.js';
import { regexRefusal } from './regex-refusal.js';
import { compileCondition } from '../../processors/condition/index.js';

const admin = requireAdmin;

const BackfillBody = z.strictObject({
  since: z.string().min(1),
  until: z.string().optional(),
  dry_run: z.boolean().default(false),
});

const routes = {
  list: createRoute({ method: 'get', path: '/rules', summary: 'The rules in force, as loaded (admins)', middleware: admin, responses: { 200: json(z.object({ rules: z.array(z.unknown()) }), 'rules'), ...errors() } }),
  backfill: createRoute({
    method: 'post',
    path: '/rules/{name}/backfill',
    summary: 'Route stored spans through a rule (admins)',
    middleware: admin,
    request: { params: z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' } }) }), body: body(BackfillBody) },
    responses: {
      200: json(
        z.object({
          rule: z.string(),
          matched: z.number(),
          enqueued: z.number().openapi({ description: 'new items written (0 in a dry run)' }),
          would_enqueue: z.number().optional().openapi({ description: 'dry run only: new items that would be written' }),
          dry_run: z.boolean(),
        }),
        'what was (or would be) enqueued',
      ),
      ...errors(400, 404),
    },
  }),
};

/** GET /api/v1/rules, POST /api/v1/rules/{name}/backfill. */
export function rulesRoutes(d: { traces: TraceStore; queues: QueueStore; config: () => Config }) {
  const r = apiRouter();
  r.openapi(routes.list, (c) => c.json({ rules: d.config().rules }, 200));
  r.openapi(routes.backfill, async (c) => {
    const b = c.req.valid('json');
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const sinceNs = parseTimeParam('since', b.since, nowNs);
    const untilNs = parseTimeParam('until', b.until, nowNs + 1n);
    const config = d.config();
    const name = c.req.valid('param').name;
    const result = await backfill(config, name, { sinceNs, untilNs }, d, b.dry_run).catch((e: unknown) => {
      // The rule's condition compiled live, but ClickHouse may still refuse one of its regexes.
      const rule = config.rules.find((x) => x.name === name);
      throw (rule && regexRefusal(e, 'name', compileCondition(rule.when), `rule "${name}": when`)) ?? e;
    });
    return c.json(
      { rule: result.rule, matched: result.matched, enqueued: result.enqueued, ...(result.wouldEnqueue !== undefined ? { would_enqueue: result.wouldEnqueue } : {}), dry_run: result.dryRun },
      200,
    );
  });
  return r;
}
