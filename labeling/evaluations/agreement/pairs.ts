/**
 * Pairing two score lists item by item. Every two-sided statistic here (correlations,
 * error, accuracy, kappa) uses only the items both sides scored, and reports how many
 * that was as its `n`.
 */
import type { Missing } from './statistic.js';

/**
 * The items both `a` and `b` have a usable value for, in order. Arrays are paired by
 * index; an index past the end of the shorter array counts as missing on that side, and
 * a value `usable` rejects (NaN, a string among numbers) counts as missing too.
 */
export function completePairs<T>(
  a: readonly (T | Missing)[],
  b: readonly (T | Missing)[],
  usable: (v: unknown) => v is T,
): { a: T[]; b: T[] } {
  const left: T[] = [];
  const right: T[] = [];
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    if (usable(x) && usable(y)) {
      left.push(x);
      right.push(y);
    }
  }
  return { a: left, b: right };
}
