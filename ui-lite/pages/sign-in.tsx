/**
 * The sign-in page and signing out. A plain form: signing in needs no script. After
 * signing in a labeler lands on their queues, an admin on the overview, or either on
 * the page they were sent from (`next`, a path on this site only).
 */
import { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { SpansiftError } from '../../collector/errors.js';
import type { AppEnv } from '../auth/middleware.js';
import { SESSION_COOKIE } from '../auth/middleware.js';
import { signIn, type SignInDeps } from '../auth/sign-in.js';
import { clientAddress, setSessionCookie } from '../api/session.js';
import { Layout, type PageContext } from './layout.js';
import type { Assets } from './assets.js';

/** Only a path on this site: never `//other.example` or a scheme. */
export function safeNext(next: string | undefined): string | undefined {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : undefined;
}

function SignInPage(props: { ctx: PageContext; next?: string; user?: string; error?: string; expired?: boolean }) {
  return (
    <Layout ctx={props.ctx} title="Sign in">
      <section class="sign-in">
        <h1>Sign in</h1>
        {props.expired ? (
          <p class="notice-inline" role="status">
            Your session ended. Sign in again to go on where you were; your unsaved answers are kept in this browser.
          </p>
        ) : null}
        {props.error ? (
          <p class="form-error" role="alert" id="sign-in-error">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/sign-in">
          {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
          <label for="user">User name</label>
          <input id="user" name="user" autocomplete="username" required value={props.user ?? ''} aria-describedby={props.error ? 'sign-in-error' : undefined} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </section>
    </Layout>
  );
}

export function signInPages(d: SignInDeps & { assets: Assets }) {
  const r = new Hono<AppEnv>();
  r.get('/sign-in', (c) => {
    const next = safeNext(c.req.query('next'));
    return c.html(<SignInPage ctx={{ assets: d.assets }} next={next} expired={c.req.query('expired') === '1'} />);
  });
  r.post('/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const user = typeof form.user === 'string' ? form.user.slice(0, 64) : '';
    const password = typeof form.password === 'string' ? form.password.slice(0, 1024) : '';
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    try {
      const { caller, id } = await signIn(d, user, password, clientAddress(c));
      setSessionCookie(c, id, d.sessionTtlMs());
      return c.redirect(next ?? (caller.role === 'admin' ? '/admin' : '/queues'), 303);
    } catch (e) {
      if (!(e instanceof SpansiftError) || (e.code !== 'UNAUTHENTICATED' && e.code !== 'RATE_LIMITED')) throw e;
      const message = e.code === 'RATE_LIMITED' ? `Too many failed attempts. ${e.message.replace(/^too many failed sign-ins; /, '')}.` : 'Unknown user name or wrong password.';
      return c.html(<SignInPage ctx={{ assets: d.assets }} next={next} user={user} error={message} />, e.code === 'RATE_LIMITED' ? 429 : 401);
    }
  });
  return r;
}

/** POST /sign-out: ends the session (the form carries the CSRF token). */
export function signOutPage(d: { sessions: SignInDeps['sessions'] }) {
  const r = new Hono<AppEnv>();
  r.post('/sign-out', async (c) => {
    const s = c.get('session');
    if (s) await d.sessions.revoke(s.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/sign-in', 303);
  });
  return r;
}
