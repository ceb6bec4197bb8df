import { fitsInt64, normalizeInt } from './numbers.js';
import { fail, kindOf, type Value } from './values.js';

/**
 * OTTL's conversions (Int, Double, Bool and the Like getters functions take), on dyn
 * values. nil in, nil out.
 */
const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^[+-]?(?:inf|infinity|nan)$/i;

/** strconv.ParseInt(s, 10, 64), undefined where Go returns an error. */
export function parseGoInt(s: string): number | bigint | undefined {
  if (!INT_TEXT.test(s)) return undefined;
  const big = BigInt(s);
  return fitsInt64(big) ? normalizeInt(big) : undefined;
}

/**
 * strconv.ParseFloat(s, 64) for decimal text and Inf/NaN, undefined where Go returns an
 * error (out of range included). Go's hexadecimal floats and digit underscores are not read.
 */
export function parseGoFloat(s: string): number | undefined {
  if (FLOAT_TEXT.test(s)) {
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  if (!SPECIAL_FLOAT.test(s)) return undefined;
  if (/nan/i.test(s)) return NaN;
  return s.startsWith('-') ? -Infinity : Infinity;
}

/** Go's int64(f): truncation; NaN and values out of range give math.MinInt64 on amd64 and arm64's saturation aside. */
export function truncToInt(f: number): number | bigint {
  if (!Number.isFinite(f)) return -(2n ** 63n);
  const t = Math.trunc(f);
  if (Number.isSafeInteger(t)) return t;
  const big = BigInt(t);
  return fitsInt64(big) ? big : -(2n ** 63n);
}

/** The Int converter: nil for nil, text that does not parse, and other types. */
export function toInt(v: Value): number | bigint | undefined {
  switch (kindOf(v)) {
    case 'int':
      return v as number | bigint;
    case 'float':
      return truncToInt(v as number);
    case 'bool':
      return v ? 1 : 0;
    case 'string':
      return parseGoInt(v as string);
    default:
      return undefined;
  }
}

/** The Double converter. */
export function toDouble(v: Value): number | undefined {
  switch (kindOf(v)) {
    case 'int':
    case 'float':
      return Number(v);
    case 'bool':
      return v ? 1 : 0;
    case 'string':
      return parseGoFloat(v as string);
    default:
      return undefined;
  }
}

const TRUE_TEXT = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_TEXT = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The Bool converter (strconv.ParseBool for text). */
export function toBool(v: Value): boolean | undefined {
  switch (kindOf(v)) {
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return v != 0;
    case 'string':
      return TRUE_TEXT.has(v as string) ? true : FALSE_TEXT.has(v as string) ? false : undefined;
    default:
      return undefined;
  }
}

/** FloatLikeGetter: nil stays nil; a type it cannot convert, or text that does not parse, is an error. */
export function floatLike(v: Value): number | undefined {
  if (v == null) return undefined;
  const k = kindOf(v);
  if (k !== 'int' && k !== 'float' && k !== 'bool' && k !== 'string') fail();
  const f = toDouble(v);
  if (f === undefined) fail();
  return f;
}

/** IntLikeGetter. */
export function intLike(v: Value): number | bigint | undefined {
  if (v == null) return undefined;
  const k = kindOf(v);
  if (k !== 'int' && k !== 'float' && k !== 'bool' && k !== 'string') fail();
  const i = toInt(v);
  if (i === undefined) fail();
  return i;
}

/** StringGetter: a string, anything else (nil included) is an error. */
export function strictString(v: Value): string {
  if (typeof v !== 'string') fail();
  return v;
}

/** IntGetter: an int, anything else is an error. */
export function strictInt(v: Value): number | bigint {
  if (kindOf(v) !== 'int') fail();
  return v as number | bigint;
}
