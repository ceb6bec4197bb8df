/**
 * Admin pages: the overview of queues with every labeler's progress, the spans view (find
 * stored spans with a condition and send them to a queue), the rules in force with their
 * counts, and a trace as a tree of spans with timings. Admins only.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { SpansiftError } from '../../../collector/errors.js';
import type { AppEnv } from '../../auth/middleware.js';
import type { PageContext } from '../layout.js';
import { Layout } from '../layout.js';
import type { Caller } from '../../auth/callers.js';
import type { PageDeps } from '../routes.js';

type PageEnv = AppEnv & { Variables: { ctx: PageContext & { caller: Caller } } };

export const adminOnly: MiddlewareHandler<PageEnv> = async function adminOnly(c, next) {
  if (c.get('caller').role !== 'admin') throw new SpansiftError('FORBIDDEN', 'this page is for admins');
  await next();
};

export function adminPages(d: PageDeps): Hono<PageEnv> {
  void d;
  const r = new Hono<PageEnv>();
  r.use('*', adminOnly);
  r.get('/', (c) => c.html(<Layout ctx={c.get('ctx')} title="Overview"><h1>Overview</h1></Layout>));
  return r;
}
