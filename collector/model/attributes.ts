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
      return quote(v);
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
      if (keys.length > 1) keys.sort(NON_ASCII.test(keys.join('')) ? byCodePoint : undefined);
      let out = '{';
      for (let i = 0; i < keys.length; i++) out += (i ? ',' : '') + quote(keys[i]) + ':' + encode(v[keys[i]]);
      return out + '}';
    }
  }
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\<>&\u0000-\u001f\u2028\u2029\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;
const HEX = '0123456789abcdef';

/** A JSON string as encoding/json writes it (HTML-safe). */
function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = '\\ufffd';
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x0d) esc = '\\r';
    else if (c === 0x09) esc = '\\t';
    else if (c === 0x08) esc = '\\b';
    else if (c === 0x0c) esc = '\\f';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) esc = '\\u00' + HEX[c >> 4] + HEX[c & 15];
    else if (c === 0x2028 || c === 0x2029) esc = '\\u202' + HEX[c & 15];
    else continue;
    out += s.slice(from, i) + esc;
    from = i + 1;
  }
  return out + s.slice(from) + '"';
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
