/**
 * Signing in, for the API and the sign-in page alike: limits checked first, then the
 * password (an unknown user costs as much as a wrong password and gets the same answer),
 * then a session. `admin` with the admin token as password signs in as the admin (no
 * configured user may take that name), so a fresh install can open the page.
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
  const callers = d.callers();
  const caller = await d.limits.attempt(user, address, async () => {
    const hash = callers.passwordHashOf(user);
    const ok = user === ADMIN ? callers.isAdminToken(password) : (await verifyPassword(password, hash ?? DECOY_HASH)) && hash !== undefined;
    const who = ok ? callers.byName(user, 'session') : undefined;
    return { ok: who !== undefined, value: who };
  });
  if (!caller) throw new SpansiftError('UNAUTHENTICATED', 'unknown user or wrong password');
  const { id, session } = await d.sessions.create(user, d.sessionTtlMs(), callers.secretOf(user));
  return { caller, id, session };
}
