import type { CompareOp } from './ast.js';
import { dynFloat, dynInt, dynIs } from './sql-dyn.js';
import { idHexSql } from './sql-convert.js';
import { isNilSql, orErr, type Dyn, type SqlValue, type Typed } from './sql-model.js';

/**
 * OTTL's comparison rules in SQL (see values.ts compareValues): nil equals only nil, other
 * types never compare (false, `!=` true), an int against a float compares as float64, lists,
 * maps and ids only for equality. Every fragment is 0/1, never NULL, so NOT works.
 */
export interface SqlBool {
  val: string;
  err?: string;
}

const NIL_EQUAL: Record<CompareOp, string> = { '==': '1', '<=': '1', '>=': '1', '!=': '0', '<': '0', '>': '0' };
const FLIP: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export function invalid(op: CompareOp): string {
  return op === '!=' ? '1' : '0';
}

function sqlOp(op: CompareOp): string {
  return op === '==' ? '=' : op;
}

function rank(v: SqlValue): number {
  return v.k === 'dyn' ? 0 : v.k === 'nil' ? 2 : 1;
}

export function compareSql(aIn: SqlValue, opIn: CompareOp, bIn: SqlValue): SqlBool | undefined {
  let a = aIn;
  let b = bIn;
  let op = opIn;
  if (a.k === 'opaque' || b.k === 'opaque' || a.k === 'events' || b.k === 'events') return undefined;
  if (rank(a) > rank(b)) [a, b, op] = [b, a, FLIP[op]];
  const err = orErr(a.err, b.err);
  if (b.k === 'nil') {
    if (a.k === 'nil') return { val: NIL_EQUAL[op], err };
    if (op === '<' || op === '>') return { val: '0', err };
    const nil = isNilSql(a);
    return { val: op === '!=' ? `(NOT ${nil})` : nil, err };
  }
  if (a.k === 'nil') return { val: invalid(op), err };
  const core = a.k === 'dyn' ? (b.k === 'dyn' ? dynVsDyn(a, op, b) : dynVsTyped(a, op, b as Typed)) : typedVsTyped(a, op, b as Typed);
  if (core === undefined) return undefined;
  return { val: nilSafe(op, a, b as Typed | Dyn, core), err };
}

/** Combines "either side may be nil" with the comparison of two present values. */
function nilSafe(op: CompareOp, a: Typed | Dyn, b: Typed | Dyn, core: string): string {
  const nilA = a.k === 'dyn' || a.nullable ? isNilSql(a) : undefined;
  const nilB = b.k === 'dyn' || b.nullable ? isNilSql(b) : undefined;
  if (!nilA && !nilB) return core;
  const terms: string[] = [];
  if (nilA && nilB && NIL_EQUAL[op] === '1') terms.push(`(${nilA} AND ${nilB})`);
  const present = [nilA && `NOT ${nilA}`, nilB && `NOT ${nilB}`].filter((x): x is string => !!x);
  if (op === '!=') {
    if (nilA) terms.push(nilB ? `(${nilA} AND NOT ${nilB})` : nilA);
    if (nilB) terms.push(nilA ? `(NOT ${nilA} AND ${nilB})` : nilB);
  }
  terms.push(`(${[...present, core].join(' AND ')})`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
}

const NUMERIC = new Set(['int', 'float']);
const TIMES = new Set(['time', 'duration']);

function typedVsTyped(a: Typed, op: CompareOp, b: Typed): string | undefined {
  const o = sqlOp(op);
  const x = a.nullable ? `assumeNotNull(${a.sql})` : a.sql;
  const y = b.nullable ? `assumeNotNull(${b.sql})` : b.sql;
  if (a.t === b.t && ['string', 'int', 'float', 'bool', 'bytes', 'time', 'duration'].includes(a.t)) return `(${x} ${o} ${y})`;
  if (NUMERIC.has(a.t) && NUMERIC.has(b.t)) return `(toFloat64(${x}) ${o} toFloat64(${y}))`;
  // spansift: times and durations compare with numbers of nanoseconds; ids with their hex text.
  if ((TIMES.has(a.t) && NUMERIC.has(b.t)) || (NUMERIC.has(a.t) && TIMES.has(b.t))) return `(${x} ${o} ${y})`;
  if (a.t === b.t && (a.t === 'traceid' || a.t === 'spanid')) {
    const eq = `(${idHexSql(x, a.t)} = ${idHexSql(y, a.t)})`;
    return op === '==' ? eq : op === '!=' ? `(NOT ${eq})` : '0';
  }
  if ((a.t === 'traceid' || a.t === 'spanid') && b.t === 'string') return `(${x} ${o} ${y})`;
  if (a.t === 'string' && (b.t === 'traceid' || b.t === 'spanid')) return `(${x} ${o} ${y})`;
  if ((a.t === 'list' || a.t === 'map') && a.t === b.t) return undefined;
  return invalid(op);
}

/**
 * A stored attribute against a typed value: its text is read as the type the other side
 * has (toInt64OrNull next to an int, the text next to a string); a value read out of JSON
 * has its exact type.
 */
function dynVsTyped(d: Dyn, op: CompareOp, b: Typed): string | undefined {
  const o = sqlOp(op);
  const y = b.nullable ? `assumeNotNull(${b.sql})` : b.sql;
  const s = d.str;
  const no = invalid(op);
  switch (b.t) {
    case 'string':
      return d.json ? `(${dynIs(d, 'string')} AND ${s} ${o} ${y})` : `(${s} ${o} ${y})`;
    case 'int':
    case 'time':
    case 'duration':
      if (d.json) return `multiIf(${dynIs(d, 'int')}, ${dynInt(d)} ${o} ${y}, ${dynIs(d, 'float')}, ${dynFloat(d)} ${o} toFloat64(${y}), ${no})`;
      return `coalesce(toInt64OrNull(${s}) ${o} ${y}, toFloat64OrNull(${s}) ${o} toFloat64(${y}), ${no})`;
    case 'float':
      return `coalesce(if(${dynIs(d, 'int')} OR ${dynIs(d, 'float')}, ${dynFloat(d)} ${o} ${y}, NULL), ${no})`;
    case 'bool':
      return `coalesce(multiIf(${dynIs(d, 'bool')}, ${s} = 'true', NULL) ${o} ${y}, ${no})`;
    case 'traceid':
    case 'spanid':
      return d.json ? `(${dynIs(d, 'string')} AND ${s} ${o} ${y})` : `(${s} ${o} ${y})`;
    default:
      return b.t === 'bytes' || b.t === 'list' || b.t === 'map' ? undefined : no;
  }
}

function dynVsDyn(a: Dyn, op: CompareOp, b: Dyn): string {
  const o = sqlOp(op);
  if (op === '==' || op === '!=') return `(${a.str} ${o} ${b.str})`;
  const na = dynFloat(a);
  const nb = dynFloat(b);
  return `multiIf(isNotNull(${na}) AND isNotNull(${nb}), ${na} ${o} ${nb}, isNotNull(${na}) OR isNotNull(${nb}), 0, ${a.str} ${o} ${b.str})`;
}
