/**
 * Ranks for Spearman's correlation, ties sharing the mean of the ranks they span
 * ("mid-ranks"; Kendall & Gibbons, "Rank Correlation Methods", 5th ed. 1990, ch. 3).
 * Judges and labelers both give many tied scores (1-5 scales), so tie handling is the
 * normal case here, not an edge case.
 */

/** 1-based ranks of `values`; tied values all get the average of their positions. */
export function averageRanks(values: readonly number[]): number[] {
  const { group, groups } = tieGroups(values);
  const counts = new Array<number>(groups).fill(0);
  for (const g of group) counts[g]++;
  const midRank = new Array<number>(groups);
  let below = 0;
  for (let g = 0; g < groups; g++) {
    // The group spans ranks below+1 .. below+count; their mean:
    midRank[g] = below + (counts[g] + 1) / 2;
    below += counts[g];
  }
  return Array.from(group, (g) => midRank[g]);
}

/**
 * Each value's tie group: 0 for the smallest value, 1 for the next distinct one, and so
 * on ("dense rank"). Ranks of any multiset drawn from `values` follow from group counts.
 */
export function tieGroups(values: readonly number[]): { group: Uint32Array; groups: number } {
  const order = Array.from(values, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const group = new Uint32Array(values.length);
  let groups = 0;
  for (let k = 0; k < order.length; k++) {
    if (k > 0 && values[order[k]] !== values[order[k - 1]]) groups++;
    group[order[k]] = groups;
  }
  return { group, groups: values.length === 0 ? 0 : groups + 1 };
}
