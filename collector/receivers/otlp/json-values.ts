/**
 * Typed reads of OTLP/JSON values (the protobuf JSON mapping with OTLP's changes: hex ids,
 * enums as integers). Each read takes the field's JSON name so that a type error can name
 * the exact path; the path itself is a stack kept by the caller and only formatted on error.
 */
/// <reference lib="es2024.string" />
import { DecodeError } from './decode-error.js';

export type JsonObject = { [key: string]: unknown };

const EMPTY: readonly unknown[] = Object.freeze([]);
const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const UINT_RE = /^\d+$/;
const INT_RE = /^-?\d+$/;
const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Where the walk is: object keys and array indexes, formatted only when something fails. */
export class JsonPath {
  readonly parts: (string | number)[] = [];
  /** The text may hold lone surrogates, so each string read is checked (see readString). */
  mayHaveLoneSurrogates = true;

  fail(field: string, expected: string): never {
    let s = '';
    for (const p of this.parts) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
    if (field !== '') s += s === '' ? field : `.${field}`;
    throw new DecodeError(`${s === '' ? 'request' : s}: ${expected}`);
  }
}

/**
 * Whether JSON text can parse to strings with lone surrogates. Text decoded from UTF-8 has
 * none (invalid bytes become U+FFFD), so only an escape `\uD800`-`\uDFFF` can make one. Two
 * indexOf passes over the text (0.02 ms per MB of ASCII) spare a check per string, which
 * costs about 10% of decoding non-ASCII text; a `\ud` escape of another character only
 * turns those checks on.
 */
export function mayHaveLoneSurrogates(text: string, decodedFromUtf8: boolean): boolean {
  return text.indexOf('\\ud') >= 0 || text.indexOf('\\uD') >= 0 || (!decodedFromUtf8 && !text.isWellFormed());
}

/** The value under the lowerCamelCase name or, as protobuf JSON parsers also accept, the proto name. */
export function get(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : o[snake];
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** null and absent both mean "default" in the protobuf JSON mapping. */
export function readObject(v: unknown, path: JsonPath, field: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) path.fail(field, 'expected an object');
  return v;
}

export function readArray(v: unknown, path: JsonPath, field: string): readonly unknown[] {
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) path.fail(field, 'expected an array');
  return v;
}

/**
 * A string that no UTF-8 can hold (a lone surrogate, from a `\ud800` escape) is made valid
 * with U+FFFD, as a UTF-8 decoder does with invalid bytes: storage would refuse it, and rules
 * must see the text that is stored.
 */
export function readString(v: unknown, path: JsonPath, field: string): string {
  if (typeof v === 'string') return !path.mayHaveLoneSurrogates || v.isWellFormed() ? v : v.toWellFormed();
  if (v === undefined || v === null) return '';
  return path.fail(field, 'expected a string');
}

export function readBool(v: unknown, path: JsonPath, field: string): boolean {
  if (typeof v === 'boolean') return v;
  return path.fail(field, 'expected a boolean');
}

/** A hex id, lower-cased; whether it is valid hex of the right length is the span's problem. */
export function readHexId(v: unknown, path: JsonPath, field: string): string {
  if (typeof v === 'string') return v.toLowerCase();
  if (v === undefined || v === null) return '';
  return path.fail(field, 'expected a hex string');
}

/** fixed64 from a decimal string or a JSON number, exact as bigint. */
export function readUint64(v: unknown, path: JsonPath, field: string): bigint {
  let n: bigint;
  if (typeof v === 'string' && UINT_RE.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = BigInt(v);
  else if (v === undefined || v === null) return 0n;
  else return path.fail(field, 'expected an integer');
  if (n > MAX_U64) path.fail(field, 'integer out of range for fixed64');
  return n;
}

/** int64 from a decimal string or a JSON number: a number when safe, else a bigint. */
export function readInt64(v: unknown, path: JsonPath, field: string): number | bigint {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    if (!Number.isInteger(v)) return path.fail(field, 'expected an integer');
    return inInt64(BigInt(v), path, field);
  }
  if (typeof v !== 'string' || !INT_RE.test(v)) return path.fail(field, 'expected an integer');
  // Up to 15 digits always fits a double exactly.
  if (v.length <= 15) return Number(v);
  return inInt64(BigInt(v), path, field);
}

function inInt64(n: bigint, path: JsonPath, field: string): number | bigint {
  if (n < MIN_I64 || n > MAX_I64) path.fail(field, 'integer out of range for int64');
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
}

/** uint32 / fixed32 from a JSON number or a decimal string. */
export function readUint32(v: unknown, path: JsonPath, field: string): number {
  const n = typeof v === 'string' && UINT_RE.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
  if (v === undefined || v === null) return 0;
  return path.fail(field, 'expected an unsigned 32-bit integer');
}

/** A double from a JSON number or one of the strings the protobuf JSON mapping allows. */
export function readDouble(v: unknown, path: JsonPath, field: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  return path.fail(field, 'expected a number');
}

/** An enum as its number (what OTLP/JSON sends) or its value name (what protobuf JSON sends). */
export function readEnum(v: unknown, names: Readonly<Record<string, number>>, path: JsonPath, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v];
  if (v === undefined || v === null) return 0;
  return path.fail(field, `expected one of ${Object.keys(names).join(', ')} or its number`);
}

/** bytes as standard or URL-safe base64, padded or not; copied into a plain Uint8Array. */
export function readBase64(v: unknown, path: JsonPath, field: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64_RE.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    return path.fail(field, 'expected base64');
  }
  return new Uint8Array(Buffer.from(v, 'base64'));
}
