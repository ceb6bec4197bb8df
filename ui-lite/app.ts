/**
 * The UI endpoint's Hono app: health, metrics, the /api/v1 routes over the same storage
 * the collector writes, and the OpenAPI document generated from the schemas that
 * validate requests. Every route but health and sign-in checks who is asking. Built by
 * a factory that never listens, so tests call it in-process with `app.request()`.
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { FieldError, retryAfterSeconds, SpansiftError, toSpansiftError } from '../collector/errors.js';
import type { TraceStore } from '../collector/storage/traces.js';
import type { Metrics } from '../collector/metrics.js';
import type { Logger } from '../collector/log.js';
import type { Config } from '../config/schema.js';
import type { LabelDesk } from '../labeling/desk.js';
import type { QueueStore } from '../labeling/queues/store.js';
import type { Router } from '../labeling/queues/router.js';
import { Callers } from './auth/callers.js';
import { authenticate, requireAdmin, type AppEnv } from './auth/middleware.js';
import type { SessionStore } from './auth/sessions.js';
import { SignInLimits } from './auth/sign-in-limits.js';
import { apiRouter } from './api/openapi.js';
import { sessionRoutes } from './api/session.js';
import { queueRoutes } from './api/queues.js';
import { labelingRoutes } from './api/labeling.js';
import { tracesRoutes } from './api/traces.js';
import { spansRoutes } from './api/spans.js';
import { rulesRoutes } from './api/rules.js';
import { datasetRoutes } from './api/datasets.js';
import { actionRoutes } from './api/actions.js';
import { evaluationRoutes } from './api/evaluations.js';
import { laminarRoutes } from './api/laminar.js';
import type { EvaluationStore } from '../labeling/evaluations/store.js';
import type { EvaluationRecorder } from '../labeling/evaluations/recorder.js';
import type { DatasetStore } from '../labeling/datasets/store.js';
import type { DeliveryStore } from '../labeling/actions/store.js';
import type { ActionRunner } from '../labeling/actions/runner.js';
import { Assets } from './pages/assets.js';
import { ErrorPage, pageRoutes } from './pages/routes.js';
import type { RoutingCounters } from '../labeling/queues/router.js';

export interface AppDeps {
  adminToken: string;
  traces: TraceStore;
  queues: QueueStore;
  desk: LabelDesk;
  sessions: SessionStore;
  /** The router of the config in force. */
  router: () => Router;
  /** The config in force (a reload changes queues, rules and users). */
  config: () => Config;
  /** Resolves when storage answers; rejects otherwise. */
  ping: () => Promise<void>;
  metrics?: Metrics;
  log?: Logger;
  /** Per-rule counts, shown on the rules page. */
  counters?: RoutingCounters;
  datasets: DatasetStore;
  deliveries: DeliveryStore;
  runner: ActionRunner;
  evaluations: EvaluationStore;
  recorder: EvaluationRecorder;
  /** Where the OTLP receivers listen, for the SDK's traces. */
  otlpPorts: () => { http_port: number | null; grpc_port: number | null };
}

/** Largest API request body. */
export const MAX_API_BODY = 16 * 1024 * 1024;

/** The only /api route that takes no credentials. */
const SIGN_IN = { method: 'POST', path: '/api/v1/session' };

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = apiRouter();
  const assets = new Assets();
  let users = deps.config().users;
  const callers = new Callers(deps.adminToken, users);
  // A reload may change users: pick the new ones up on the next request.
  const currentCallers = () => {
    const now = deps.config().users;
    if (now !== users) callers.update((users = now));
    return callers;
  };
  const auth = authenticate({ callers: currentCallers, sessions: deps.sessions });
  const ui = deps.config().ui;
  const limits = new SignInLimits({ perUser: ui.sign_in.per_user, perAddress: ui.sign_in.per_address, windowMs: ui.sign_in.window });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.ping();
      return c.json({ status: 'ready' });
    } catch (e) {
      return c.json({ status: 'unavailable', error: `storage unreachable: ${(e as Error).message}` }, 503);
    }
  });
  app.get('/metrics', auth, requireAdmin, async (c) => {
    if (!deps.metrics) return c.text('', 200);
    return c.body(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType });
  });

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_API_BODY,
      onError: () => {
        throw new SpansiftError('BODY_TOO_LARGE', `request body over ${MAX_API_BODY} bytes`);
      },
    }),
  );
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: MAX_API_BODY,
      onError: () => {
        throw new SpansiftError('BODY_TOO_LARGE', `request body over ${MAX_API_BODY} bytes`);
      },
    }),
  );
  // Laminar's SDK (ui-lite/api/laminar.ts): the same credentials as the API.
  app.use('/v1/*', auth);
  app.use('/api/*', async function authenticateApi(c, next) {
    if (c.req.method === SIGN_IN.method && c.req.path === SIGN_IN.path) return next();
    return auth(c, next);
  });
  app.route('/api/v1', sessionRoutes({ callers: currentCallers, sessions: deps.sessions, limits, sessionTtlMs: () => deps.config().ui.session_ttl }));

  app.route('/api/v1', queueRoutes(deps));
  app.route('/api/v1', labelingRoutes(deps.desk));
  app.route('/api/v1', tracesRoutes(deps.traces));
  app.route('/api/v1', spansRoutes(deps.traces));
  app.route('/api/v1', rulesRoutes(deps));
  app.route('/api/v1', datasetRoutes(deps));
  app.route('/api/v1', actionRoutes(deps));
  app.route('/api/v1', evaluationRoutes(deps));
  laminarRoutes(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'the admin token or a user\'s API token' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'spansift_session', description: 'from POST /api/v1/session; requests that change something also send X-CSRF-Token' });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'spansift', version: '1', description: 'Labeling queues over OpenTelemetry traces: queues, items, labels, leases, rules and stored spans.' },
    security: [{ bearer: [] }, { session: [] }],
  });

  const signInDeps = { callers: currentCallers, sessions: deps.sessions, limits, sessionTtlMs: () => deps.config().ui.session_ttl };
  app.route('/', pageRoutes({ ...signInDeps, desk: deps.desk, queues: deps.queues, traces: deps.traces, router: deps.router, config: deps.config, counters: deps.counters, assets, deliveries: deps.deliveries, runner: deps.runner, evaluations: deps.evaluations }));

  const isPage = (path: string) => !path.startsWith('/api/') && !path.startsWith('/v1/') && path !== '/metrics' && path !== '/healthz' && path !== '/readyz';
  app.notFound((c) => {
    if (isPage(c.req.path)) return c.html(ErrorPage({ ctx: { assets }, err: new SpansiftError('NOT_FOUND', `There is no page ${c.req.path}.`) }) as string, 404);
    return c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404);
  });
  app.onError((e, c) => {
    if (e instanceof HTTPException) return e.getResponse();
    const err = toSpansiftError(e);
    if (err.code === 'INTERNAL') deps.log?.error({ err: e }, 'request failed');
    if (err.retryable) c.header('Retry-After', retryAfterSeconds(err.retryAfterMs));
    if (isPage(c.req.path)) {
      const caller = c.get('caller');
      const session = c.get('session');
      return c.html(ErrorPage({ ctx: { assets, caller, csrf: session?.csrf }, err }) as string, err.spec.http as 400);
    }
    const body: { error: Record<string, unknown> } = { error: { code: err.code, message: err.message } };
    if (err instanceof FieldError) Object.assign(body.error, { field: err.field }, err.extra);
    if (err.code === 'UNAUTHENTICATED') c.header('WWW-Authenticate', 'Bearer realm="spansift"');
    return c.json(body, err.spec.http as 400);
  });
  return app;
}
