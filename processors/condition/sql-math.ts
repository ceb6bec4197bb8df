import type { MathOp } from './ast.js';
import { dynIs, dynFloat, dynInt } from './sql-dyn.js';
import { goFloatSql } from './sql-convert.js';
import { OPAQUE, orErr, typed, type Dyn, type SqlValue, type Typed } from './sql-model.js';

/**
 * OTTL's math in SQL (see closure-math.ts): Int64 wraps as Go's int64 does, division
 * truncates and by zero is an error; an int meeting a float becomes a Float64; times and
 * durations are Int64 nanoseconds. A dyn operand makes a dyn result, read as text.
 */
function intMath(op: MathOp, a: string, b: string): { sql: string; err?: string } {
  if (op !== '/') return { sql: `(${a} ${op} ${b})` };
  return { sql: `if(${b} = -1, negate(${a}), intDiv(${a}, if(${b} = 0, 1, ${b})))`, err: `(${b} = 0)` };
}

function floatMath(op: MathOp, a: string, b: string): { sql: string; err?: string } {
  if (op !== '/') return { sql: `(${a} ${op} ${b})` };
  return { sql: `(${a} / if(${b} = 0, 1, ${b}))`, err: `(${b} = 0)` };
}

const nullErr = (v: Typed) => (v.nullable ? `isNull(${v.sql})` : undefined);
const plain = (v: Typed) => (v.nullable ? `assumeNotNull(${v.sql})` : v.sql);

export function mathSql(op: MathOp, a: SqlValue, b: SqlValue): SqlValue {
  if (a.k === 'opaque' || b.k === 'opaque' || a.k === 'events' || b.k === 'events') return OPAQUE;
  if (a.k === 'nil' || b.k === 'nil') return typed('int', '0', false, '1');
  if (a.k === 'dyn' || b.k === 'dyn') return dynMathSql(op, a, b);
  const errs = [a.err, b.err, nullErr(a), nullErr(b)];
  const x = plain(a);
  const y = plain(b);
  const num = (t: string) => t === 'int' || t === 'float';
  if (a.t === 'int' && b.t === 'int') {
    const r = intMath(op, x, y);
    return typed('int', r.sql, false, orErr(...errs, r.err));
  }
  if (num(a.t) && num(b.t)) {
    const r = floatMath(op, `toFloat64(${x})`, `toFloat64(${y})`);
    return typed('float', r.sql, false, orErr(...errs, r.err));
  }
  if (op === '-' && a.t === 'time' && b.t === 'time') return typed('duration', `(${x} - ${y})`, false, orErr(...errs));
  if ((op === '+' || op === '-') && a.t === 'time' && b.t === 'duration') return typed('time', `(${x} ${op} ${y})`, false, orErr(...errs));
  if (op === '+' && a.t === 'duration' && b.t === 'time') return typed('time', `(${x} + ${y})`, false, orErr(...errs));
  if ((op === '+' || op === '-') && a.t === 'duration' && b.t === 'duration') return typed('duration', `(${x} ${op} ${y})`, false, orErr(...errs));
  return typed('int', '0', false, '1');
}

/** A number-or-error view of one operand: `int` when it is an int, `float` its Float64 value. */
function numeric(v: Typed | Dyn): { isInt: string; int: string; float: string; bad: string } {
  if (v.k === 'dyn') {
    return { isInt: dynIs(v, 'int'), int: `assumeNotNull(${dynInt(v)})`, float: `assumeNotNull(${dynFloat(v)})`, bad: `NOT (${dynIs(v, 'int')} OR ${dynIs(v, 'float')})` };
  }
  if (v.t !== 'int' && v.t !== 'float') return { isInt: '0', int: '0', float: '0', bad: '1' };
  const x = plain(v);
  return { isInt: v.t === 'int' ? '1' : '0', int: v.t === 'int' ? x : '0', float: `toFloat64(${x})`, bad: nullErr(v) ?? '0' };
}

function dynMathSql(op: MathOp, a: Typed | Dyn, b: Typed | Dyn): SqlValue {
  const x = numeric(a);
  const y = numeric(b);
  const errs = [a.err, b.err, x.bad === '0' ? undefined : x.bad, y.bad === '0' ? undefined : y.bad];
  // Next to a float the result is a float whatever the dyn holds (an int becomes one).
  if ((a.k === 'typed' && a.t === 'float') || (b.k === 'typed' && b.t === 'float')) {
    const f = floatMath(op, x.float, y.float);
    return typed('float', f.sql, false, orErr(...errs, f.err));
  }
  const i = intMath(op, x.int, y.int);
  const f = floatMath(op, x.float, y.float);
  const both = `(${x.isInt} AND ${y.isInt})`;
  const text = `if(${both}, toString(${i.sql}), ${goFloatSql(f.sql)})`;
  const divErr = op === '/' ? `(${y.float} = 0)` : undefined;
  return { k: 'dyn', str: text, has: '1', err: orErr(...errs, divErr) };
}

export function negSql(v: SqlValue): SqlValue {
  if (v.k === 'opaque' || v.k === 'events') return OPAQUE;
  if (v.k === 'nil') return typed('int', '0', false, '1');
  if (v.k === 'typed') {
    if (v.t !== 'int' && v.t !== 'float') return typed('int', '0', false, '1');
    return typed(v.t, `negate(${plain(v)})`, false, orErr(v.err, nullErr(v)));
  }
  const n = numeric(v);
  return { k: 'dyn', str: `if(${n.isInt}, toString(negate(${n.int})), ${goFloatSql(`negate(${n.float})`)})`, has: '1', err: orErr(v.err, n.bad) };
}
