/**
 * Go's strings package where JavaScript's differs: case mapping per code point with
 * Unicode's simple mappings (Go never turns ß into SS or İ into i̇), byte offsets, cut
 * sets, and iancoleman/strcase's snake and camel case (OTTL's ToSnakeCase/ToCamelCase),
 * which work on ASCII bytes.
 */

/** Where Go's simple upper-case mapping differs from the first code point of JavaScript's full one. */
const UPPER_SPECIAL = new Map<number, number>();
for (const [from, to, n] of [[0x1f80, 0x1f88, 8], [0x1f90, 0x1f98, 8], [0x1fa0, 0x1fa8, 8]] as const) {
  for (let i = 0; i < n; i++) UPPER_SPECIAL.set(from + i, to + i);
}
UPPER_SPECIAL.set(0x1fb3, 0x1fbc).set(0x1fc3, 0x1fcc).set(0x1ff3, 0x1ffc);

export function goToLower(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    const m = ch.toLowerCase();
    out += m.length === ch.length || [...m].length === 1 ? m : ch;
  }
  return out;
}

export function goToUpper(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const special = UPPER_SPECIAL.get(ch.codePointAt(0)!);
    if (special !== undefined) {
      out += String.fromCodePoint(special);
      continue;
    }
    const m = ch.toUpperCase();
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/** The code points that Go keeps while JavaScript expands them, with Go's upper case of each (for SQL). */
export function upperSpecials(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let c = 0; c < 0x30000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCodePoint(c);
    if ([...ch.toUpperCase()].length > 1) out.push([ch, goToUpper(ch)]);
  }
  return out;
}

/** strings.Split: an empty separator splits into code points. */
export function goSplit(s: string, sep: string): string[] {
  return sep === '' ? [...s] : s.split(sep);
}

/** strings.Index in bytes, -1 when absent. */
export function goIndex(s: string, sub: string): number {
  const i = s.indexOf(sub);
  return i < 0 ? -1 : Buffer.byteLength(s.slice(0, i), 'utf8');
}

/** strings.Trim: drops leading and trailing code points that are in `cutset`. */
export function goTrim(s: string, cutset: string): string {
  if (cutset === '' || s === '') return s;
  const cut = new Set(cutset);
  const cps = [...s];
  let a = 0;
  let b = cps.length;
  while (a < b && cut.has(cps[a])) a++;
  while (b > a && cut.has(cps[b - 1])) b--;
  return cps.slice(a, b).join('');
}

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isSep = (c: number) => c === 32 || c === 95 || c === 45 || c === 46;

/** unicode.IsSpace: JavaScript's \s without U+FEFF, plus U+0085. */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** strings.TrimSpace. */
function trimSpace(s: string): string {
  return s.replace(GO_SPACE, '');
}

/** strcase.ToSnake (v0.3.0): byte-wise over UTF-8, a `_` where the case of letters or digits changes. */
export function toSnake(input: string): string {
  const s = Buffer.from(trimSpace(input), 'utf8');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let v = s[i];
    const vIsCap = isUpper(v);
    const vIsLow = isLower(v);
    if (vIsCap) v += 32;
    if (i + 1 < s.length) {
      const next = s[i + 1];
      const vIsNum = isDigit(v);
      const nextIsCap = isUpper(next);
      const nextIsLow = isLower(next);
      const nextIsNum = isDigit(next);
      if ((vIsCap && (nextIsLow || nextIsNum)) || (vIsLow && (nextIsCap || nextIsNum)) || (vIsNum && (nextIsCap || nextIsLow))) {
        if (vIsCap && nextIsLow && i > 0 && isUpper(s[i - 1])) out.push(95);
        out.push(v);
        if (vIsLow || vIsNum || nextIsNum) out.push(95);
        continue;
      }
    }
    out.push(isSep(v) ? 95 : v);
  }
  return Buffer.from(out).toString('utf8');
}

/** strcase.ToCamel (v0.3.0): ASCII letters and digits kept, separators start a capital, other bytes dropped. */
export function toCamel(input: string): string {
  const s = Buffer.from(trimSpace(input), 'utf8');
  const out: number[] = [];
  let capNext = true;
  let prevIsCap = false;
  for (let i = 0; i < s.length; i++) {
    let v = s[i];
    const vIsCap = isUpper(v);
    const vIsLow = isLower(v);
    if (capNext) {
      if (vIsLow) v -= 32;
    } else if (i === 0) {
      if (vIsCap) v += 32;
    } else if (prevIsCap && vIsCap) {
      v += 32;
    }
    prevIsCap = vIsCap;
    if (vIsCap || vIsLow) {
      out.push(v);
      capNext = false;
    } else if (isDigit(v)) {
      out.push(v);
      capNext = true;
    } else {
      capNext = isSep(v);
    }
  }
  return Buffer.from(out).toString('latin1');
}
