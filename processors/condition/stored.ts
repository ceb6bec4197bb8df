import type { AttrValue, Attributes, Span } from '../../collector/model/span.js';
import { normalizeInt } from './numbers.js';

/**
 * A span read back from otel_traces has its attribute values as stored text. Where SQL is
 * only a prefilter (`sql.exact` false), search and backfill check each row it reads with
 * the closure; this gives the closure the attribute values SQL reads from the same text
 * (sql-dyn.ts): `true`/`false` as booleans, numbers in JavaScript notation as ints and
 * floats, JSON arrays and objects as lists and maps, any other text as a string.
 */
const INT_FORM = /^-?(0|[1-9][0-9]*)$/;
const FLOAT_FORM = /^-?[0-9]+(\.[0-9]+)?(e[-+][0-9]+)?$/;

export function storedValue(text: string): AttrValue {
  if (text === 'true' || text === 'false') return text === 'true';
  if (INT_FORM.test(text)) {
    const big = BigInt(text);
    if (big >= -(2n ** 63n) && big < 2n ** 63n) return normalizeInt(big);
  }
  if (FLOAT_FORM.test(text)) return Number(text);
  if ((text.startsWith('[') || text.startsWith('{')) && text.length > 1) {
    try {
      return parseJson(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A JSON string token, or an integer token of 16 or more digits (which a double may round). */
const LONG_INT_TOKENS = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![.eE\d])/g;

/**
 * Stored lists and maps hold int64 values in every digit (as the exporter writes them);
 * those a double cannot hold read as bigint, as SQL's JSONExtract reads them as Int64.
 */
function parseJson(text: string): AttrValue {
  if (!/\d{16}/.test(text)) return JSON.parse(text) as AttrValue;
  const tag = `\u0000int:${Math.random()}:`;
  const marked = text.replace(LONG_INT_TOKENS, (t) => (t[0] === '"' ? t : JSON.stringify(tag + t)));
  return JSON.parse(marked, (_k, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(tag)) return v;
    const big = BigInt(v.slice(tag.length));
    return big >= -(2n ** 63n) && big < 2n ** 63n ? normalizeInt(big) : Number(big);
  }) as AttrValue;
}

function revive(attrs: Attributes): Attributes {
  const out: Attributes = {};
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    Object.defineProperty(out, k, { value: typeof v === 'string' ? storedValue(v) : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The span with its attribute values read as SQL reads the stored text. */
export function reviveStored(span: Span): Span {
  return { ...span, attributes: revive(span.attributes), resource: { ...span.resource, attributes: revive(span.resource.attributes) } };
}
