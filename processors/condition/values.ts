import type { AttrValue, Span } from '../../collector/model/span.js';
import type { StaticType } from './catalog.js';

/**
 * Run-time values of the closure backend. A value whose static type is known is carried
 * in its plain form (a time or duration as bigint nanoseconds, an id as lower-case hex);
 * where only the run-time type is known (`dyn`: attribute values, list and map elements)
 * times, durations and ids are boxed so they keep their type. nil is `undefined` (a missing
 * attribute) or `null` (an attribute with no value).
 */
export type Value = unknown;
export type Getter = (span: Span) => Value;

export class TimeValue {
  constructor(readonly ns: bigint) {}
}
export class DurationValue {
  constructor(readonly ns: bigint) {}
}
export class IdValue {
  /** `hex` is '' for an empty id, as the span model keeps it. */
  constructor(
    readonly kind: 'traceid' | 'spanid',
    readonly hex: string,
  ) {}
}

export type Kind = 'nil' | 'string' | 'int' | 'float' | 'bool' | 'bytes' | 'list' | 'map' | 'time' | 'duration' | 'traceid' | 'spanid';

/**
 * The OTTL type of a dyn value. The span model decodes OTLP ints and doubles both to JS
 * numbers (ints beyond 2^53 to bigint), so a number is an int when it is a safe integer: a
 * double such as 2.0 reads as an int.
 * An empty byte value is nil, as OTTL treats a nil []byte.
 */
export function kindOf(v: Value): Kind {
  if (v == null) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'object':
      if (v instanceof Uint8Array) return v.length === 0 ? 'nil' : 'bytes';
      if (Array.isArray(v)) return 'list';
      if (v instanceof TimeValue) return 'time';
      if (v instanceof DurationValue) return 'duration';
      if (v instanceof IdValue) return v.kind;
      return 'map';
    default:
      return 'nil';
  }
}

/**
 * Thrown where OTTL returns an error (a converter given a wrong type, a division by zero):
 * the whole condition is then not met, as in the collector, whatever `not` or `or` is
 * around the failing part. One shared instance, so throwing allocates nothing.
 */
export class EvalError {
  readonly name = 'OttlEvalError';
}
export const EVAL_ERROR = new EvalError();
export function fail(): never {
  throw EVAL_ERROR;
}

/** What `compareValues` returns for equal values that have no order (lists, maps, ids). */
export const UNORDERED_EQUAL = 2;

/**
 * -1/0/1 like a comparator; NaN when OTTL calls the comparison invalid (different types,
 * nil against a value, NaN), which makes every operator false except `!=`.
 */
export function compareValues(a: Value, b: Value): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb ? 0 : NaN;
  switch (ka) {
    case 'string':
      if (kb === 'string') return compareStrings(a as string, b as string);
      return kb === 'traceid' || kb === 'spanid' ? compareStrings(a as string, (b as IdValue).hex) : NaN;
    case 'int':
    case 'float':
      if (kb === 'int' || kb === 'float') return compareNumbers(a as number | bigint, b as number | bigint, ka === kb);
      // spansift: a time or duration compares with a number of nanoseconds.
      return kb === 'time' || kb === 'duration' ? compareNumbers(a as number | bigint, (b as TimeValue).ns, true) : NaN;
    case 'bool':
      return kb === 'bool' ? (a === b ? 0 : a ? 1 : -1) : NaN;
    case 'bytes':
      return kb === 'bytes' ? Math.sign(Buffer.compare(a as Uint8Array, b as Uint8Array)) : NaN;
    case 'time':
    case 'duration': {
      const ns = (a as TimeValue).ns;
      if (kb === ka) return compareNumbers(ns, (b as TimeValue).ns, true);
      return kb === 'int' || kb === 'float' ? compareNumbers(ns, b as number | bigint, true) : NaN;
    }
    case 'traceid':
    case 'spanid':
      if (kb === ka) return idHex(a as IdValue) === idHex(b as IdValue) ? UNORDERED_EQUAL : NaN;
      return kb === 'string' ? compareStrings((a as IdValue).hex, b as string) : NaN;
    default:
      return kb === ka && deepEqual(a, b) ? UNORDERED_EQUAL : NaN;
  }
}

/** Ints compare exactly; an int against a float compares as float64, as OTTL does. */
export function compareNumbers(a: number | bigint, b: number | bigint, exact: boolean): number {
  if (!exact) {
    a = Number(a);
    b = Number(b);
  }
  return a < b ? -1 : a > b ? 1 : a == b ? 0 : NaN;
}

/**
 * Code point order, which is UTF-8 byte order: what Go and ClickHouse use. Plain `<` on JS
 * strings compares UTF-16 units and puts U+FFFF above U+1F600.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** An empty id is all zeros, as pcommon keeps it. */
export function idHex(id: IdValue): string {
  return id.hex === '' ? '0'.repeat(id.kind === 'traceid' ? 32 : 16) : id.hex;
}

/** OTTL's Equal on raw values (reflect.DeepEqual of AsRaw forms, which is what lists and maps use). */
export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return (ka === 'int' || ka === 'float') && (kindOf(b) === 'int' || kindOf(b) === 'float') && a == b;
  switch (ka) {
    case 'nil':
      return true;
    case 'int':
    case 'float':
      return a == b;
    case 'bytes':
      return Buffer.compare(a as Uint8Array, b as Uint8Array) === 0;
    case 'list': {
      const x = a as Value[];
      const y = b as Value[];
      return x.length === y.length && x.every((v, i) => deepEqual(v, y[i]));
    }
    case 'map': {
      const x = a as Record<string, Value>;
      const y = b as Record<string, Value>;
      const keys = Object.keys(x);
      return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && deepEqual(x[k], y[k]));
    }
    default:
      return compareValues(a, b) === 0 || compareValues(a, b) === UNORDERED_EQUAL;
  }
}

const EMPTY_ATTRS: Record<string, AttrValue> = Object.freeze({}) as Record<string, AttrValue>;

/** A map's own entry; keys such as "constructor" or "__proto__" would otherwise read Object.prototype. */
export function own(map: Record<string, unknown>, key: string): Value {
  if (key in EMPTY_ATTRS) return Object.hasOwn(map, key) ? map[key] : undefined;
  return map[key];
}

export function durationOf(s: Span): bigint {
  const d = s.endTimeUnixNano - s.startTimeUnixNano;
  return d > 0n ? d : 0n;
}

/** Storage clamps start times below the epoch to 0 and a negative duration to 0. */
export function startOf(s: Span): bigint {
  return s.startTimeUnixNano > 0n ? s.startTimeUnixNano : 0n;
}

/** Whether values of this static type are carried boxed (in dyn form) at run time. */
export function isPlain(t: StaticType): boolean {
  return t === 'time' || t === 'duration' || t === 'traceid' || t === 'spanid';
}

/** A value of static type `t` in its dyn form, for lists, maps and generic comparison. */
export function box(t: StaticType, v: Value): Value {
  if (v === undefined || v === null) return v;
  switch (t) {
    case 'time':
      return new TimeValue(v as bigint);
    case 'duration':
      return new DurationValue(v as bigint);
    case 'traceid':
    case 'spanid':
      return new IdValue(t, v as string);
    default:
      return v;
  }
}

export function boxed(t: StaticType, g: Getter): Getter {
  if (!isPlain(t)) return g;
  return (s) => box(t, g(s));
}
