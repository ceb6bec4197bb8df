/**
 * Sign-in attempts take their point before the password is checked (so concurrent guesses
 * cannot slip under the limit), and only a few checks run at once.
 */
import { describe, expect, it } from 'vitest';
import { SignInLimits } from './sign-in-limits.js';
import { SpansiftError } from '../../collector/errors.js';

const later = () => new Promise((r) => setTimeout(r, 5));

describe('SignInLimits', () => {
  it('lets at most the allowance of concurrent failed guesses be checked; the rest are refused', async () => {
    const limits = new SignInLimits({ perUser: 3, perAddress: 100, windowMs: 60_000 });
    let checked = 0;
    const tries = await Promise.allSettled(Array.from({ length: 20 }, () => limits.attempt('ann', '10.0.0.1', async () => (checked++, await later(), { ok: false, value: undefined }))));
    expect(checked).toBe(3);
    const refused = tries.filter((t) => t.status === 'rejected').map((t) => (t as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(17);
    for (const r of refused) expect((r as SpansiftError).code).toBe('RATE_LIMITED');
  });

  it('gives the points back on success, and counts per address across users', async () => {
    const limits = new SignInLimits({ perUser: 2, perAddress: 3, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) expect(await limits.attempt('ann', 'a', async () => ({ ok: true, value: i }))).toBe(i);
    for (const user of ['x', 'y', 'z']) await limits.attempt(user, 'b', async () => ({ ok: false, value: 0 }));
    await expect(limits.attempt('ann', 'b', async () => ({ ok: true, value: 1 }))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await limits.attempt('ann', 'c', async () => ({ ok: true, value: 7 }))).toBe(7);
  });

  it('runs only a few password checks at once, and turns away attempts past the waiting line', async () => {
    const limits = new SignInLimits({ perUser: 100, perAddress: 1000, windowMs: 60_000, concurrent: 2, waiting: 5 });
    let running = 0;
    let most = 0;
    const check = async () => {
      running++;
      most = Math.max(most, running);
      await later();
      running--;
      return { ok: false, value: 0 };
    };
    const tries = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => limits.attempt(`u${i}`, 'a', check)));
    expect(most).toBe(2);
    const turnedAway = tries.filter((t) => t.status === 'rejected' && /at once/.test(((t as PromiseRejectedResult).reason as Error).message));
    expect(turnedAway).toHaveLength(13);
  });
});
