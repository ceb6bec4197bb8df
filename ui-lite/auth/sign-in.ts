/**
 * Signing in, for the API and the sign-in page alike: limits checked first, then the
 * password (an unknown user costs as much as a wrong password and gets the same answer),
 * then a session. `admin` with the admin token as password signs in as the admin when no
 * user named admin is configured, so a fresh install can open the page.
 */
import { SpansiftError } from '../../collector/errors.js';
import { ADMIN, type Caller, type Callers } from './callers.js';
import { DECOY_HASH, verifyPassword } from './passwords.js';
import type { Session, SessionStore } from './sessions.js';
import type { SignInLimits } from './sign-in-limits.js';

export interface SignInDeps {
  callers: () => Callers;
  sessions: SessionStore;
  limits: SignInLimits;
  sessionTtlMs: () => number;
}

export async function signIn(d: SignInDeps, user: string, password: string, address: string): Promise<{ caller: Caller; id: string; session: Session }> {
  await d.limits.check(user, address);
  const callers = d.callers();
  const hash = callers.passwordHashOf(user);
  let ok: boolean;
  if (hash === undefined && user === ADMIN && callers.byName(ADMIN, 'session')) ok = callers.isAdminToken(password);
  else ok = (await verifyPassword(password, hash ?? DECOY_HASH)) && hash !== undefined;
  const caller = ok ? callers.byName(user, 'session') : undefined;
  if (!caller) {
    await d.limits.failed(user, address);
    throw new SpansiftError('UNAUTHENTICATED', 'unknown user or wrong password');
  }
  await d.limits.succeeded(user);
  const { id, session } = await d.sessions.create(user, d.sessionTtlMs());
  return { caller, id, session };
}
