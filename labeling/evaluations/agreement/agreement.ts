/**
 * The two questions the comparison page asks, each answered with the statistics that
 * fit the score's scale: how well does an automatic evaluator agree with people
 * (`judgeAgreement`), and how well do people agree with each other (`labelerAgreement`).
 * The ceiling for the first is the second: a judge cannot be expected to agree with
 * labelers better than they agree among themselves.
 */
import { accuracy } from './accuracy.js';
import { resolveCategories } from './categories.js';
import { cohenKappa } from './cohen-kappa.js';
import { confusionMatrix, type ConfusionMatrix } from './confusion-matrix.js';
import { pearson, spearman } from './correlation.js';
import { krippendorffAlpha, type AlphaLevel } from './krippendorff-alpha.js';
import { meanAbsoluteError } from './mean-absolute-error.js';
import {
  isCategory,
  undefinedStatistic,
  type BootstrapOptions,
  type Category,
  type Missing,
  type Statistic,
} from './statistic.js';

export type ScaleKind = 'numeric' | 'binary' | 'categorical' | 'ordinal';

/** One data point's automatic score and its human score (the aggregate, or one labeler's). */
export interface ScorePair {
  automatic: Category | Missing;
  human: Category | Missing;
}

export interface AgreementOptions extends BootstrapOptions {
  /** The scale's categories in order; for ordinal scales this sets the kappa weights. */
  categories?: readonly Category[];
}

export type JudgeAgreement =
  | { scale: 'numeric'; pearson: Statistic; spearman: Statistic; meanAbsoluteError: Statistic }
  | { scale: 'binary' | 'categorical'; kappa: Statistic; accuracy: Statistic; confusionMatrix: ConfusionMatrix }
  | {
      scale: 'ordinal';
      /** Quadratic-weighted kappa over `categories`. */
      weightedKappa: Statistic;
      accuracy: Statistic;
      confusionMatrix: ConfusionMatrix;
      /** Spearman's rho of the positions on the scale. */
      spearman: Statistic;
    };

/** The level of measurement alpha uses for each kind of scale. */
export const ALPHA_LEVEL: Readonly<Record<ScaleKind, AlphaLevel>> = {
  numeric: 'interval',
  binary: 'nominal',
  categorical: 'nominal',
  ordinal: 'ordinal',
};

/**
 * Agreement of automatic scores with human scores. Confusion-matrix rows are the
 * automatic score's categories, columns the human's. For numeric and binary scales a
 * boolean counts as 1/0, so a judge answering true meets a human label stored as 1.
 */
export function judgeAgreement(
  pairs: readonly ScorePair[],
  scale: ScaleKind,
  options: AgreementOptions = {},
): JudgeAgreement {
  const auto = pairs.map((p) => normalize(p.automatic, scale));
  const human = pairs.map((p) => normalize(p.human, scale));
  const boot: BootstrapOptions = { resamples: options.resamples, seed: options.seed };
  if (scale === 'numeric') {
    const x = auto as (number | Missing)[];
    const y = human as (number | Missing)[];
    return {
      scale,
      pearson: pearson(x, y, boot),
      spearman: spearman(x, y, boot),
      meanAbsoluteError: meanAbsoluteError(x, y, boot),
    };
  }
  // A binary table is always 2×2 when the values are 0/1, even if one class never occurs.
  const zeroOne = scale === 'binary' && [...auto, ...human].every(isZeroOneOrMissing);
  const categories = options.categories ?? (zeroOne ? [0, 1] : undefined);
  const table = confusionMatrix(auto, human, categories);
  if (scale === 'ordinal') {
    return {
      scale,
      weightedKappa: cohenKappa(auto, human, { ...boot, categories, weights: 'quadratic' }),
      accuracy: accuracy(auto, human, boot),
      confusionMatrix: table,
      spearman: positionSpearman(auto, human, categories, boot),
    };
  }
  return {
    scale,
    kappa: cohenKappa(auto, human, { ...boot, categories }),
    accuracy: accuracy(auto, human, boot),
    confusionMatrix: table,
  };
}

/**
 * Agreement among labelers: Krippendorff's alpha at the scale's level (`ALPHA_LEVEL`).
 * `units` has one row per data point and one column per labeler, null where a labeler
 * did not label it.
 */
export function labelerAgreement(
  units: readonly (readonly (Category | Missing)[])[],
  scale: ScaleKind,
  options: AgreementOptions = {},
): Statistic {
  const rows = units.map((row) => row.map((v) => normalize(v, scale)));
  return krippendorffAlpha(rows, ALPHA_LEVEL[scale], options);
}

function normalize(v: Category | Missing, scale: ScaleKind): Category | Missing {
  if (typeof v === 'boolean' && (scale === 'numeric' || scale === 'binary')) return v ? 1 : 0;
  return v;
}

function isZeroOneOrMissing(v: Category | Missing): boolean {
  return v === 0 || v === 1 || !isCategory(v);
}

/** Spearman over positions on the ordinal scale, so string categories can be ranked too. */
function positionSpearman(
  a: readonly (Category | Missing)[],
  b: readonly (Category | Missing)[],
  categories: readonly Category[] | undefined,
  options: BootstrapOptions,
): Statistic {
  const observed = [...a, ...b].filter(isCategory);
  if (!categories && observed.some((v) => typeof v === 'string')) {
    return undefinedStatistic(0, 'categories-required');
  }
  const resolved = resolveCategories(categories, observed);
  if (resolved.extra > 0) return undefinedStatistic(0, 'unknown-category');
  const position = (v: Category | Missing) => (isCategory(v) ? resolved.index.get(v) : undefined);
  return spearman(a.map(position), b.map(position), options);
}
