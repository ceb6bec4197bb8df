/**
 * The pages: sign-in, the queue list, the labeling view, and (admin/) the overview, spans,
 * rules and traces. Every page but sign-in needs a session; without one it sends the
 * person to sign in and back. Forms that change something carry the session's CSRF
 * token. Every response has a strict Content-Security-Policy: scripts and styles only
 * from spansift itself, nothing inline, nothing from elsewhere.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { SpansiftError } from '../../collector/errors.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import type { Config } from '../../config/schema.js';
import type { LabelDesk } from '../../labeling/desk.js';
import type { QueueStore } from '../../labeling/queues/store.js';
import type { Router } from '../../labeling/queues/router.js';
import type { RoutingCounters } from '../../labeling/queues/router.js';
import type { DeliveryStore } from '../../labeling/actions/store.js';
import type { EvaluationStore } from '../../labeling/evaluations/store.js';
import type { ActionRunner } from '../../labeling/actions/runner.js';
import { mayUseQueue, type Caller, type Callers } from '../auth/callers.js';
import { SESSION_COOKIE, sameToken, sessionCaller, type AppEnv } from '../auth/middleware.js';
import type { SignInDeps } from '../auth/sign-in.js';
import { Assets } from './assets.js';
import { LabelView, NothingLeft } from './label.js';
import { Layout, Notice, type PageContext } from './layout.js';
import { QueueList } from './queues.js';
import { signInPages, signOutPage } from './sign-in.js';
import { adminOnly, adminPages } from './admin/routes.js';
import { PROJECT_ID } from '../api/laminar.js';

export interface PageDeps extends SignInDeps {
  desk: LabelDesk;
  queues: QueueStore;
  traces: TraceStore;
  router: () => Router;
  config: () => Config;
  counters?: RoutingCounters;
  assets?: Assets;
  deliveries: DeliveryStore;
  runner: ActionRunner;
  evaluations: EvaluationStore;
}

export const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

type PageEnv = AppEnv & { Variables: { ctx: PageContext & { caller: Caller } } };

export function pageRoutes(d: PageDeps): Hono<PageEnv> {
  const assets = d.assets ?? new Assets();
  const r = new Hono<PageEnv>();
  r.use('*', secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin', crossOriginEmbedderPolicy: false }));

  r.get('/static/:file', (c) => {
    const a = assets.get(c.req.path);
    if (!a) return c.text('not found', 404);
    return c.body(new Uint8Array(a.body), 200, { 'Content-Type': a.type, 'Cache-Control': 'public, max-age=31536000, immutable' });
  });

  r.route('/', signInPages({ ...d, assets }));

  /** A session, or off to sign in (and back here after). A form post must carry the CSRF token. */
  const needSession: MiddlewareHandler<PageEnv> = async function needSession(c, next) {
    const id = getCookie(c, SESSION_COOKIE);
    const session = id ? await d.sessions.get(id) : undefined;
    const caller = session && sessionCaller(d.callers() as Callers, session);
    if (!session || !caller || !id) {
      const here = c.req.path + (new URL(c.req.url).search || '');
      return c.redirect(`/sign-in?next=${encodeURIComponent(here)}${id ? '&expired=1' : ''}`, 303);
    }
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (typeof form.csrf !== 'string' || !sameToken(form.csrf, session.csrf)) throw new SpansiftError('FORBIDDEN', 'this form is out of date (or came from another site); reload the page and try again');
    }
    c.set('caller', caller);
    c.set('session', { id, csrf: session.csrf, expiresAt: session.expiresAt });
    c.set('ctx', { assets, caller, csrf: session.csrf });
    await next();
  };
  r.use('/', needSession);
  r.use('/sign-out', needSession);
  r.use('/queues', needSession);
  r.use('/queues/*', needSession);
  r.use('/admin', needSession);
  r.use('/admin/*', needSession);
  r.use('/project/*', needSession);

  r.route('/', signOutPage(d));
  r.get('/', (c) => c.redirect(c.get('caller').role === 'admin' ? '/admin' : '/queues', 303));
  r.get('/queues', (c) => c.html(<QueueList ctx={c.get('ctx')} config={d.config()} desk={d.desk} />));

  const member: MiddlewareHandler<PageEnv> = async function member(c, next) {
    const queue = c.req.param('queue')!;
    if (!mayUseQueue(c.get('caller'), queue)) throw new SpansiftError('FORBIDDEN', `you may not work on queue "${queue}"`);
    if (!Object.hasOwn(d.config().queues, queue)) throw new SpansiftError('NOT_FOUND', `there is no queue "${queue}"`);
    await next();
  };

  r.get('/queues/:queue/next', member, async (c) => {
    const queue = c.req.param('queue');
    const caller = c.get('caller');
    const got = await d.desk.next(caller, queue);
    if (!got) return c.html(<NothingLeft ctx={c.get('ctx')} queue={queue} seen={d.desk.summary(caller, queue).mine.seen} />);
    return c.redirect(`/queues/${encodeURIComponent(queue)}/items/${encodeURIComponent(got.item.id)}`, 303);
  });

  r.get('/queues/:queue/items/:id', member, async (c) => {
    const queue = c.req.param('queue');
    const caller = c.get('caller');
    let id = c.req.param('id');
    const seen = d.desk.mine(caller, queue, 0)?.seen ?? 0;
    if (id === 'last') {
      const last = seen > 0 ? d.desk.mine(caller, queue, seen - 1) : undefined;
      if (!last) return c.redirect(`/queues/${encodeURIComponent(queue)}/next`, 303);
      id = last.id;
    }
    const item = await d.desk.item(caller, queue, id);
    const [mine, all] = await Promise.all([d.desk.labelsOf(queue, id, caller.name), caller.role === 'admin' ? d.desk.labelsOf(queue, id) : Promise.resolve(undefined)]);
    const position = d.desk.positionOf(caller, queue, id);
    const s = d.desk.summary(caller, queue);
    const at = (n: number) => (n >= 0 && n < s.mine.seen ? d.desk.mine(caller, queue, n)?.id : undefined);
    return c.html(
      <LabelView
        ctx={c.get('ctx')}
        queue={queue}
        spec={d.config().queues[queue]}
        item={item}
        labels={mine[0]}
        all={all}
        leaseExpiresAt={d.desk.leaseOf(caller, queue, id)}
        leasedAt={d.desk.leasedAtOf(caller, queue, id)}
        position={position < 0 ? s.mine.seen : position}
        seen={Math.max(s.mine.seen, position + 1)}
        prevId={position > 0 ? at(position - 1) : position < 0 ? at(s.mine.seen - 1) : undefined}
        nextId={position >= 0 ? at(position + 1) : undefined}
        left={s.mine.left}
        leaseTtlMs={d.config().labeling.lease_ttl}
      />,
    );
  });

  r.route('/admin', adminPages(d));
  // The page address Laminar's SDK prints after a run (with frontendPort set to this port).
  r.get(`/project/${PROJECT_ID}/evaluations/:id`, adminOnly, (c) => c.redirect(`/admin/evaluations/${encodeURIComponent(c.req.param('id'))}`, 302));
  return r;
}

/** An error as a page a person understands, with what to do next. */
export function ErrorPage(props: { ctx: PageContext; err: SpansiftError }) {
  const e = props.err;
  const title =
    e.code === 'FORBIDDEN' ? 'Not for you' : e.code === 'NOT_FOUND' ? 'Not found' : e.code === 'STORAGE_UNAVAILABLE' ? 'Storage is not answering' : e.code === 'BAD_REQUEST' ? 'That did not work' : 'Something went wrong';
  return (
    <Layout ctx={props.ctx} title={title}>
      <Notice kind="error" title={title}>
        <p>
          {e.code === 'STORAGE_UNAVAILABLE'
            ? 'spansift cannot reach its database right now. Your work so far is saved; try again in a moment.'
            : e.code === 'INTERNAL'
              ? 'spansift ran into a problem it did not expect. It has been logged; try again, and tell whoever runs spansift if it keeps happening.'
              : e.message}
        </p>
        <p>
          <a href="/">Go to the start page</a>
        </p>
      </Notice>
    </Layout>
  );
}
