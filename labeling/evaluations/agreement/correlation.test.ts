import { describe, expect, it } from 'vitest';
import { pearson, spearman } from './correlation.js';
import { averageRanks } from './ranks.js';

// Anscombe, "Graphs in Statistical Analysis", The American Statistician 27(1):17-21, 1973,
// Table 1 (the data as shipped in R's `datasets::anscombe`). The paper's point: all four
// sets share the same summary statistics, among them a correlation coefficient of .82;
// Wikipedia's "Anscombe's quartet" gives it as 0.816 for every set, truncated to three
// decimals (set 4 is 0.8165...).
const ANSCOMBE_X = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
const ANSCOMBE = {
  1: { x: ANSCOMBE_X, y: [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68] },
  2: { x: ANSCOMBE_X, y: [9.14, 8.14, 8.74, 8.77, 9.26, 8.1, 6.13, 3.1, 9.13, 7.26, 4.74] },
  3: { x: ANSCOMBE_X, y: [7.46, 6.77, 12.74, 7.11, 7.81, 8.84, 6.08, 5.39, 8.15, 6.42, 5.73] },
  4: { x: [8, 8, 8, 8, 8, 8, 8, 19, 8, 8, 8], y: [6.58, 5.76, 7.71, 8.84, 8.47, 7.04, 5.25, 12.5, 5.56, 7.91, 6.89] },
};

// Wikipedia, "Spearman's rank correlation coefficient", section "Example": IQ against hours
// of television per week for 10 people, no ties; the article gives ρ = −29/165 ≈ −0.175757.
const IQ = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
const TV_HOURS = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];

// SciPy reference, scipy.stats.spearmanr, "Examples": x = [1,2,3,4,5], y = [5,6,7,8,7]
// (y has a tie), statistic 0.8207826816681233.
const SCIPY_X = [1, 2, 3, 4, 5];
const SCIPY_Y = [5, 6, 7, 8, 7];

describe('pearson', () => {
  it.each(Object.entries(ANSCOMBE))("gives Anscombe's published r = .82 (0.816...) for set %s", (_, { x, y }) => {
    const r = pearson(x, y, { resamples: 0 });
    expect(r.value).toBeCloseTo(0.82, 2);
    expect(r.value! - 0.816).toBeGreaterThanOrEqual(0);
    expect(r.value! - 0.816).toBeLessThan(0.001);
    expect(r.n).toBe(11);
  });

  it('uses only the items both sides scored', () => {
    const { x, y } = ANSCOMBE[1];
    const r = pearson([...x, 3, null, Number.NaN, undefined], [...y, null, 4, 5, 6], { resamples: 0 });
    expect(r.value).toBeCloseTo(0.816, 3);
    expect(r.n).toBe(11);
  });

  it('is undefined, not NaN, for one pair or a constant side', () => {
    expect(pearson([1], [2])).toEqual({ value: null, n: 1, reason: 'insufficient-data' });
    expect(pearson([], [])).toEqual({ value: null, n: 0, reason: 'insufficient-data' });
    expect(pearson([0.1, 0.1, 0.1], [1, 2, 3])).toEqual({ value: null, n: 3, reason: 'zero-variance' });
  });
});

describe('spearman', () => {
  it("gives Wikipedia's worked example, ρ = −29/165", () => {
    expect(spearman(IQ, TV_HOURS, { resamples: 0 }).value).toBeCloseTo(-29 / 165, 12);
  });

  it("averages tied ranks, as in SciPy's documented example (0.8207826816681233)", () => {
    expect(spearman(SCIPY_X, SCIPY_Y, { resamples: 0 }).value).toBeCloseTo(0.8207826816681233, 12);
  });

  it('gives mid-ranks to ties', () => {
    expect(averageRanks(SCIPY_Y)).toEqual([1, 2, 3.5, 5, 3.5]);
  });

  it('skips missing values and reports the pairs used', () => {
    const r = spearman([null, ...IQ], [3, ...TV_HOURS], { resamples: 0 });
    expect(r.value).toBeCloseTo(-29 / 165, 12);
    expect(r.n).toBe(10);
  });

  it('is undefined when one side is all ties', () => {
    expect(spearman([1, 2, 3], [4, 4, 4]).reason).toBe('zero-variance');
  });
});

describe('correlation bootstrap interval', () => {
  it('contains the estimate and is the same for the same seed', () => {
    const { x, y } = ANSCOMBE[1];
    const first = pearson(x, y, { seed: 7 });
    const again = pearson(x, y, { seed: 7 });
    const [low, high] = first.ci95!;
    expect(low).toBeLessThanOrEqual(first.value!);
    expect(high).toBeGreaterThanOrEqual(first.value!);
    expect(again.ci95).toEqual(first.ci95);
    expect(pearson(x, y, { seed: 8 }).ci95).not.toEqual(first.ci95);
  });

  it('recomputes ranks in each resample', () => {
    const r = spearman(IQ, TV_HOURS, { seed: 1 });
    expect(r.ci95![0]).toBeLessThanOrEqual(r.value!);
    expect(r.ci95![1]).toBeGreaterThanOrEqual(r.value!);
    expect(r.ci95![0]).toBeGreaterThanOrEqual(-1);
    expect(r.ci95![1]).toBeLessThanOrEqual(1);
  });
});
