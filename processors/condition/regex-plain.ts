/**
 * The commonest rule patterns (a keyword, a prefix, `(?i)^I cannot help`, `^chat (gpt|claude)-[0-9]`)
 * run as V8 RegExp, several times faster per span than re2js. Only patterns for which V8 gives
 * RE2's answers in time linear in the text qualify, checked here token by token:
 *
 * - no quantifier (`* + ? {n}`): without loops a backtracking engine walks each path through
 *   the pattern at most once per start position, and at most MAX_BARS alternation bars keep
 *   the paths to a few hundred, so a hostile text costs O(text x pattern) as in RE2;
 * - ASCII literals, escaped metacharacters, `.` (RE2's dot_nl = JS `s`), `\d`, `\D`, `^`, `$`
 *   (without `m` both mean the ends of the text), groups `( )`, `(?: )` and `|`;
 * - classes of ASCII literals and ranges, and only without `(?i)`: case folding of classes is
 *   where the two engines could differ. `\w \s \b`, POSIX and Unicode classes, other flags
 *   and anything else stay with re2js.
 *
 * The caller has already compiled the pattern with re2js, so it is valid RE2.
 * regex.test.ts checks that both engines agree on these patterns.
 */
const LITERAL = /[ !"#%&',/0-9:;<=>@A-Z_`a-z~-]/;
const ESCAPED = /[\\^$.*+?()[\]{}|/]/;
const CLASS_CHAR = /[ !"#%&',/0-9:;<=>@A-Z_`a-z~.$*+?(){}|-]/;
const MAX_BARS = 8;

export function plainRegExp(pattern: string): RegExp | undefined {
  const caseless = pattern.startsWith('(?i)');
  const body = caseless ? pattern.slice(4) : pattern;
  let depth = 0;
  let bars = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[++i] ?? '';
      if (!ESCAPED.test(next) && next !== 'd' && next !== 'D') return undefined;
    } else if (c === '(') {
      if (body[i + 1] === '?') {
        if (body[i + 2] !== ':') return undefined;
        i += 2;
      }
      depth++;
    } else if (c === ')') {
      if (--depth < 0) return undefined;
    } else if (c === '|') {
      if (++bars > MAX_BARS) return undefined;
    } else if (c === '[') {
      const end = classEnd(body, i);
      if (caseless || end < 0) return undefined;
      i = end;
    } else if (c !== '.' && c !== '^' && c !== '$' && !LITERAL.test(c)) {
      return undefined;
    }
  }
  if (depth !== 0) return undefined;
  try {
    return new RegExp(body, caseless ? 'isu' : 'su');
  } catch {
    return undefined; // RE2 syntax V8 does not take: re2js runs it
  }
}

/** The index of the `]` closing a plain class opening at `open`, or -1. */
function classEnd(body: string, open: number): number {
  let i = open + 1;
  if (body[i] === '^') i++;
  const first = i;
  for (; i < body.length; i++) {
    const c = body[i];
    if (c === ']' && i > first) return i;
    // A `-` at either end is a literal in both engines; between two characters it is a range.
    if (!CLASS_CHAR.test(c)) return -1;
  }
  return -1;
}
