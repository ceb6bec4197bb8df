import { describe, expect, it } from 'vitest';
import { bootstrapInterval, quantile } from './bootstrap.js';
import { mulberry32 } from './random.js';

describe('mulberry32', () => {
  it('repeats for a seed, differs across seeds, stays in [0, 1)', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const c = mulberry32(2);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('quantile', () => {
  // NumPy reference, numpy.percentile, "Examples": the median of [[10, 7, 4], [3, 2, 1]]
  // with the default (linear, Hyndman & Fan type 7) method is 3.5.
  it("matches NumPy's documented percentile example", () => {
    expect(quantile([1, 2, 3, 4, 7, 10], 0.5)).toBe(3.5);
  });

  it('returns the extremes at 0 and 1', () => {
    expect(quantile([1, 2, 3], 0)).toBe(1);
    expect(quantile([1, 2, 3], 1)).toBe(3);
  });
});

describe('bootstrapInterval', () => {
  const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
  const mean = (idx: Uint32Array) => {
    let s = 0;
    for (const i of idx) s += values[i];
    return s / idx.length;
  };

  it('is off for no resamples or fewer than two items', () => {
    expect(bootstrapInterval(values.length, mean, { resamples: 0 })).toBeUndefined();
    expect(bootstrapInterval(1, mean)).toBeUndefined();
  });

  it('is reproducible for a seed and brackets the mean', () => {
    const ci = bootstrapInterval(values.length, mean, { seed: 9 })!;
    expect(bootstrapInterval(values.length, mean, { seed: 9 })).toEqual(ci);
    expect(ci[0]).toBeLessThanOrEqual(3.9);
    expect(ci[1]).toBeGreaterThanOrEqual(3.9);
    expect(ci[0]).toBeGreaterThanOrEqual(1);
    expect(ci[1]).toBeLessThanOrEqual(9);
  });

  it('gives no interval when the statistic is mostly undefined', () => {
    let calls = 0;
    expect(bootstrapInterval(values.length, () => (calls++ % 3 === 0 ? 1 : null))).toBeUndefined();
  });
});
