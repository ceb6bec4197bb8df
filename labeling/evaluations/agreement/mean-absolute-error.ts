/**
 * Mean absolute error between an automatic and a human numeric score: how far apart they
 * are on the score's own scale, which a correlation hides (a judge that is always one
 * point too generous correlates perfectly).
 */
import { bootstrapInterval } from './bootstrap.js';
import { completePairs } from './pairs.js';
import { isFiniteNumber, undefinedStatistic, type BootstrapOptions, type Missing, type Statistic } from './statistic.js';

/**
 * MAE = (1/n) Σ |xᵢ − yᵢ| over the pairs where both are finite numbers (e.g. Hyndman &
 * Koehler, "Another look at measures of forecast accuracy", 2006, §3.1). Defined from
 * one pair on; the bootstrap interval needs two.
 */
export function meanAbsoluteError(
  x: readonly (number | Missing)[],
  y: readonly (number | Missing)[],
  options: BootstrapOptions = {},
): Statistic {
  const pairs = completePairs(x, y, isFiniteNumber);
  const n = pairs.a.length;
  if (n === 0) return undefinedStatistic(0, 'insufficient-data');
  const errors = pairs.a.map((v, i) => Math.abs(v - pairs.b[i]));
  const value = mean(errors, undefined);
  const ci95 = bootstrapInterval(n, (idx) => mean(errors, idx), options);
  return ci95 ? { value, n, ci95 } : { value, n };
}

function mean(values: readonly number[], indices: ArrayLike<number> | undefined): number {
  let sum = 0;
  if (!indices) {
    for (const v of values) sum += v;
    return sum / values.length;
  }
  for (let i = 0; i < indices.length; i++) sum += values[indices[i]];
  return sum / indices.length;
}
