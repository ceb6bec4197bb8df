/**
 * A small seeded generator, so a bootstrap interval is the same every time the same data
 * is shown: a page that reloads must not move its confidence intervals.
 */

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state advanced by a Weyl sequence
 * and mixed by multiply-xorshift. Returns uniform numbers in [0, 1). Statistically fine
 * for resampling; not for anything that needs to be unpredictable.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
