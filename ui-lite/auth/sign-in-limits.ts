/**
 * Limits on failed sign-ins, per user name and per client address, so a password cannot
 * be guessed at speed (rate-limiter-flexible, in memory: each replica counts its own).
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { SpansiftError } from '../../collector/errors.js';

export interface SignInLimitOptions {
  perUser: number;
  perAddress: number;
  windowMs: number;
}

export class SignInLimits {
  private readonly users: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;

  constructor(o: SignInLimitOptions) {
    const duration = Math.max(1, Math.ceil(o.windowMs / 1000));
    this.users = new RateLimiterMemory({ points: o.perUser, duration });
    this.addresses = new RateLimiterMemory({ points: o.perAddress, duration });
  }

  /** Throws RATE_LIMITED when either has failed too often within the window. */
  async check(user: string, address: string): Promise<void> {
    const [u, a] = await Promise.all([this.users.get(key(user)), this.addresses.get(address)]);
    const blocked = [u, a].filter((r): r is RateLimiterRes => r !== null && r.remainingPoints <= 0);
    if (blocked.length) {
      const ms = Math.max(...blocked.map((r) => r.msBeforeNext));
      throw new SpansiftError('RATE_LIMITED', `too many failed sign-ins; try again in ${Math.ceil(ms / 1000)} s`, { retryAfterMs: ms });
    }
  }

  async failed(user: string, address: string): Promise<void> {
    await Promise.all([this.users.penalty(key(user), 1), this.addresses.penalty(address, 1)]);
  }

  async succeeded(user: string): Promise<void> {
    await this.users.delete(key(user));
  }
}

const key = (user: string) => user.toLowerCase();
