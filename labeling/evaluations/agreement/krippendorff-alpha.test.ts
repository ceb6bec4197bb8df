import { describe, expect, it } from 'vitest';
import { krippendorffAlpha } from './krippendorff-alpha.js';

const _ = null;

// Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), example C: four
// observers A-D, twelve units, values 1-5 with gaps. Here one row per unit, one column per
// observer (the paper prints observers as rows). The paper gives α = 0.743 (nominal),
// 0.815 (ordinal), 0.849 (interval) and 0.797 (ratio). The same data are R DescTools'
// KrippAlpha "C" example and the Python krippendorff package's test data.
const PAPER_C = [
  [1, 1, _, 1],
  [2, 2, 3, 2],
  [3, 3, 3, 3],
  [3, 3, 3, 3],
  [2, 2, 2, 2],
  [1, 2, 3, 4],
  [4, 4, 4, 4],
  [1, 1, 2, 1],
  [2, 2, 2, 2],
  [_, 5, 5, 5],
  [_, _, 1, 1],
  [_, _, 3, _],
];

// Wikipedia, "Krippendorff's alpha", section "A computational example": three coders,
// fifteen units; the article gives α_nominal = 0.691 and α_interval = 0.811.
const CODER_A = [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3];
const CODER_B = [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _];
const CODER_C = [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4];
const WIKIPEDIA = CODER_A.map((_, u) => [CODER_A[u], CODER_B[u], CODER_C[u]]);

// Krippendorff, "Content Analysis: An Introduction to Its Methodology" (2nd ed., 2004),
// §11.3.1: two observers, Jon and Han, mark ten articles 0/1; α = 0.095.
const JON = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
const HAN = [0, 1, 1, 0, 0, 1, 0, 1, 0, 0];

const exact = { resamples: 0 };

describe('krippendorffAlpha', () => {
  it.each([
    ['nominal', 0.743],
    ['ordinal', 0.815],
    ['interval', 0.849],
    ['ratio', 0.797],
  ] as const)('gives the 2011 paper, example C, %s α = %s', (level, published) => {
    const r = krippendorffAlpha(PAPER_C, level, exact);
    expect(r.value).toBeCloseTo(published, 3);
    // 41 values, less the single value of unit 12, which has no one to pair with.
    expect(r.n).toBe(40);
  });

  it("gives Wikipedia's computational example, nominal 0.691 and interval 0.811", () => {
    expect(krippendorffAlpha(WIKIPEDIA, 'nominal', exact).value).toBeCloseTo(0.691, 3);
    expect(krippendorffAlpha(WIKIPEDIA, 'interval', exact).value).toBeCloseTo(0.811, 3);
  });

  it("gives Krippendorff's two-observer binary example, α = 0.095", () => {
    const units = JON.map((v, u) => [v, HAN[u]]);
    expect(krippendorffAlpha(units, 'nominal', exact)).toEqual({ value: expect.closeTo(0.095, 3), n: 20 });
  });

  it('orders string categories by the scale given, with the same result as numbers', () => {
    const words = ['very low', 'low', 'mid', 'high', 'very high'];
    const asWords = PAPER_C.map((row) => row.map((v) => (v === null ? null : words[v - 1])));
    expect(krippendorffAlpha(asWords, 'ordinal', { ...exact, categories: words }).value).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(asWords, 'nominal', exact).value).toBeCloseTo(0.743, 3);
  });

  it('takes ragged rows and treats undefined as missing', () => {
    const ragged = PAPER_C.map((row) => {
      const copy: (number | null | undefined)[] = row.map((v) => (v === null ? undefined : v));
      while (copy.length && copy[copy.length - 1] === undefined) copy.pop();
      return copy;
    });
    expect(krippendorffAlpha(ragged, 'nominal', exact).value).toBeCloseTo(0.743, 3);
  });

  it('is undefined without a unit of two values, or with a single category', () => {
    expect(krippendorffAlpha([[1, _], [_, 2]], 'nominal')).toEqual({ value: null, n: 0, reason: 'insufficient-data' });
    expect(krippendorffAlpha([], 'interval')).toEqual({ value: null, n: 0, reason: 'insufficient-data' });
    expect(krippendorffAlpha([[1, 1], [1, 1, 1]], 'nominal')).toEqual({ value: null, n: 5, reason: 'single-category' });
  });

  it('says why it cannot use the values at a level', () => {
    expect(krippendorffAlpha([['a', 'b']], 'interval').reason).toBe('non-numeric');
    expect(krippendorffAlpha([[-1, 2]], 'ratio').reason).toBe('negative-value');
    expect(krippendorffAlpha([['a', 'b']], 'ordinal').reason).toBe('categories-required');
    expect(krippendorffAlpha([['a', 'z']], 'ordinal', { categories: ['a', 'b'] }).reason).toBe('unknown-category');
  });

  it('has a unit-resampled interval around the estimate, the same for the same seed', () => {
    const r = krippendorffAlpha(PAPER_C, 'ordinal', { seed: 5 });
    expect(r.ci95![0]).toBeLessThanOrEqual(r.value!);
    expect(r.ci95![1]).toBeGreaterThanOrEqual(r.value!);
    expect(krippendorffAlpha(PAPER_C, 'ordinal', { seed: 5 })).toEqual(r);
    expect(krippendorffAlpha(PAPER_C, 'ordinal', { seed: 6 }).ci95).not.toEqual(r.ci95);
  });
});
