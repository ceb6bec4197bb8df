/**
 * Attribute key globs: `*` any run of characters (dots included), `?` one character, the
 * rest literal, matched against the whole key. Matched by the classic two-pointer walk
 * rather than a RegExp: a key is untrusted and `*a*b*c*` must not backtrack without bound.
 */
export type KeyMatcher = (key: string) => boolean;

function matchGlob(glob: string, key: string): boolean {
  let g = 0;
  let k = 0;
  let star = -1;
  let resume = 0;
  while (k < key.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === key[k]))) {
      g++;
      k++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = k;
    } else if (star !== -1) {
      g = star + 1;
      k = ++resume;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** One matcher for a list of globs; exact keys (no `*` or `?`) are looked up in a set. */
export function keyMatcher(globs: readonly string[]): KeyMatcher {
  const exact = new Set(globs.filter((g) => !/[*?]/.test(g)));
  const wild = globs.filter((g) => /[*?]/.test(g));
  if (wild.length === 0) return (key) => exact.has(key);
  return (key) => exact.has(key) || wild.some((g) => matchGlob(g, key));
}
