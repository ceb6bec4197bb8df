import type { AttrValue, Attributes } from './span.js';

/**
 * Attribute values as the OpenTelemetry Collector's clickhouseexporter writes them
 * (pcommon.Value.AsString): strings as they are, numbers in ECMAScript notation (which
 * is what the Go code emulates, `-0` included), booleans as true/false, bytes in base64,
 * arrays and maps as Go's encoding/json writes them (see goJson), an empty value as ''.
 */
export function attrToString(v: AttrValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? goNumber(v) : `json: unsupported value: ${goFloatName(v)}`;
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      if (v === null) return '';
      if (v instanceof Uint8Array) return base64(v);
      return goJson(v);
  }
}

function goFloatName(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

function goNumber(v: number): string {
  return v === 0 && 1 / v < 0 ? '-0' : String(v);
}

function base64(v: Uint8Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/** A NaN or an infinity inside a list or map: encoding/json fails, and AsString gives ''. */
class Unsupported extends Error {}

/**
 * A list or map as Go's json.Marshal writes its AsRaw form: map keys sorted (by their UTF-8
 * bytes), `<` `>` `&` U+2028 U+2029 escaped as `\u003c`…, `\b` and `\f` short, other control
 * characters as `\u00xx`, a lone surrogate as `\ufffd`, integers in every digit (above 2^53
 * too), bytes in base64. A NaN or infinity anywhere makes the whole text ''.
 */
export function goJson(v: AttrValue[] | { [key: string]: AttrValue }): string {
  try {
    return encode(v);
  } catch (e) {
    if (e instanceof Unsupported) return '';
    throw e;
  }
}

function encode(v: AttrValue): string {
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
      if (!Number.isFinite(v)) throw new Unsupported();
      return goNumber(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    default: {
      if (v === null) return 'null';
      if (v instanceof Uint8Array) return `"${base64(v)}"`;
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + encode(v[i]);
        return out + ']';
      }
      const keys = Object.keys(v);
      if (keys.length > 1 && !inOrder(keys)) keys.sort(keys.some(nonAscii) ? byCodePoint : undefined);
      let out = '{';
      for (let i = 0; i < keys.length; i++) out += (i ? ',' : '') + goQuote(keys[i]) + ':' + encode(v[keys[i]]);
      return out + '}';
    }
  }
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\<>&\u0000-\u001f\u2028\u2029\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;
const nonAscii = (k: string) => NON_ASCII.test(k);

/** Keys already in order need no sort (ASCII keys compare the same in UTF-16 and UTF-8). */
function inOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1] < keys[i]) || nonAscii(keys[i])) return false;
  return !nonAscii(keys[0]);
}

const HTML_ESCAPES: [string, string][] = [['<', '\\u003c'], ['>', '\\u003e'], ['&', '\\u0026'], ['\u2028', '\\u2028'], ['\u2029', '\\u2029']];
/** A `\ud800`-`\udfff` escape JSON.stringify wrote, with the backslashes before it. */
const SURROGATE_ESCAPE = /(\\+)ud[89a-f][0-9a-f]{2}/g;

/**
 * A JSON string as encoding/json writes it (HTML-safe). JSON.stringify already writes quotes,
 * backslashes, the short escapes (b f n r t) and other control characters as Go does; what is
 * left is the HTML characters, and a lone surrogate, which Go (reading bytes that are not
 * UTF-8) writes as the escape of U+FFFD. An odd run of backslashes marks an escape, an even
 * one text.
 */
export function goQuote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let j = JSON.stringify(s);
  if (j.indexOf('\\ud') >= 0) j = j.replace(SURROGATE_ESCAPE, (m, slashes: string) => (slashes.length % 2 === 1 ? `${slashes.slice(1)}\\ufffd` : m));
  for (const [c, esc] of HTML_ESCAPES) if (j.indexOf(c) >= 0) j = j.replaceAll(c, esc);
  return j;
}

/** UTF-8 byte order is code point order, which UTF-16 order is not above U+D7FF. */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

export function attrsToStrings(attrs: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in attrs) {
    // A plain assignment to `__proto__` would set the prototype and lose the attribute.
    if (k === '__proto__') Object.defineProperty(out, k, { value: attrToString(attrs[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = attrToString(attrs[k]);
  }
  return out;
}

/** A resource's `service.name` as the ServiceName column holds it: its string form ('' when absent), as the contrib exporter writes it. */
export function serviceNameOf(attrs: Attributes): string {
  const name = attrs['service.name'];
  return typeof name === 'string' ? name : name === undefined ? '' : attrToString(name);
}
