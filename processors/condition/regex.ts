/**
 * IsMatch patterns are RE2 (Go in the collector, ClickHouse's `match` here) but run as
 * JS RegExp on live spans. We accept the common subset: a leading RE2 flag group such as
 * `(?i)` becomes a JS flag, and JS-only features (lookaround, backreferences) are
 * rejected so a rule can never match live spans differently from stored ones.
 */
export type RegexResult = { ok: true; regex: RegExp } | { ok: false; reason: string; at: number };

const RE2_FLAGS = /^\(\?([imsU]+)\)/;

export function compileRegex(pattern: string): RegexResult {
  let body = pattern;
  let flags = 'u';
  const lead = RE2_FLAGS.exec(pattern);
  if (lead) {
    if (lead[1].includes('U')) return { ok: false, reason: "the RE2 flag 'U' is not supported", at: 0 };
    for (const f of new Set(lead[1])) flags += f;
    body = pattern.slice(lead[0].length);
  }
  const bad = findJsOnlySyntax(body);
  if (bad) return { ok: false, reason: bad.reason, at: bad.at + (pattern.length - body.length) };
  try {
    return { ok: true, regex: new RegExp(body, flags) };
  } catch (e) {
    // Unicode mode refuses escapes RE2 takes as literals (`\-`, `\_`); only then go without it.
    try {
      return { ok: true, regex: new RegExp(body, flags.replace('u', '')) };
    } catch {
      const msg = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(e);
      return { ok: false, reason: msg, at: 0 };
    }
  }
}

function findJsOnlySyntax(body: string): { reason: string; at: number } | undefined {
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return { reason: 'backreferences are not supported by RE2', at: i };
      if (!inClass && next === 'k' && body[i + 2] === '<') {
        return { reason: 'backreferences are not supported by RE2', at: i };
      }
      i++;
    } else if (c === '[') {
      inClass = true;
    } else if (c === ']') {
      inClass = false;
    } else if (!inClass && c === '(' && body[i + 1] === '?') {
      const rest = body.slice(i + 2, i + 4);
      if (rest[0] === '=' || rest[0] === '!' || rest === '<=' || rest === '<!') {
        return { reason: 'lookahead and lookbehind are not supported by RE2', at: i };
      }
    }
  }
  return undefined;
}
