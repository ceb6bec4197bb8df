import { describe, expect, it } from 'vitest';
import { judgeAgreement, labelerAgreement, type ScorePair } from './agreement.js';

const pairs = (automatic: unknown[], human: unknown[]): ScorePair[] =>
  automatic.map((a, i) => ({ automatic: a, human: human[i] }) as ScorePair);

const fast = { resamples: 200, seed: 1 };

describe('judgeAgreement', () => {
  it('gives Pearson, Spearman and MAE for numeric scores (published examples)', () => {
    // Anscombe (1973), set 1: r = 0.816 (see correlation.test.ts).
    const anscombe = judgeAgreement(
      pairs([10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5], [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68]),
      'numeric',
      fast,
    );
    if (anscombe.scale !== 'numeric') throw new Error('wrong shape');
    expect(anscombe.pearson.value).toBeCloseTo(0.816, 3);
    expect(anscombe.pearson.n).toBe(11);
    // SciPy's spearmanr example, with a tie: 0.8207826816681233.
    const scipy = judgeAgreement(pairs([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 'numeric', fast);
    if (scipy.scale !== 'numeric') throw new Error('wrong shape');
    expect(scipy.spearman.value).toBeCloseTo(0.8207826816681233, 12);
    // scikit-learn's mean_absolute_error example: 0.5.
    const sklearn = judgeAgreement(pairs([2.5, 0.0, 2, 8], [3, -0.5, 2, 7]), 'numeric', fast);
    if (sklearn.scale !== 'numeric') throw new Error('wrong shape');
    expect(sklearn.meanAbsoluteError.value).toBe(0.5);
  });

  it("gives kappa, accuracy and the table for binary scores, booleans meeting 0/1 (Wikipedia's κ = 0.4)", () => {
    // Wikipedia, "Cohen's kappa": 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no of 50.
    const judge = [...Array(25).fill(true), ...Array(25).fill(false)];
    const human = [...Array(20).fill(1), ...Array(5).fill(0), ...Array(10).fill(1), ...Array(15).fill(0)];
    const r = judgeAgreement(pairs(judge, human), 'binary', fast);
    if (r.scale !== 'binary') throw new Error('wrong shape');
    expect(r.kappa.value).toBeCloseTo(0.4, 12);
    expect(r.kappa.n).toBe(50);
    expect(r.accuracy.value).toBeCloseTo(0.7, 12);
    expect(r.confusionMatrix).toEqual({ categories: [0, 1], counts: [[15, 10], [5, 20]], n: 50 });
  });

  it("tabulates categorical scores automatic × human (scikit-learn's confusion_matrix example)", () => {
    const human = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'];
    const judge = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];
    const r = judgeAgreement(pairs(human, judge), 'categorical', { ...fast, categories: ['ant', 'bird', 'cat'] });
    if (r.scale !== 'categorical') throw new Error('wrong shape');
    expect(r.confusionMatrix.counts).toEqual([[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
  });

  it("uses quadratic weights for ordinal scores (irr's kappa2 on anxiety, 0.2520325)", () => {
    const rater2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
    const rater3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2];
    const r = judgeAgreement(pairs(rater2, rater3), 'ordinal', fast);
    if (r.scale !== 'ordinal') throw new Error('wrong shape');
    expect(r.weightedKappa.value).toBeCloseTo(0.2520325, 7);
    expect(r.spearman.n).toBe(20);
    expect(r.confusionMatrix.n).toBe(20);
  });

  it('ranks ordinal string categories by the scale given, and refuses to guess one', () => {
    const scale = ['bad', 'fine', 'good'];
    const ordered = judgeAgreement(pairs(['bad', 'fine', 'good', 'good'], ['bad', 'good', 'good', 'fine']), 'ordinal', {
      ...fast,
      categories: scale,
    });
    if (ordered.scale !== 'ordinal') throw new Error('wrong shape');
    expect(ordered.spearman.value).not.toBeNull();
    const guessed = judgeAgreement(pairs(['bad', 'good'], ['good', 'fine']), 'ordinal', fast);
    if (guessed.scale !== 'ordinal') throw new Error('wrong shape');
    expect(guessed.weightedKappa.reason).toBe('categories-required');
    expect(guessed.spearman.reason).toBe('categories-required');
  });
});

describe('labelerAgreement', () => {
  // Krippendorff (2011), example C (see krippendorff-alpha.test.ts).
  const _ = null;
  const PAPER_C = [
    [1, 1, _, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [_, 5, 5, 5], [_, _, 1, 1], [_, _, 3, _],
  ];

  it.each([
    ['numeric', 0.849],
    ['ordinal', 0.815],
    ['categorical', 0.743],
  ] as const)("uses alpha at the %s scale's level (published α = %s)", (scale, published) => {
    expect(labelerAgreement(PAPER_C, scale, { resamples: 0 }).value).toBeCloseTo(published, 3);
  });

  it("treats booleans as 0/1 for binary labels (Krippendorff 2004's α = 0.095)", () => {
    const jon = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const han = [false, true, true, false, false, true, false, true, false, false];
    const r = labelerAgreement(jon.map((v, u) => [v, han[u]]), 'binary', fast);
    expect(r.value).toBeCloseTo(0.095, 3);
    expect(r.n).toBe(20);
  });
});
