/**
 * The UI endpoint's Hono app: health, metrics and the /api/v1 routes over the same
 * storage the collector writes. Built by a factory that never listens, so tests call it
 * in-process with `app.request()`.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { TokenSet } from '../collector/auth.js';
import { SpansiftError, toSpansiftError } from '../collector/errors.js';
import type { TraceStore } from '../collector/storage/traces.js';
import type { Metrics } from '../collector/metrics.js';
import type { Logger } from '../collector/log.js';
import { tracesRoutes } from './api/traces.js';
import { queueRoutes } from './api/queues.js';
import { spansRoutes } from './api/spans.js';
import { rulesRoutes } from './api/rules.js';
import type { QueueStore } from '../labeling/queues/store.js';
import type { Router } from '../labeling/queues/router.js';
import type { Config } from '../config/schema.js';

export interface AppDeps {
  adminToken: string;
  traces: TraceStore;
  queues: QueueStore;
  /** The router of the config in force. */
  router: () => Router;
  /** The config in force (a reload changes queues and rules). */
  config: () => Config;
  /** Resolves when storage answers; rejects otherwise. */
  ping: () => Promise<void>;
  metrics?: Metrics;
  log?: Logger;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const admin = new TokenSet([deps.adminToken]);

  const requireAdmin = async (c: { req: { header: (n: string) => string | undefined } }, next: () => Promise<void>) => {
    if (!admin.allows(c.req.header('authorization'))) {
      throw new SpansiftError('UNAUTHENTICATED', 'missing or invalid admin token: send Authorization: Bearer <admin token>');
    }
    await next();
  };

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.ping();
      return c.json({ status: 'ready' });
    } catch (e) {
      return c.json({ status: 'unavailable', error: `storage unreachable: ${(e as Error).message}` }, 503);
    }
  });
  app.get('/metrics', requireAdmin, async (c) => {
    if (!deps.metrics) return c.text('', 200);
    return c.body(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType });
  });

  app.use('/api/*', requireAdmin);
  app.route('/api/v1/traces', tracesRoutes(deps.traces));
  app.route('/api/v1/queues', queueRoutes(deps));
  app.route('/api/v1/spans', spansRoutes(deps.traces));
  app.route('/api/v1/rules', rulesRoutes(deps));

  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((e, c) => {
    if (e instanceof HTTPException) return e.getResponse();
    const err = toSpansiftError(e);
    if (err.code === 'INTERNAL') deps.log?.error({ err: e }, 'api request failed');
    const body: { error: Record<string, unknown> } = { error: { code: err.code, message: err.message } };
    const field = (e as { field?: string }).field;
    if (field) body.error.field = field;
    const extra = (e as { extra?: Record<string, unknown> }).extra;
    if (extra) Object.assign(body.error, extra);
    if (err.code === 'UNAUTHENTICATED') c.header('WWW-Authenticate', 'Bearer realm="spansift"');
    return c.json(body, err.spec.http as 400);
  });
  return app;
}
