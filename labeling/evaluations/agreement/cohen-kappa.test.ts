import { describe, expect, it } from 'vitest';
import { cohenKappa } from './cohen-kappa.js';
import type { Category } from './statistic.js';

/** A published contingency table (rows: rater a, columns: rater b) as two rating lists. */
function expand(counts: number[][], categories: Category[]): [Category[], Category[]] {
  const a: Category[] = [];
  const b: Category[] = [];
  counts.forEach((row, i) => row.forEach((count, j) => {
    for (let k = 0; k < count; k++) {
      a.push(categories[i]);
      b.push(categories[j]);
    }
  }));
  return [a, b];
}

const SCALE = [1, 2, 3, 4];
const exact = { resamples: 0 };

describe('cohenKappa, unweighted', () => {
  // Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, A and B both say yes to
  // 20, A yes / B no 5, A no / B yes 10, both no 15; p_o = 0.7, p_e = 0.5, κ = 0.4.
  it("gives Wikipedia's worked example, κ = 0.4", () => {
    const [a, b] = expand([[20, 5], [10, 15]], ['yes', 'no']);
    expect(cohenKappa(a, b, exact)).toEqual({ value: expect.closeTo(0.4, 12), n: 50 });
  });

  // SAS/STAT PROC FREQ, AGREE output for a 3×3 table whose first column is empty, as
  // reproduced in statsmodels' stats/tests/test_inter_rater.py ("comparison to printout of
  // a SAS example"): simple kappa 0.4842, weighted (Cicchetti-Allison) kappa 0.4701.
  it('gives the SAS example, 0.4842, and its Cicchetti-Allison weighted kappa, 0.4701', () => {
    const [a, b] = expand([[0, 4, 1], [0, 8, 0], [0, 1, 5]], [1, 2, 3]);
    expect(cohenKappa(a, b, { ...exact, categories: [1, 2, 3] }).value).toBeCloseTo(0.4842, 4);
    expect(cohenKappa(a, b, { ...exact, categories: [1, 2, 3], weights: 'linear' }).value).toBeCloseTo(0.4701, 4);
  });
});

describe('cohenKappa, weighted', () => {
  // R package vcd, Kappa(): "Unweighted" is Cohen's kappa, "Weighted" uses the default
  // Equal-Spacing weights 1 − |i − j|/(r − 1), i.e. linear. Published outputs:
  //  - SexualFun (Hout, Duncan & Sobel 1987, via Agresti 1990; Friendly, "Visualizing
  //    Categorical Data", 2000, p. 91), husband × wife, 91 couples: vcd/vcdExtra
  //    documentation of Kappa(SexualFun): Unweighted 0.1293, Weighted 0.2374.
  //  - MSPatients (Landis & Koch 1977; vcd), Winnipeg × New Orleans neurologist, per patient
  //    group: vcdExtra's print.Kappa documentation, apply(MSPatients, 3, Kappa):
  //    Winnipeg 0.2079 / 0.3797, New Orleans 0.2965 / 0.4773.
  //  - Mammograms (Kundel & Polansky, Radiology 228:303, 2003, Table A1; vcdExtra), 110
  //    mammograms, two readers: vcdExtra documentation: 0.3713 / 0.5964.
  const VCD = [
    { name: 'SexualFun', counts: [[7, 7, 2, 3], [2, 8, 3, 7], [1, 5, 4, 9], [2, 8, 9, 14]], none: 0.1293, linear: 0.2374 },
    { name: 'MSPatients, Winnipeg', counts: [[38, 5, 0, 1], [33, 11, 3, 0], [10, 14, 5, 6], [3, 7, 3, 10]], none: 0.2079, linear: 0.3797 },
    { name: 'MSPatients, New Orleans', counts: [[5, 3, 0, 0], [3, 11, 4, 0], [2, 13, 3, 4], [1, 2, 4, 14]], none: 0.2965, linear: 0.4773 },
    { name: 'Mammograms', counts: [[34, 10, 2, 0], [6, 8, 8, 2], [2, 5, 4, 12], [0, 1, 2, 14]], none: 0.3713, linear: 0.5964 },
  ];
  it.each(VCD)("gives vcd's published Kappa() for $name", ({ counts, none, linear }) => {
    const [a, b] = expand(counts, SCALE);
    expect(cohenKappa(a, b, { ...exact, categories: SCALE }).value).toBeCloseTo(none, 4);
    expect(cohenKappa(a, b, { ...exact, categories: SCALE, weights: 'linear' }).value).toBeCloseTo(linear, 4);
  });

  // R package irr, data `anxiety` (20 subjects, ratings 1-6), raters 2 and 3. irr's
  // kappa2() output as recorded in statsmodels' stats/tests/test_inter_rater.py:
  // unweighted −0.006289308, "equal" (linear) 0.1459075, "squared" (quadratic) 0.2520325.
  // kappa2 uses the levels observed (5 is never given), as these categories do by default.
  const RATER2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
  const RATER3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2];
  it("gives irr's published kappa2() on the anxiety data, including quadratic weights", () => {
    expect(cohenKappa(RATER2, RATER3, exact).value).toBeCloseTo(-0.006289308, 8);
    expect(cohenKappa(RATER2, RATER3, { ...exact, weights: 'linear' }).value).toBeCloseTo(0.1459075, 7);
    expect(cohenKappa(RATER2, RATER3, { ...exact, weights: 'quadratic' }).value).toBeCloseTo(0.2520325, 7);
  });
});

describe('cohenKappa, edge cases', () => {
  it('leaves out pairs with a missing side', () => {
    const [a, b] = expand([[20, 5], [10, 15]], ['yes', 'no']);
    const r = cohenKappa([...a, null, 'yes'], [...b, 'no', undefined], exact);
    expect(r).toEqual({ value: expect.closeTo(0.4, 12), n: 50 });
  });

  it('is undefined for fewer than two pairs', () => {
    expect(cohenKappa(['yes'], ['no'])).toEqual({ value: null, n: 1, reason: 'insufficient-data' });
  });

  it('is undefined when both raters use a single category, even with a wider scale', () => {
    expect(cohenKappa([1, 1, 1], [1, 1, 1])).toEqual({ value: null, n: 3, reason: 'single-category' });
    expect(cohenKappa([1, 1, 1], [1, 1, 1], { categories: SCALE, weights: 'quadratic' }).reason).toBe('single-category');
  });

  it('refuses weights without an order for strings, and values off the scale', () => {
    expect(cohenKappa(['low', 'high'], ['high', 'high'], { weights: 'linear' }).reason).toBe('categories-required');
    expect(cohenKappa([1, 5], [1, 2], { categories: SCALE, weights: 'linear' }).reason).toBe('unknown-category');
  });

  it('has a reproducible interval around the estimate', () => {
    const [a, b] = expand([[7, 7, 2, 3], [2, 8, 3, 7], [1, 5, 4, 9], [2, 8, 9, 14]], SCALE);
    const r = cohenKappa(a, b, { categories: SCALE, weights: 'quadratic', seed: 42 });
    expect(r.ci95![0]).toBeLessThanOrEqual(r.value!);
    expect(r.ci95![1]).toBeGreaterThanOrEqual(r.value!);
    expect(cohenKappa(a, b, { categories: SCALE, weights: 'quadratic', seed: 42 })).toEqual(r);
  });
});
