/**
 * Raw agreement: the share of items on which both sides gave the same category. Shown
 * next to kappa because kappa alone hides how often they simply agree, and accuracy alone
 * hides how much of that agreement chance explains.
 */
import { bootstrapInterval } from './bootstrap.js';
import { completePairs } from './pairs.js';
import {
  isCategory,
  undefinedStatistic,
  type BootstrapOptions,
  type Category,
  type Missing,
  type Statistic,
} from './statistic.js';

/**
 * Accuracy = (1/n) Σ [aᵢ = bᵢ] over the pairs where both are present: Cohen's (1960) p_o,
 * the observed proportion of agreement. Values compare with ===. Defined from one pair
 * on; the bootstrap interval needs two.
 */
export function accuracy(
  a: readonly (Category | Missing)[],
  b: readonly (Category | Missing)[],
  options: BootstrapOptions = {},
): Statistic {
  const pairs = completePairs(a, b, isCategory);
  const n = pairs.a.length;
  if (n === 0) return undefinedStatistic(0, 'insufficient-data');
  const hits = pairs.a.map((v, i) => (v === pairs.b[i] ? 1 : 0));
  let agreed = 0;
  for (const h of hits) agreed += h;
  const ci95 = bootstrapInterval(
    n,
    (idx) => {
      let sum = 0;
      for (let i = 0; i < idx.length; i++) sum += hits[idx[i]];
      return sum / idx.length;
    },
    options,
  );
  const value = agreed / n;
  return ci95 ? { value, n, ci95 } : { value, n };
}
