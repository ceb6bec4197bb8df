import { fail } from '../values.js';
import { asString, mapOf, type ValueMap } from './maps.js';

/** Go's strings.TrimSpace: Unicode White_Space (not U+FEFF, which JavaScript's trim() also drops). */
const SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

export function goTrimSpace(s: string): string {
  return s.replace(SPACE, '');
}

/**
 * parseutils.SplitString: splits on `delimiter` outside quotes (" or '), dropping the quotes
 * and empty pieces; a backslash keeps the next quote literal; an unclosed quote is an error.
 * It walks bytes and appends each as the code point of that value (Go's `string(byte)`), so
 * text outside ASCII comes out as Latin-1 characters, as it does in the collector.
 */
export function splitQuoted(input: string, delimiter: string): string[] {
  // ASCII text is its own bytes: walk the string itself.
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(input) && /^[\x00-\x7f]*$/.test(delimiter);
  const bytes = ascii ? input : Buffer.from(input, 'utf8');
  const delim = ascii ? delimiter : Buffer.from(delimiter, 'utf8');
  const at = (i: number) => (typeof bytes === 'string' ? bytes.charCodeAt(i) : bytes[i]);
  const delimAt = (i: number) => (typeof delim === 'string' ? delim.charCodeAt(i) : delim[i]);
  const isDelimiter = (i: number) => {
    if (i + delim.length > bytes.length) return false;
    for (let j = 0; j < delim.length; j++) if (at(i + j) !== delimAt(j)) return false;
    return true;
  };
  const out: string[] = [];
  let current = '';
  let quote = -1;
  let escaped = false;
  for (let i = 0; i < bytes.length; i++) {
    if (quote < 0 && isDelimiter(i)) {
      if (current !== '') out.push(current);
      current = '';
      i += delim.length - 1;
      continue;
    }
    const b = at(i);
    if (!escaped) {
      if (quote < 0 && (b === 0x22 || b === 0x27)) {
        quote = b;
        continue;
      }
      if (b === quote) {
        quote = -1;
        continue;
      }
      escaped = b === 0x5c;
    } else {
      escaped = false;
    }
    current += String.fromCharCode(b);
  }
  if (quote >= 0) fail();
  if (current !== '') out.push(current);
  return out;
}

/** ParseKeyValue: pairs split outside quotes, each at its first delimiter, both sides trimmed; a later key wins. */
export function parseKeyValue(source: string, delimiter: string, pairDelimiter: string): ValueMap {
  if (source === '') fail();
  const entries: Array<[string, string]> = [];
  for (const pair of splitQuoted(source, pairDelimiter)) {
    const at = pair.indexOf(delimiter);
    if (at < 0) fail();
    entries.push([goTrimSpace(pair.slice(0, at)), goTrimSpace(pair.slice(at + delimiter.length))]);
  }
  return mapOf(entries);
}

function quoteKV(s: string, delimiter: string, pairDelimiter: string): string {
  const t = s.replaceAll('"', '\\"');
  return t.includes(pairDelimiter) || t.includes(delimiter) ? `"${t}"` : t;
}

/** ToKeyValueString: `k=v` pairs in the map's order (or sorted by key), quoted where they hold a delimiter. */
export function toKeyValueString(m: ValueMap, delimiter: string, pairDelimiter: string, sort: boolean): string {
  let keys = Object.keys(m);
  if (sort) keys = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return keys.map((k) => quoteKV(k, delimiter, pairDelimiter) + delimiter + quoteKV(asString(m[k]), delimiter, pairDelimiter)).join(pairDelimiter);
}
