/**
 * Correlation of a numeric automatic score with a numeric human score: Pearson's r for
 * linear agreement, Spearman's rho for agreement in order (a judge that ranks data
 * points like people do but on another scale still scores well).
 */
import { bootstrapInterval } from './bootstrap.js';
import { completePairs } from './pairs.js';
import { averageRanks, tieGroups } from './ranks.js';
import {
  isFiniteNumber,
  undefinedStatistic,
  type BootstrapOptions,
  type Missing,
  type Statistic,
} from './statistic.js';

/**
 * Pearson's product-moment correlation over the pairs where both values are finite
 * numbers: r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² · Σ(y−ȳ)²) (Pearson 1896; e.g. Altman,
 * "Practical Statistics for Medical Research", 1991, §11.9). Undefined for fewer than
 * two pairs or when either side is constant.
 */
export function pearson(
  x: readonly (number | Missing)[],
  y: readonly (number | Missing)[],
  options: BootstrapOptions = {},
): Statistic {
  const { a, b } = completePairs(x, y, isFiniteNumber);
  const n = a.length;
  if (n < 2) return undefinedStatistic(n, 'insufficient-data');
  const value = pearsonOf(a, b);
  if (value === null) return undefinedStatistic(n, 'zero-variance');
  const [bufA, bufB] = [new Float64Array(n), new Float64Array(n)];
  const ci95 = bootstrapInterval(
    n,
    (idx) => {
      for (let i = 0; i < n; i++) {
        bufA[i] = a[idx[i]];
        bufB[i] = b[idx[i]];
      }
      return pearsonOf(bufA, bufB);
    },
    options,
  );
  return ci95 ? { value, n, ci95 } : { value, n };
}

/**
 * Spearman's rank correlation: Pearson's r of the mid-ranks of x and of y (Spearman
 * 1904). With ties this is the tie-corrected coefficient, not 1 − 6Σd²/(n(n²−1)), which
 * holds only without ties. Each bootstrap resample is ranked afresh.
 */
export function spearman(
  x: readonly (number | Missing)[],
  y: readonly (number | Missing)[],
  options: BootstrapOptions = {},
): Statistic {
  const { a, b } = completePairs(x, y, isFiniteNumber);
  const n = a.length;
  if (n < 2) return undefinedStatistic(n, 'insufficient-data');
  const value = pearsonOf(averageRanks(a), averageRanks(b));
  if (value === null) return undefinedStatistic(n, 'zero-variance');
  const rankA = resampleRanker(a);
  const rankB = resampleRanker(b);
  const ci95 = bootstrapInterval(n, (idx) => pearsonOf(rankA(idx), rankB(idx)), options);
  return ci95 ? { value, n, ci95 } : { value, n };
}

/**
 * Mid-ranks of a resample without sorting it: the resample's order is the full sample's,
 * so counting how often each tie group was drawn gives every group's ranks in O(n).
 */
function resampleRanker(values: readonly number[]): (idx: Uint32Array) => Float64Array {
  const { group, groups } = tieGroups(values);
  const counts = new Uint32Array(groups);
  const midRank = new Float64Array(groups);
  const ranks = new Float64Array(values.length);
  return function ranksOf(idx: Uint32Array): Float64Array {
    counts.fill(0);
    for (let i = 0; i < idx.length; i++) counts[group[idx[i]]]++;
    let below = 0;
    for (let g = 0; g < groups; g++) {
      midRank[g] = below + (counts[g] + 1) / 2;
      below += counts[g];
    }
    for (let i = 0; i < idx.length; i++) ranks[i] = midRank[group[idx[i]]];
    return ranks;
  };
}

/**
 * r, or null when a side is constant (checked exactly: a variance rounded from identical
 * values need not be 0).
 */
function pearsonOf(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  let xVaries = false;
  let yVaries = false;
  for (let i = 0; i < n; i++) {
    xVaries ||= x[i] !== x[0];
    yVaries ||= y[i] !== y[0];
    mx += x[i];
    my += y[i];
  }
  if (!xVaries || !yVaries) return null;
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Rounding can carry |r| a hair past 1 for perfectly linear data.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}
