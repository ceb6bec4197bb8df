/**
 * The shapes every agreement statistic shares. A statistic that cannot be computed from
 * the data it was given says so with `value: null` and a stable reason code, never NaN
 * and never a throw: agreement figures are read by people comparing a judge with
 * labelers, and a NaN on a page is worse than "not enough data".
 */

/** A value a labeler or a judge can give: a category, a boolean, or a number. */
export type Category = string | number | boolean;

/** How a missing value may arrive: nothing was given, or the array was shorter. */
export type Missing = null | undefined;

/** Why a statistic has no value. Stable codes; callers branch on them, pages word them. */
export type UndefinedReason =
  /** Fewer than two usable pairs (or, for alpha, no unit with two values). */
  | 'insufficient-data'
  /** One side never varies, so a correlation is 0/0. */
  | 'zero-variance'
  /** Every value falls in one category, so chance agreement is already perfect. */
  | 'single-category'
  /** A value is not among the categories given for a weighted or ordinal statistic. */
  | 'unknown-category'
  /** An ordinal statistic got non-numeric values and no category order. */
  | 'categories-required'
  /** An interval or ratio statistic got a value that is not a finite number. */
  | 'non-numeric'
  /** A ratio statistic got a negative value. */
  | 'negative-value';

export interface Statistic {
  /** The estimate, or null when it is undefined for this data (see `reason`). */
  value: number | null;
  /** The sample size used: complete pairs, or for alpha the pairable values. */
  n: number;
  /** 95% bootstrap percentile interval; absent when resampling could not support one. */
  ci95?: [number, number];
  reason?: UndefinedReason;
}

/** Options of the bootstrap interval every statistic reports. */
export interface BootstrapOptions {
  /** Number of resamples; 0 turns the interval off. Default 1000. */
  resamples?: number;
  /** Seed of the generator, so the same data and seed give the same interval. */
  seed?: number;
}

export function undefinedStatistic(n: number, reason: UndefinedReason): Statistic {
  return { value: null, n, reason };
}

export function isCategory(v: unknown): v is Category {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
