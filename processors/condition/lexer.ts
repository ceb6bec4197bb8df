import { ConditionError, describeText } from './errors.js';
import { readDuration, readNumber } from './numbers.js';

export type TokenKind =
  | 'string'
  | 'int'
  | 'float'
  | 'duration'
  | 'ident'
  | 'op'
  | '('
  | ')'
  | '['
  | ']'
  | ','
  | '.'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token ('' for eof). */
  text: string;
  /** Decoded value: the string's contents, an int/duration (ns) as number or bigint, a float. */
  value?: string | number | bigint;
  start: number;
  end: number;
}

const SINGLE: Record<string, TokenKind> = { '(': '(', ')': ')', '[': '[', ']': ']', ',': ',', '.': '.' };

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      const { value, end } = readString(source, i);
      tokens.push({ kind: 'string', text: source.slice(start, end), value, start, end });
      i = end;
    } else if (isDigit(c) || ((c === '-' || c === '+' || c === '.') && startsNumber(source, i))) {
      const num = readNumber(source, i);
      if (num.end < n && /[A-Za-z_\u00b5\u03bc]/.test(source[num.end])) {
        const d = readDuration(source, i);
        tokens.push({ kind: 'duration', text: source.slice(start, d.end), value: d.value, start, end: d.end });
        i = d.end;
      } else {
        tokens.push({ kind: num.kind, text: source.slice(start, num.end), value: num.value, start, end: num.end });
        i = num.end;
      }
    } else if (isIdentStart(c)) {
      while (i < n && isIdentPart(source[i])) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), start, end: i });
    } else if (c in SINGLE) {
      tokens.push({ kind: SINGLE[c], text: c, start, end: i + 1 });
      i++;
    } else {
      const op = readOperator(source, i);
      tokens.push({ kind: 'op', text: op, start, end: i + op.length });
      i += op.length;
    }
  }
  tokens.push({ kind: 'eof', text: '', start: n, end: n });
  return tokens;
}

function readOperator(source: string, i: number): string {
  const two = source.slice(i, i + 2);
  if (two === '==' || two === '!=' || two === '<=' || two === '>=') return two;
  const c = source[i];
  if (c === '<' || c === '>') return c;
  const hint =
    c === '='
      ? "; use '==' to compare"
      : c === '!'
        ? "; use 'not' or '!='"
        : two === '&&'
          ? "; use 'and'"
          : two === '||'
            ? "; use 'or'"
            : c === "'"
              ? '; strings are written in double quotes'
              : '';
  const ch = String.fromCodePoint(source.codePointAt(i) ?? 0);
  throw new ConditionError('unexpected_char', `unexpected character ${describeText(ch)}${hint}`, source, i);
}

function readString(source: string, open: number): { value: string; end: number } {
  let i = open + 1;
  let out = '';
  let chunk = i;
  while (i < source.length) {
    const c = source[i];
    if (c === '"') return { value: out + source.slice(chunk, i), end: i + 1 };
    if (c !== '\\') {
      i++;
      continue;
    }
    out += source.slice(chunk, i);
    const esc = readEscape(source, i);
    out += esc.text;
    i = chunk = esc.end;
  }
  throw new ConditionError('unterminated_string', 'unterminated string', source, open);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f',
};

function readEscape(source: string, at: number): { text: string; end: number } {
  const c = source[at + 1];
  if (c === undefined) throw new ConditionError('unterminated_string', 'unterminated string', source, at);
  if (c in SIMPLE_ESCAPES) return { text: SIMPLE_ESCAPES[c], end: at + 2 };
  if (c === 'u' || c === 'U') {
    const width = c === 'u' ? 4 : 8;
    const hex = source.slice(at + 2, at + 2 + width);
    if (!new RegExp(`^[0-9A-Fa-f]{${width}}$`).test(hex)) {
      throw new ConditionError('bad_escape', `\\${c} needs ${width} hex digits`, source, at);
    }
    let cp = parseInt(hex, 16);
    let end = at + 2 + width;
    if (cp >= 0xd800 && cp <= 0xdbff && source.slice(end, end + 2) === '\\u') {
      const low = parseInt(source.slice(end + 2, end + 6), 16);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        end += 6;
      }
    }
    // A lone surrogate cannot be stored as UTF-8, so ClickHouse would see something else.
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      throw new ConditionError('bad_escape', `\\${c}${hex} is not a valid code point`, source, at);
    }
    return { text: String.fromCodePoint(cp), end };
  }
  throw new ConditionError('bad_escape', `unknown escape ${describeText('\\' + c)}`, source, at);
}

function startsNumber(source: string, i: number): boolean {
  let j = i;
  if (source[j] === '-' || source[j] === '+') j++;
  if (isDigit(source[j])) return true;
  return source[j] === '.' && isDigit(source[j + 1]);
}

export function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
