import { describe, expect, it } from 'vitest';
import { meanAbsoluteError } from './mean-absolute-error.js';

// scikit-learn reference, sklearn.metrics.mean_absolute_error, "Examples":
// y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8] gives 0.5.
const Y_TRUE = [3, -0.5, 2, 7];
const Y_PRED = [2.5, 0.0, 2, 8];

describe('meanAbsoluteError', () => {
  it("gives scikit-learn's documented example, 0.5", () => {
    expect(meanAbsoluteError(Y_PRED, Y_TRUE, { resamples: 0 })).toEqual({ value: 0.5, n: 4 });
  });

  it('leaves out pairs with a side missing', () => {
    const r = meanAbsoluteError([...Y_PRED, null, 9], [...Y_TRUE, 1, undefined], { resamples: 0 });
    expect(r).toEqual({ value: 0.5, n: 4 });
  });

  it('is defined from one pair but has no interval below two', () => {
    expect(meanAbsoluteError([1], [3])).toEqual({ value: 2, n: 1 });
    expect(meanAbsoluteError([null], [3])).toEqual({ value: null, n: 0, reason: 'insufficient-data' });
  });

  it('has a reproducible interval around the estimate', () => {
    const r = meanAbsoluteError(Y_PRED, Y_TRUE, { seed: 3 });
    expect(r.ci95![0]).toBeLessThanOrEqual(0.5);
    expect(r.ci95![1]).toBeGreaterThanOrEqual(0.5);
    expect(meanAbsoluteError(Y_PRED, Y_TRUE, { seed: 3 }).ci95).toEqual(r.ci95);
  });
});
