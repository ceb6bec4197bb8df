/**
 * Authentication for every /api route and /metrics: a bearer token (the admin token or a
 * user's API token) or a session cookie. A request made with a cookie that changes state
 * must also carry the session's CSRF token in `X-CSRF-Token`; a request with a bearer
 * token needs none (a browser never adds one by itself).
 *
 * Shaped like Hono's `bearerAuth({ verifyToken })`, which it does not use because that
 * refuses tokens outside RFC 6750's character set: an admin token set in config may hold
 * any printable characters.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { SpansiftError } from '../../collector/errors.js';
import type { Caller, Callers } from './callers.js';
import { bearer } from '../../collector/auth.js';
import type { Session, SessionStore } from './sessions.js';
import { createHash, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'spansift_session';
export const CSRF_HEADER = 'X-CSRF-Token';

export type AppEnv = {
  Variables: {
    caller: Caller;
    /** Set when the caller came with a session cookie. */
    session?: { id: string; csrf: string; expiresAt: number };
  };
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authenticate(o: { callers: () => Callers; sessions: SessionStore }): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const token = bearer(header);
      const caller = token === undefined ? undefined : o.callers().byToken(token);
      if (!caller) throw new SpansiftError('UNAUTHENTICATED', 'missing or unknown token: send Authorization: Bearer <the admin token or a user\'s API token>');
      c.set('caller', caller);
      return next();
    }
    const id = getCookie(c, SESSION_COOKIE);
    if (id === undefined) throw new SpansiftError('UNAUTHENTICATED', 'sign in, or send Authorization: Bearer <token>');
    const session = await o.sessions.get(id);
    const caller = session && sessionCaller(o.callers(), session);
    if (!session || !caller) throw new SpansiftError('UNAUTHENTICATED', 'your session has expired or ended: sign in again');
    if (!SAFE_METHODS.has(c.req.method) && !sameToken(c.req.header(CSRF_HEADER), session.csrf)) {
      throw new SpansiftError('FORBIDDEN', `missing or wrong ${CSRF_HEADER} header: a request that changes something with a session cookie must send the session's CSRF token`);
    }
    c.set('caller', caller);
    c.set('session', { id, csrf: session.csrf, expiresAt: session.expiresAt });
    await next();
  };
}

/** The caller a session stands for, while the user exists and still signs in with what they did. */
export function sessionCaller(callers: Callers, s: Session): Caller | undefined {
  return callers.secretOf(s.user) === s.secret ? callers.byName(s.user, 'session') : undefined;
}

/** Compares a presented CSRF token with the session's in constant time. */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async function requireAdmin(c, next) {
  if (c.get('caller').role !== 'admin') throw new SpansiftError('FORBIDDEN', 'only admins may do this');
  await next();
};
