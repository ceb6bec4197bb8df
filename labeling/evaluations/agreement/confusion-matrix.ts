/**
 * The confusion matrix of two categorical score lists: rows are the first list's
 * categories (the automatic score, in the comparison helper), columns the second's (the
 * human score). Kappa is computed from the same table.
 */
import { resolveCategories } from './categories.js';
import { completePairs } from './pairs.js';
import { isCategory, type Category, type Missing } from './statistic.js';

export interface ConfusionMatrix {
  /** Row and column labels, in order. */
  categories: Category[];
  /** counts[i][j]: items the first list put in categories[i] and the second in categories[j]. */
  counts: number[][];
  /** Complete pairs counted (the table's total). */
  n: number;
}

/**
 * Cross-tabulates the pairs where both values are present. `categories` fixes the order
 * (and includes categories nobody used); an observed value not among them is appended
 * after them rather than dropped, so the table always accounts for every pair. Values
 * compare with ===: `1`, `'1'` and `true` are three categories.
 */
export function confusionMatrix(
  a: readonly (Category | Missing)[],
  b: readonly (Category | Missing)[],
  categories?: readonly Category[],
): ConfusionMatrix {
  const coded = encodePairs(a, b, categories);
  return { categories: coded.categories, counts: countTable(coded), n: coded.rows.length };
}

/** Pairs as category indices: what kappa resamples and tabulates. */
export interface CodedPairs {
  categories: Category[];
  rows: number[];
  cols: number[];
  /** Observed categories that were not among the given ones (appended at the end). */
  extra: number;
}

export function encodePairs(
  a: readonly (Category | Missing)[],
  b: readonly (Category | Missing)[],
  categories: readonly Category[] | undefined,
): CodedPairs {
  const pairs = completePairs(a, b, isCategory);
  const resolved = resolveCategories(categories, [...pairs.a, ...pairs.b]);
  const code = (v: Category) => resolved.index.get(v) as number;
  return {
    categories: resolved.categories,
    rows: pairs.a.map(code),
    cols: pairs.b.map(code),
    extra: resolved.extra,
  };
}

/** The k×k table of `coded`, over all pairs or over the pairs at `indices`. */
export function countTable(coded: CodedPairs, indices?: ArrayLike<number>): number[][] {
  const k = coded.categories.length;
  const table = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  if (!indices) {
    for (let i = 0; i < coded.rows.length; i++) table[coded.rows[i]][coded.cols[i]]++;
  } else {
    for (let i = 0; i < indices.length; i++) table[coded.rows[indices[i]]][coded.cols[indices[i]]]++;
  }
  return table;
}
