/**
 * Cohen's kappa between two raters (here: a judge and the human aggregate, or two
 * labelers), unweighted for nominal labels and weighted for ordinal scales, where a
 * 4-vs-5 disagreement should cost less than a 1-vs-5 one.
 */
import { bootstrapInterval } from './bootstrap.js';
import { countTable, encodePairs } from './confusion-matrix.js';
import { undefinedStatistic, type BootstrapOptions, type Category, type Missing, type Statistic } from './statistic.js';

export type KappaWeights = 'none' | 'linear' | 'quadratic';

export interface KappaOptions extends BootstrapOptions {
  /**
   * The scale, in order. Required in practice for weighted kappa: the distance between
   * categories is their distance in this list, and unused categories still count.
   * Without it the observed values are used, numbers ascending.
   */
  categories?: readonly Category[];
  /** Disagreement weights; 'none' (default) is Cohen's (1960) kappa. */
  weights?: KappaWeights;
}

/**
 * κ_w = 1 − Σᵢⱼ vᵢⱼ pᵢⱼ / Σᵢⱼ vᵢⱼ pᵢ. p.ⱼ with disagreement weights vᵢⱼ between
 * categories i and j of k (Cohen 1968, "Weighted kappa", Psychological Bulletin 70:213):
 *   none       vᵢⱼ = [i ≠ j]            which gives κ = (p_o − p_e)/(1 − p_e) (Cohen 1960)
 *   linear     vᵢⱼ = |i − j| / (k − 1)  (Cicchetti & Allison 1971)
 *   quadratic  vᵢⱼ = (i − j)² / (k − 1)² (Fleiss & Cohen 1973)
 * These are R vcd's "Equal-Spacing" and "Fleiss-Cohen" weights and SAS's CA and FC.
 * Pairs with a value missing on either side are left out; `n` counts the rest.
 */
export function cohenKappa(
  a: readonly (Category | Missing)[],
  b: readonly (Category | Missing)[],
  options: KappaOptions = {},
): Statistic {
  const weighting = options.weights ?? 'none';
  const coded = encodePairs(a, b, options.categories);
  const n = coded.rows.length;
  if (n < 2) return undefinedStatistic(n, 'insufficient-data');
  if (weighting !== 'none') {
    // Weights need the scale's order; code-unit order of strings is not it.
    if (coded.extra > 0) return undefinedStatistic(n, 'unknown-category');
    if (!options.categories && coded.categories.some((c) => typeof c === 'string')) {
      return undefinedStatistic(n, 'categories-required');
    }
  }
  const k = coded.categories.length;
  if (k < 2) return undefinedStatistic(n, 'single-category');
  const v = disagreementWeights(k, weighting);
  const value = kappaOf(countTable(coded), v);
  if (value === null) return undefinedStatistic(n, 'single-category');
  const ci95 = bootstrapInterval(n, (idx) => kappaOf(countTable(coded, idx), v), options);
  return ci95 ? { value, n, ci95 } : { value, n };
}

function disagreementWeights(k: number, weighting: KappaWeights): number[][] {
  return Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => {
      const d = Math.abs(i - j) / (k - 1);
      if (weighting === 'linear') return d;
      if (weighting === 'quadratic') return d * d;
      return i === j ? 0 : 1;
    }),
  );
}

/**
 * Kappa of a count table, or null when expected disagreement is zero: both raters put
 * every item in one and the same category, so chance already explains all agreement.
 */
function kappaOf(table: number[][], v: number[][]): number | null {
  const k = table.length;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  let total = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      rows[i] += table[i][j];
      cols[j] += table[i][j];
      total += table[i][j];
    }
  }
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      observed += (v[i][j] * table[i][j]) / total;
      expected += (v[i][j] * rows[i] * cols[j]) / (total * total);
    }
  }
  // A sum of non-negative terms, each either exactly 0 or well above underflow: an exact
  // zero means one shared category, and any tolerance would misjudge very large tables.
  if (expected === 0) return null;
  return 1 - observed / expected;
}
