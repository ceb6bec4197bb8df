import { ConditionError, describeText } from './errors.js';

/**
 * Escapes inside a string literal: Go's (OTTL unquotes strings with Go's rules) plus `\/`
 * and surrogate pairs written as two `\u` escapes, which JSON habits bring along.
 * `\x` and octal escapes are bytes; a run of them must spell valid UTF-8, since a span's
 * text (and ClickHouse's) is UTF-8.
 */
const SIMPLE: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', a: '\x07', v: '\x0b',
};

export function readEscape(source: string, at: number): { text: string; end: number } {
  const c = source[at + 1];
  if (c === undefined) throw new ConditionError('unterminated_string', 'unterminated string', source, at);
  if (c in SIMPLE) return { text: SIMPLE[c], end: at + 2 };
  if (c === 'u' || c === 'U') return readUnicode(source, at, c);
  if (c === 'x' || (c >= '0' && c <= '7')) return readBytes(source, at);
  throw new ConditionError('bad_escape', `unknown escape ${describeText('\\' + c)}`, source, at);
}

function readUnicode(source: string, at: number, c: 'u' | 'U'): { text: string; end: number } {
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

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A run of `\xHH` and `\ooo` escapes, decoded together as UTF-8 bytes. */
function readBytes(source: string, at: number): { text: string; end: number } {
  const bytes: number[] = [];
  let i = at;
  while (source[i] === '\\') {
    const c = source[i + 1];
    if (c === 'x') {
      const hex = source.slice(i + 2, i + 4);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new ConditionError('bad_escape', '\\x needs 2 hex digits', source, i);
      bytes.push(parseInt(hex, 16));
      i += 4;
    } else if (c !== undefined && c >= '0' && c <= '7') {
      const oct = source.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) {
        throw new ConditionError('bad_escape', 'an octal escape needs 3 digits up to \\377', source, i);
      }
      bytes.push(parseInt(oct, 8));
      i += 4;
    } else {
      break;
    }
  }
  try {
    return { text: UTF8.decode(Uint8Array.from(bytes)), end: i };
  } catch {
    throw new ConditionError('bad_escape', 'these byte escapes are not valid UTF-8 text', source, at);
  }
}
