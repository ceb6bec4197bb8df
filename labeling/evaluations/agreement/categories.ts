/**
 * The category list of a categorical statistic: given by the caller (the label's scale,
 * in order) or, when not given, the observed values in a deterministic order. For
 * weighted kappa and ordinal alpha the order is the scale, so callers with an ordinal
 * label should pass its full scale: categories nobody used still set the distances.
 */
import type { Category } from './statistic.js';

const TYPE_RANK = { number: 0, boolean: 1, string: 2 } as const;

/**
 * The distinct values in a stable order: numbers ascending, then false before true, then
 * strings by code unit (not locale, so the order is the same on every server).
 */
export function orderCategories(values: Iterable<Category>): Category[] {
  return [...new Set(values)].sort(compareCategories);
}

export function compareCategories(x: Category, y: Category): number {
  const tx = TYPE_RANK[typeof x as keyof typeof TYPE_RANK];
  const ty = TYPE_RANK[typeof y as keyof typeof TYPE_RANK];
  if (tx !== ty) return tx - ty;
  if (typeof x === 'number') return x - (y as number);
  if (typeof x === 'boolean') return Number(x) - Number(y);
  return x < (y as string) ? -1 : x > (y as string) ? 1 : 0;
}

/**
 * The categories to use: the given ones in their order (duplicates dropped), followed by
 * any observed value they lack, in `orderCategories` order; `extra` counts those
 * additions, which an ordered statistic must treat as an error.
 */
export function resolveCategories(
  given: readonly Category[] | undefined,
  observed: Iterable<Category>,
): { categories: Category[]; index: Map<Category, number>; extra: number } {
  const categories = given ? [...new Set(given)] : [];
  const known = new Set(categories);
  const unseen = orderCategories([...observed].filter((v) => !known.has(v)));
  const all = given ? [...categories, ...unseen] : unseen;
  const index = new Map<Category, number>();
  all.forEach((c, i) => index.set(c, i));
  return { categories: all, index, extra: given ? unseen.length : 0 };
}
