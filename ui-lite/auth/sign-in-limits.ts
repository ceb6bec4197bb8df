/**
 * Limits on sign-in attempts, per user name and per client address, so a password cannot
 * be guessed at speed (rate-limiter-flexible, in memory: each replica counts its own).
 * An attempt takes its point before the password is checked, so concurrent guesses cannot
 * all slip under the limit; a successful sign-in gives the points back. And only a few
 * password checks (scrypt, on libuv's thread pool, which ingest's decompression shares)
 * run at once: a flood of sign-ins waits in a short line or is turned away.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { SpansiftError } from '../../collector/errors.js';

export interface SignInLimitOptions {
  perUser: number;
  perAddress: number;
  windowMs: number;
  /** Password checks running at once. */
  concurrent?: number;
  /** Attempts waiting for a check before more are turned away. */
  waiting?: number;
}

export class SignInLimits {
  private readonly users: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly concurrent: number;
  private readonly waiting: number;

  constructor(o: SignInLimitOptions) {
    const duration = Math.max(1, Math.ceil(o.windowMs / 1000));
    this.users = new RateLimiterMemory({ points: o.perUser, duration });
    this.addresses = new RateLimiterMemory({ points: o.perAddress, duration });
    this.concurrent = o.concurrent ?? 2;
    this.waiting = o.waiting ?? 32;
  }

  /**
   * Takes an attempt's point from the user's and the address's allowance, then runs the
   * check when a slot is free. RATE_LIMITED when either allowance is spent or too many
   * attempts are waiting. The check's answer says whether the points come back.
   */
  async attempt<T>(user: string, address: string, check: () => Promise<{ ok: boolean; value: T }>): Promise<T> {
    const taken = await Promise.allSettled([this.users.consume(key(user)), this.addresses.consume(address)]);
    const refused = taken.filter((t): t is PromiseRejectedResult => t.status === 'rejected').map((t) => t.reason);
    if (refused.length) {
      for (const r of refused) if (!(r instanceof RateLimiterRes)) throw r;
      // The allowance that was not spent is not charged for an attempt that did not happen.
      if (taken[0].status === 'fulfilled') await this.users.reward(key(user), 1);
      if (taken[1].status === 'fulfilled') await this.addresses.reward(address, 1);
      const ms = Math.max(...refused.map((r: RateLimiterRes) => r.msBeforeNext));
      throw new SpansiftError('RATE_LIMITED', `too many failed sign-ins; try again in ${Math.ceil(ms / 1000)} s`, { retryAfterMs: ms });
    }
    if (this.running >= this.concurrent && this.queue.length >= this.waiting) {
      await this.giveBack(user, address);
      throw new SpansiftError('RATE_LIMITED', 'too many sign-ins at once; try again in a moment', { retryAfterMs: 1000 });
    }
    if (this.running >= this.concurrent) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      const r = await check();
      if (r.ok) {
        await Promise.all([this.users.delete(key(user)), this.addresses.reward(address, 1)]);
      }
      return r.value;
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  private async giveBack(user: string, address: string): Promise<void> {
    await Promise.all([this.users.reward(key(user), 1), this.addresses.reward(address, 1)]);
  }
}

const key = (user: string) => user.toLowerCase();
