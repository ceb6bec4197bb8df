import type { CompareOp, ValueExpr } from './ast.js';
import type { Params } from './sql-params.js';

/**
 * Values in the SQL backend. `typed`: an expression of a known type (`nullable` when it may
 * be NULL, which is nil). `dyn`: an attribute-like value whose type ClickHouse only knows
 * from its stored text (`str`; `has` says it exists), or exactly when `json` holds the raw
 * JSON of a value read out of a list or map. `opaque`: what SQL cannot compute exactly; a
 * condition using it is answered by a coarse prefilter plus the closure. `err`, when set,
 * is true on rows where OTTL would return an error.
 *
 * Representations: int Int64, float Float64, bool 0/1, bytes String of the raw bytes,
 * time and duration Int64 nanoseconds, ids String of lower-case hex ('' when empty), lists
 * Array(String) of raw JSON elements (`elem: 'json'`) or of strings (`elem: 'string'`),
 * maps a Map(String, String) of stored texts (`repr: 'column'`) or JSON object text.
 */
export type SqlT = 'string' | 'int' | 'float' | 'bool' | 'bytes' | 'time' | 'duration' | 'traceid' | 'spanid' | 'list' | 'map';

export interface Typed {
  k: 'typed';
  t: SqlT;
  sql: string;
  nullable: boolean;
  err?: string;
  elem?: 'json' | 'string';
  repr?: 'column' | 'json';
}

export interface Dyn {
  k: 'dyn';
  str: string;
  has: string;
  err?: string;
  json?: string;
}

export interface Opaque {
  k: 'opaque';
}

export type SqlValue = Typed | Dyn | { k: 'nil'; err?: string } | Opaque | { k: 'events'; sql: string };

export interface SqlContext {
  params: Params;
  /** Compiles a sub-expression (a list literal's items, for one). */
  value: (v: ValueExpr) => SqlValue;
  /** OTTL's comparison of two compiled values: 0/1 SQL, undefined when it cannot be expressed. */
  compare: (a: SqlValue, op: CompareOp, b: SqlValue) => string | undefined;
}

export const NIL: SqlValue = { k: 'nil' };
export const OPAQUE: Opaque = { k: 'opaque' };

export function typed(t: SqlT, sql: string, nullable = false, err?: string): Typed {
  return err ? { k: 'typed', t, sql, nullable, err } : { k: 'typed', t, sql, nullable };
}

/** `a OR b` of optional error conditions. */
export function orErr(...errs: Array<string | undefined>): string | undefined {
  const some = errs.filter((e): e is string => e !== undefined && e !== '0');
  if (some.length === 0) return undefined;
  return some.length === 1 ? some[0] : `(${some.join(' OR ')})`;
}

export function errOf(v: SqlValue): string | undefined {
  return 'err' in v ? v.err : undefined;
}

/** The value with an extra error condition. */
export function withErr<T extends SqlValue>(v: T, ...errs: Array<string | undefined>): T {
  if (v.k === 'opaque' || v.k === 'events') return v;
  const err = orErr(errOf(v), ...errs);
  return err ? { ...v, err } : v;
}

/** SQL true when the value is nil (or NULL-producing). */
export function isNilSql(v: SqlValue): string {
  switch (v.k) {
    case 'nil':
      return '1';
    case 'dyn':
      return v.json ? `(NOT ${v.has} OR JSONType(${v.json}) = 'Null')` : `(NOT ${v.has})`;
    case 'typed':
      return v.nullable ? `isNull(${v.sql})` : '0';
    default:
      return '0';
  }
}
