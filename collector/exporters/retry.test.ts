import { describe, expect, it } from 'vitest';
import { backoff, nextWait, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { enabled: true, initial_interval: 5000, max_interval: 30_000, multiplier: 1.5, randomization_factor: 0.5, max_elapsed_time: 300_000 };

describe('retry', () => {
  it('backs off exponentially up to the maximum, randomized either way', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => backoff(policy, a, mid))).toEqual([5000, 7500, 11250, 16875, 25312.5, 30000, 30000]);
    expect(backoff(policy, 1, () => 0)).toBe(2500);
    expect(backoff(policy, 1, () => 1)).toBe(7500);
  });

  it("waits at least the receiver's delay, and gives up past max_elapsed_time", () => {
    expect(nextWait(policy, 1, 0, 20_000, () => 0.5)).toBe(20_000);
    expect(nextWait(policy, 1, 0, 1000, () => 0.5)).toBe(5000);
    expect(nextWait(policy, 3, 290_000, undefined, () => 0.5)).toBeUndefined();
    expect(nextWait(policy, 1, 0, 400_000)).toBeUndefined();
    expect(nextWait({ ...policy, max_elapsed_time: 0 }, 50, 10 ** 9, 400_000)).toBe(400_000);
    expect(nextWait({ ...policy, enabled: false }, 1, 0, undefined)).toBeUndefined();
  });
});
