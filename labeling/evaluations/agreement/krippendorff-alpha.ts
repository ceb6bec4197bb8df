/**
 * Krippendorff's alpha: agreement among any number of labelers, each labeling any subset
 * of the items, at the scale's level of measurement. Chosen for inter-labeler agreement
 * because queues give items to different labelers and never to all of them, which kappa
 * (two fixed raters, no gaps) cannot take.
 */
import { bootstrapInterval } from './bootstrap.js';
import { resolveCategories } from './categories.js';
import {
  isCategory,
  undefinedStatistic,
  type BootstrapOptions,
  type Category,
  type Missing,
  type Statistic,
} from './statistic.js';

export type AlphaLevel = 'nominal' | 'ordinal' | 'interval' | 'ratio';

export interface AlphaOptions extends BootstrapOptions {
  /** For ordinal data: the scale in order. Needed when the values are not numbers. */
  categories?: readonly Category[];
}

/**
 * Alpha of the reliability data `units` (one row per unit, one column per labeler; a
 * missing value is null or undefined, and rows may differ in length), following
 * Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011):
 *   α = 1 − D_o/D_e = 1 − (n − 1) Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck
 * where o_ck = Σ_u (pairs (c,k) of values from different labelers in u)/(m_u − 1) is the
 * coincidence matrix over units with m_u ≥ 2 values, n_c its marginals, and n the number
 * of pairable values (reported as `n`). Difference functions δ²_ck:
 *   nominal   [c ≠ k]
 *   ordinal   (Σ_{g=c..k} n_g − (n_c + n_k)/2)², over the ranks of the scale
 *   interval  (c − k)²
 *   ratio     ((c − k)/(c + k))², 0 when c = k = 0
 * The bootstrap resamples units, not values, since a unit's values are not independent.
 */
export function krippendorffAlpha(
  units: readonly (readonly (Category | Missing)[])[],
  level: AlphaLevel,
  options: AlphaOptions = {},
): Statistic {
  const present = units.map((row) => row.filter(isCategory));
  const domain = buildDomain(present.flat(), level, options.categories);
  if ('reason' in domain) return undefinedStatistic(0, domain.reason);
  const coded = present.filter((row) => row.length >= 2).map((row) => row.map((v) => domain.index.get(v) as number));
  const n = coded.reduce((sum, row) => sum + row.length, 0);
  if (coded.length === 0) return undefinedStatistic(0, 'insufficient-data');
  const alpha = makeAlpha(coded, domain.index.size, level, domain.numeric);
  const value = alpha(undefined);
  if (value === null) return undefinedStatistic(n, 'single-category');
  const ci95 = bootstrapInterval(coded.length, alpha, options);
  return ci95 ? { value, n, ci95 } : { value, n };
}

type Domain =
  | { index: Map<Category, number>; numeric: number[] }
  | { reason: 'unknown-category' | 'categories-required' | 'non-numeric' | 'negative-value' };

/** Codes every value by its position on the scale; for interval and ratio, keeps the numbers. */
function buildDomain(values: Category[], level: AlphaLevel, categories: readonly Category[] | undefined): Domain {
  if (level === 'interval' || level === 'ratio') {
    if (!values.every((v) => typeof v === 'number')) return { reason: 'non-numeric' };
    if (level === 'ratio' && values.some((v) => (v as number) < 0)) return { reason: 'negative-value' };
    const resolved = resolveCategories(undefined, values);
    return { index: resolved.index, numeric: resolved.categories as number[] };
  }
  if (level === 'ordinal' && !categories && values.some((v) => typeof v === 'string')) {
    return { reason: 'categories-required' };
  }
  const resolved = resolveCategories(level === 'ordinal' ? categories : undefined, values);
  if (resolved.extra > 0) return { reason: 'unknown-category' };
  return { index: resolved.index, numeric: [] };
}

/** Alpha over all coded units, or over the units at `picks` (a bootstrap resample). */
function makeAlpha(units: number[][], size: number, level: AlphaLevel, numeric: number[]) {
  const fixed = level === 'ordinal' ? undefined : fixedDifference(level, numeric);
  // With a fixed δ each unit's share of observed disagreement is the same in every resample.
  const unitShare = fixed ? units.map((u) => withinUnit(u, fixed)) : undefined;
  return function alphaOf(picks: ArrayLike<number> | undefined): number | null {
    const count = picks ? picks.length : units.length;
    const nc = new Array<number>(size).fill(0);
    let n = 0;
    for (let p = 0; p < count; p++) {
      const unit = units[picks ? picks[p] : p];
      for (const c of unit) nc[c]++;
      n += unit.length;
    }
    const used = nc.flatMap((m, c) => (m > 0 ? [c] : []));
    if (used.length < 2) return null;
    const delta = fixed ?? ordinalDifference(nc);
    let observed = 0;
    for (let p = 0; p < count; p++) {
      const u = picks ? picks[p] : p;
      observed += unitShare ? unitShare[u] : withinUnit(units[u], delta);
    }
    return 1 - ((n - 1) * observed) / expectedSum(nc, used, n, level, numeric, delta);
  };
}

type Difference = (c: number, k: number) => number;

function fixedDifference(level: AlphaLevel, numeric: number[]): Difference {
  if (level === 'nominal') return (c, k) => (c === k ? 0 : 1);
  if (level === 'interval') return (c, k) => (numeric[c] - numeric[k]) ** 2;
  return (c, k) => {
    const sum = numeric[c] + numeric[k];
    return sum === 0 ? 0 : ((numeric[c] - numeric[k]) / sum) ** 2;
  };
}

/** The ordinal δ² depends on the marginals n_g of the data at hand (2011, eq. for ordinal). */
function ordinalDifference(nc: number[]): Difference {
  const prefix = [0];
  for (const m of nc) prefix.push(prefix[prefix.length - 1] + m);
  return (c, k) => {
    const [lo, hi] = c < k ? [c, k] : [k, c];
    return (prefix[hi + 1] - prefix[lo] - (nc[lo] + nc[hi]) / 2) ** 2;
  };
}

/** Σ over ordered pairs of different labelers' values in a unit of δ², divided by m_u − 1. */
function withinUnit(unit: number[], delta: Difference): number {
  let sum = 0;
  for (let i = 0; i < unit.length; i++) for (let j = i + 1; j < unit.length; j++) sum += 2 * delta(unit[i], unit[j]);
  return sum / (unit.length - 1);
}

/** Σ_ck n_c n_k δ²_ck, in closed form where the metric allows (it is most of the cost). */
function expectedSum(nc: number[], used: number[], n: number, level: AlphaLevel, numeric: number[], delta: Difference): number {
  if (level === 'nominal') return n * n - used.reduce((s, c) => s + nc[c] * nc[c], 0);
  if (level === 'interval') {
    // Σ_ck n_c n_k (x_c − x_k)² = 2n Σ_c n_c (x_c − x̄)²
    const mean = used.reduce((s, c) => s + nc[c] * numeric[c], 0) / n;
    return 2 * n * used.reduce((s, c) => s + nc[c] * (numeric[c] - mean) ** 2, 0);
  }
  let sum = 0;
  for (const c of used) for (const k of used) if (c !== k) sum += nc[c] * nc[k] * delta(c, k);
  return sum;
}
