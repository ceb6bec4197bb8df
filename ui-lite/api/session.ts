/**
 * Sign in and out: POST /api/v1/session answers a session cookie (HttpOnly,
 * SameSite=Strict, Secure over TLS) and the CSRF token that state-changing requests made
 * with it must carry; DELETE ends the session at once; GET says who the caller is.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { SESSION_COOKIE } from '../auth/middleware.js';
import type { Caller } from '../auth/callers.js';
import { signIn, type SignInDeps } from '../auth/sign-in.js';
import { apiRouter, body, errors, json } from './openapi.js';

export type SessionDeps = SignInDeps;

const Me = z
  .object({
    user: z.string(),
    role: z.enum(['admin', 'labeler']),
    queues: z.union([z.literal('*'), z.array(z.string())]),
    csrf_token: z.string().optional().openapi({ description: 'send as X-CSRF-Token with requests that change something (session cookie only)' }),
    expires_at: z.string().optional(),
  })
  .openapi('Session');

const SignIn = z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(1024) });

const signInRoute = createRoute({
  method: 'post',
  path: '/session',
  summary: 'Sign in with a user name and password',
  security: [],
  request: { body: body(SignIn) },
  responses: { 200: json(Me, 'signed in; the session cookie is set'), ...errors(400, 429) },
});
const whoAmI = createRoute({ method: 'get', path: '/session', summary: 'Who the caller is', responses: { 200: json(Me, 'the caller'), ...errors() } });
const signOut = createRoute({ method: 'delete', path: '/session', summary: 'Sign out: the session stops working at once', responses: { 204: { description: 'signed out' }, ...errors() } });

function me(caller: Caller, session?: { csrf: string; expiresAt: number }) {
  return {
    user: caller.name,
    role: caller.role,
    queues: caller.queues === '*' ? ('*' as const) : [...caller.queues].sort(),
    ...(session ? { csrf_token: session.csrf, expires_at: new Date(session.expiresAt).toISOString() } : {}),
  };
}

/** The peer's address (the limit on failed sign-ins counts per address). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function setSessionCookie(c: Context, id: string, ttlMs: number): void {
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    path: '/',
    maxAge: Math.floor(ttlMs / 1000),
  });
}

export function sessionRoutes(d: SessionDeps) {
  const r = apiRouter();
  r.openapi(signInRoute, async (c) => {
    const { user, password } = c.req.valid('json');
    const { caller, id, session } = await signIn(d, user, password, clientAddress(c));
    setSessionCookie(c, id, d.sessionTtlMs());
    return c.json(me(caller, session), 200);
  });

  r.openapi(whoAmI, (c) => c.json(me(c.get('caller'), c.get('session')), 200));
  r.openapi(signOut, async (c) => {
    const s = c.get('session');
    if (s) await d.sessions.revoke(s.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
  return r;
}
