import { ConditionError, describeText } from './errors.js';
import { readDuration, readUnsigned } from './numbers.js';
import { readEscape } from './escapes.js';

/**
 * Tokens of a condition. Numbers are read without their sign: `-` and `+` are always
 * operator tokens and the parser folds a sign into the literal that follows it, so that
 * `end_time - start_time`, `a -1` and `-1` all read as OTTL users mean them.
 */
export type TokenKind =
  | 'string'
  | 'int'
  | 'float'
  | 'duration'
  | 'bytes'
  | 'ident'
  | 'op'
  | 'math'
  | '='
  | '('
  | ')'
  | '['
  | ']'
  | '{'
  | '}'
  | ','
  | '.'
  | ':'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token ('' for eof). */
  text: string;
  /**
   * Decoded value: a string's contents, an unsigned int as bigint, a float, a duration in
   * nanoseconds (bigint), the bytes of `0x...`.
   */
  value?: string | number | bigint | Uint8Array;
  start: number;
  end: number;
}

const SINGLE: Record<string, TokenKind> = {
  '(': '(', ')': ')', '[': '[', ']': ']', '{': '{', '}': '}', ',': ',', ':': ':',
  '+': 'math', '-': 'math', '*': 'math', '/': 'math',
};

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
    } else if (c === '0' && (source[i + 1] === 'x' || source[i + 1] === 'X')) {
      const end = readBytesEnd(source, i);
      tokens.push({ kind: 'bytes', text: source.slice(start, end), value: decodeHex(source, i, end), start, end });
      i = end;
    } else if (isDigit(c) || (c === '.' && isDigit(source[i + 1]))) {
      i = readNumberToken(source, i, tokens);
    } else if (isIdentStart(c)) {
      while (i < n && isIdentPart(source[i])) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), start, end: i });
    } else if (c === '.') {
      tokens.push({ kind: '.', text: c, start, end: i + 1 });
      i++;
    } else if (c in SINGLE) {
      tokens.push({ kind: SINGLE[c], text: c, start, end: i + 1 });
      i++;
    } else if (c === '=' && source[i + 1] !== '=') {
      tokens.push({ kind: '=', text: c, start, end: i + 1 });
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

/** An unsigned number, or a duration when a unit follows it (`5s`, `1m30s`, `1.5ms`). */
function readNumberToken(source: string, i: number, tokens: Token[]): number {
  const num = readUnsigned(source, i);
  if (num.end < source.length && /[A-Za-z_\u00b5\u03bc]/.test(source[num.end])) {
    const d = readDuration(source, i);
    tokens.push({ kind: 'duration', text: source.slice(i, d.end), value: d.value, start: i, end: d.end });
    return d.end;
  }
  tokens.push({ kind: num.kind, text: source.slice(i, num.end), value: num.value, start: i, end: num.end });
  return num.end;
}

/** `0x` and its hex digits; letters or digits straight after them are a mistake, not a new token. */
function readBytesEnd(source: string, at: number): number {
  let i = at + 2;
  while (i < source.length && /[0-9A-Fa-f]/.test(source[i])) i++;
  if (i === at + 2) throw new ConditionError('bad_bytes', 'a byte literal needs hex digits after 0x, as in 0x0a1b', source, at);
  if (i < source.length && /[A-Za-z0-9_]/.test(source[i])) {
    throw new ConditionError('bad_bytes', `${describeText(source[i])} is not a hex digit in a byte literal`, source, i);
  }
  return i;
}

function decodeHex(source: string, start: number, end: number): Uint8Array {
  const hex = source.slice(start + 2, end);
  if (hex.length % 2 === 1) {
    throw new ConditionError('bad_bytes', 'a byte literal needs an even number of hex digits (two per byte)', source, start);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function readOperator(source: string, i: number): string {
  const two = source.slice(i, i + 2);
  if (two === '==' || two === '!=' || two === '<=' || two === '>=') return two;
  const c = source[i];
  if (c === '<' || c === '>') return c;
  const hint =
    c === '!'
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

/**
 * Where the UTF-16 unit `index` of the value of the string literal opening at `open` starts
 * in the source, so an error inside a regex points at its place in the condition even
 * when escapes make the value and the source differ (the pattern `\d` is written `"\\d"`).
 */
export function sourceOffsetInString(source: string, open: number, index: number): number {
  let i = open + 1;
  for (let v = 0; v < index && i < source.length && source[i] !== '"'; ) {
    if (source[i] !== '\\') {
      i++;
      v++;
      continue;
    }
    const esc = readEscape(source, i);
    v += esc.text.length;
    i = esc.end;
  }
  return i;
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
