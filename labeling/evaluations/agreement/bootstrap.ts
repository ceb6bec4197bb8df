/**
 * Percentile bootstrap intervals: resample the items (pairs, or alpha's units) with
 * replacement, recompute the statistic on each resample, and take the 2.5th and 97.5th
 * percentiles (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13).
 * Chosen over normal-theory standard errors because one method then serves kappa,
 * alpha and the correlations alike, with no per-statistic variance formula to get wrong.
 */
import { mulberry32 } from './random.js';
import type { BootstrapOptions } from './statistic.js';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 0x5eed;

/**
 * An interval needs the statistic defined on most resamples; when it is undefined on
 * many (a kappa whose resamples often fall in one category), the defined ones are a
 * biased subset and no interval is reported.
 */
const MIN_DEFINED_SHARE = 0.5;

/**
 * The 95% percentile interval of `statistic` over `resamples` resamples of `n` items.
 * `statistic` receives the indices of one resample (with repeats) and returns the
 * estimate, or null where it is undefined. Returns undefined when resampling is off,
 * there are fewer than two items, or too few resamples gave a value.
 */
export function bootstrapInterval(
  n: number,
  statistic: (indices: Uint32Array) => number | null,
  options: BootstrapOptions = {},
): [number, number] | undefined {
  const resamples = resampleCount(options.resamples);
  if (resamples === 0 || n < 2) return undefined;
  const random = mulberry32(options.seed ?? DEFAULT_SEED);
  const indices = new Uint32Array(n);
  const estimates: number[] = [];
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    const value = statistic(indices);
    if (value !== null && Number.isFinite(value)) estimates.push(value);
  }
  if (estimates.length < resamples * MIN_DEFINED_SHARE) return undefined;
  estimates.sort((x, y) => x - y);
  return [quantile(estimates, 0.025), quantile(estimates, 0.975)];
}

/**
 * Quantile of sorted values by linear interpolation between order statistics
 * (Hyndman & Fan 1996, definition 7; R's default `quantile` type).
 */
export function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function resampleCount(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested)) return DEFAULT_RESAMPLES;
  return Math.max(0, Math.floor(requested));
}
