import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';
import { plainRegExp } from './regex-plain.js';

/**
 * IsMatch patterns are RE2, as in the collector (Go's regexp) and in ClickHouse's `match`,
 * which search and backfill use. Live spans are matched with re2js, a JavaScript port of
 * RE2: the same syntax (`(?i)` anywhere, `\pL`, `[[:alpha:]]`, `\Q..\E`, `(?P<n>..)`, no
 * lookaround or backreferences) and, unlike V8's backtracking RegExp, time linear in the
 * text, so a rule such as `(a+)+$` cannot stall the process on a hostile span.
 *
 * ClickHouse compiles `match` patterns with RE2's `dot_nl` on (`.` also matches `\n`;
 * `(?-s)` turns it off), so live patterns are compiled with DOTALL to give the same answers.
 * Plain patterns (literals, anchors, no quantifiers) run as V8 RegExp: see regex-plain.ts.
 */
export interface Pattern {
  test(text: string): boolean;
}

export type RegexResult = { ok: true; regex: Pattern } | { ok: false; reason: string; at: number };

/** What re2js prefixes to the pattern it reports for DOTALL. */
const DOTALL_PREFIX = '(?s)';

export function compileRegex(pattern: string): RegexResult {
  try {
    const re2 = RE2JS.compile(pattern, RE2JS.DOTALL);
    // Compiled by re2js first, so that RE2 alone decides what is valid.
    return { ok: true, regex: plainRegExp(pattern) ?? re2 };
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) return syntaxError(pattern, e);
    // Not a syntax error: the compiler's own limits (RE2JSCompileException and the like).
    if (e instanceof RE2JSException) return { ok: false, reason: e.message, at: 0 };
    throw e;
  }
}

/**
 * RE2's message names the fragment at fault (`invalid escape sequence: \8`) but not where it
 * is; the fragment's first place in the pattern is a good pointer, else the pattern's start.
 */
function syntaxError(pattern: string, e: RE2JSSyntaxException): RegexResult {
  let fragment = e.input ?? '';
  if (fragment.startsWith(DOTALL_PREFIX) && !pattern.startsWith(DOTALL_PREFIX)) fragment = fragment.slice(DOTALL_PREFIX.length);
  const found = fragment === '' || fragment === pattern ? -1 : pattern.indexOf(fragment);
  const shown = fragment.length > 40 ? fragment.slice(0, 37) + '...' : fragment;
  const reason = fragment === '' || fragment === pattern ? e.error : `${e.error}: \`${shown}\``;
  const explained = UNSUPPORTED.find(([test]) => test.test(fragment));
  return { ok: false, reason: explained ? explained[1] : reason, at: Math.max(0, found) };
}

/** JS and PCRE habits that RE2 refuses, said the way their users think of them. */
const UNSUPPORTED: Array<[RegExp, string]> = [
  [/^\(\?<?[=!]/, 'lookahead and lookbehind are not supported by RE2'],
  [/^\\[1-9k]/, 'backreferences are not supported by RE2'],
  [/^\\C$/, 'RE2 matches single bytes with \\C, which spansift does not support'],
];
