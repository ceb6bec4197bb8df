/**
 * Labels as scales: what the people's values of a label add up to, and where a number
 * falls on the label's scale. Shared by the human scores, the agreement figures, the
 * evaluation page and routing by disagreement, so all four read a label the same way.
 * - numeric: the mean;
 * - boolean: the mean, true from 0.5 (a tie counts as true);
 * - a category with `ordinal: true`: the mean, at the nearest category value (ties upward);
 * - any other category: the value most labelers gave, none on a tie (an average of
 *   unordered categories is a category nobody chose).
 */
import type { LabelSpec } from '../../config/queues.js';

/** The label's values in order (booleans 0 and 1); undefined for numeric and text labels. */
export function categoriesOf(l: LabelSpec): number[] | undefined {
  if (l.type === 'boolean') return [0, 1];
  if (l.type === 'categorical') return [...new Set(Object.values(l.values))].sort((a, b) => a - b);
  return undefined;
}

export function isNominal(l: LabelSpec): boolean {
  return l.type === 'categorical' && !l.ordinal && Object.keys(l.values).length > 2;
}

/** The category value nearest to x; halfway between two, the larger. */
export function snap(categories: readonly number[], x: number): number {
  let best = categories[0];
  for (const c of categories) if (Math.abs(c - x) < Math.abs(best - x) || (Math.abs(c - x) === Math.abs(best - x) && c > best)) best = c;
  return best;
}

/** A number (an automatic score, a mean) on the label's scale. */
export function onLabelScale(l: LabelSpec, x: number): number {
  const cats = categoriesOf(l);
  return cats ? snap(cats, x) : x;
}

/** What the labelers' values come to (see above); undefined when there is none. */
export function aggregateOf(l: LabelSpec, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  if (isNominal(l)) {
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const top = Math.max(...counts.values());
    const winners = [...counts].filter(([, n]) => n === top);
    return winners.length === 1 ? winners[0][0] : undefined;
  }
  return values.reduce((a, b) => a + b, 0) / values.length;
}
