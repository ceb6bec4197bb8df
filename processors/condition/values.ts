import type { AttrValue, Span } from '../../collector/model/span.js';
import { attrToString } from '../../collector/model/attributes.js';
import type { PathName } from './ast.js';
import { fitsInt64, normalizeInt } from './numbers.js';

/**
 * Run-time values of the closure backend and OTTL's comparison rules over them.
 * nil is `null` (an empty attribute value) or `undefined` (a missing one).
 */
export type Value = AttrValue | undefined;
export type Getter = (span: Span) => Value;

/** What `compareValues` returns for equal lists/maps: equal, but not ordered. */
export const UNORDERED_EQUAL = 2;

/**
 * -1/0/1 like a comparator; NaN when OTTL calls the comparison invalid (different types,
 * nil against a value, NaN), which makes every operator false except `!=`.
 */
export function compareValues(a: Value, b: Value): number {
  if (a == null) return b == null ? 0 : NaN;
  if (b == null) return NaN;
  switch (typeof a) {
    case 'string':
      return typeof b === 'string' ? compareStrings(a, b) : NaN;
    case 'number':
    case 'bigint':
      // JS compares number with bigint exactly, which is what ClickHouse does too.
      if (typeof b !== 'number' && typeof b !== 'bigint') return NaN;
      return a < b ? -1 : a > b ? 1 : a == b ? 0 : NaN;
    case 'boolean':
      return typeof b === 'boolean' ? (a === b ? 0 : a ? 1 : -1) : NaN;
    default:
      if (a instanceof Uint8Array) return b instanceof Uint8Array ? compareBytes(a, b) : NaN;
      if (typeof b !== 'object' || b instanceof Uint8Array) return NaN;
      return deepEqual(a, b) ? UNORDERED_EQUAL : NaN;
  }
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

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const c = Buffer.compare(a, b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

function deepEqual(a: AttrValue, b: AttrValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return compareValues(a, b) === 0;
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) return compareValues(a, b) === 0;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** The text a value has in storage, which is also what IsMatch/HasPrefix/String see. */
export function textOf(v: Value): string | undefined {
  if (v == null) return undefined;
  return typeof v === 'string' ? v : attrToString(v);
}

/** OTTL Len: UTF-8 bytes of a string (Go's len), elements of a list or map. */
export function lengthOf(v: Value): number | undefined {
  if (v == null) return undefined;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'object' && !(v instanceof Uint8Array)) return Object.keys(v).length;
  // OTTL refuses these; we measure the stored text, which is what SQL can see.
  return Buffer.byteLength(attrToString(v), 'utf8');
}

const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** OTTL Int: truncates doubles, parses base-10 strings, booleans are 1/0, else nil. */
export function toInt(v: Value): Value {
  switch (typeof v) {
    case 'number': {
      if (!Number.isFinite(v)) return undefined;
      const t = Math.trunc(v);
      if (Number.isSafeInteger(t)) return t;
      const big = BigInt(t);
      return fitsInt64(big) ? big : undefined;
    }
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      if (!INT_TEXT.test(v)) return undefined;
      const big = BigInt(v);
      return fitsInt64(big) ? normalizeInt(big) : undefined;
    }
    default:
      return undefined;
  }
}

/** OTTL Double. Only decimal text parses (no "inf"/"nan"), matching toFloat64OrNull. */
export function toDouble(v: Value): Value {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      if (!FLOAT_TEXT.test(v)) return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    default:
      return undefined;
  }
}

const EMPTY_ATTRS: Record<string, AttrValue> = Object.freeze({}) as Record<string, AttrValue>;

/** Reads a path from a live span; `events` is not a value and reads as nil. */
export function pathGetter(path: PathName, key = ''): Getter {
  switch (path) {
    // Keys such as "constructor" or "__proto__" would otherwise read Object.prototype.
    case 'attributes':
      if (key in EMPTY_ATTRS) return (s) => (Object.hasOwn(s.attributes, key) ? s.attributes[key] : undefined);
      return (s) => s.attributes[key];
    case 'resource.attributes':
      if (key in EMPTY_ATTRS) {
        return (s) => (Object.hasOwn(s.resource.attributes, key) ? s.resource.attributes[key] : undefined);
      }
      return (s) => s.resource.attributes[key];
    case 'name':
      return (s) => s.name;
    case 'kind':
      return (s) => s.kind;
    case 'status.code':
      return (s) => s.status.code;
    case 'status.message':
      return (s) => s.status.message;
    case 'instrumentation_scope.name':
      return (s) => s.scope.name;
    case 'instrumentation_scope.version':
      return (s) => s.scope.version;
    // Storage clamps a negative duration to 0 and start times below the epoch to 0.
    case 'duration':
      return durationOf;
    case 'start_time':
      return (s) => (s.startTimeUnixNano > 0n ? s.startTimeUnixNano : 0n);
    case 'end_time':
      return (s) => (s.startTimeUnixNano > 0n ? s.startTimeUnixNano : 0n) + durationOf(s);
    case 'trace_id':
      return (s) => s.traceId;
    case 'span_id':
      return (s) => s.spanId;
    case 'parent_span_id':
      return (s) => s.parentSpanId;
    case 'trace_state':
      return (s) => s.traceState;
    case 'events':
      return () => undefined;
  }
}

export function durationOf(s: Span): bigint {
  const d = s.endTimeUnixNano - s.startTimeUnixNano;
  return d > 0n ? d : 0n;
}
