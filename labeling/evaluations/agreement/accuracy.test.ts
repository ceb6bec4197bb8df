import { describe, expect, it } from 'vitest';
import { accuracy } from './accuracy.js';

describe('accuracy', () => {
  // scikit-learn reference, sklearn.metrics.accuracy_score, "Examples":
  // y_pred = [0, 2, 1, 3], y_true = [0, 1, 2, 3] gives 0.5.
  it("gives scikit-learn's documented example, 0.5", () => {
    expect(accuracy([0, 2, 1, 3], [0, 1, 2, 3], { resamples: 0 })).toEqual({ value: 0.5, n: 4 });
  });

  // Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, both readers say yes
  // to 20 and no to 15, so the observed agreement p_o = (20 + 15)/50 = 0.7.
  it("gives the observed agreement of Wikipedia's kappa example, p_o = 0.7", () => {
    const a = [...Array(25).fill('yes'), ...Array(25).fill('no')];
    const b = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')];
    expect(accuracy(a, b, { resamples: 0 }).value).toBeCloseTo(0.7, 12);
  });

  it('compares with ===, leaves out missing values', () => {
    expect(accuracy([1, '1', true, null], [1, 1, 1, 1], { resamples: 0 })).toEqual({ value: 1 / 3, n: 3 });
    expect(accuracy([], [])).toEqual({ value: null, n: 0, reason: 'insufficient-data' });
  });

  it('has a reproducible interval around the estimate', () => {
    const a = [1, 1, 0, 1, 0, 1, 1, 0, 1, 1];
    const b = [1, 0, 0, 1, 0, 1, 1, 1, 1, 1];
    const r = accuracy(a, b, { seed: 11, resamples: 500 });
    expect(r.ci95![0]).toBeLessThanOrEqual(r.value!);
    expect(r.ci95![1]).toBeGreaterThanOrEqual(r.value!);
    expect(accuracy(a, b, { seed: 11, resamples: 500 })).toEqual(r);
  });
});
