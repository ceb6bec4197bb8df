import type { MathOp } from './ast.js';
import type { StaticType } from './catalog.js';
import { normalizeInt } from './numbers.js';
import { DurationValue, TimeValue, boxed, fail, kindOf, type Getter, type Value } from './values.js';

/**
 * OTTL's math: int64 (wrapping like Go, division truncating, by zero an error), float64
 * (an int meeting a float becomes one; division by zero an error), and time arithmetic
 * (time - time = duration, time ± duration = time, duration ± duration = duration).
 */
const MAX_DURATION = 2n ** 63n - 1n;
const MIN_DURATION = -(2n ** 63n);

export function intOp(op: MathOp, a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number' && op !== '/') {
    const r = op === '+' ? a + b : op === '-' ? a - b : a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  if (op === '/') {
    if (y === 0n) fail();
    return normalizeInt(BigInt.asIntN(64, x / y));
  }
  return normalizeInt(BigInt.asIntN(64, op === '+' ? x + y : op === '-' ? x - y : x * y));
}

export function floatOp(op: MathOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      return b === 0 ? fail() : a / b;
  }
}

/** time.Time.Sub saturates at the largest durations. */
function sub(a: bigint, b: bigint): bigint {
  const d = a - b;
  return d > MAX_DURATION ? MAX_DURATION : d < MIN_DURATION ? MIN_DURATION : d;
}

/** The math of two dyn values, by their run-time types; the result is in dyn form. */
export function dynMath(op: MathOp, a: Value, b: Value): Value {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if ((ka === 'int' || ka === 'float') && (kb === 'int' || kb === 'float')) {
    if (ka === 'int' && kb === 'int') return intOp(op, a as number | bigint, b as number | bigint);
    return floatOp(op, Number(a), Number(b));
  }
  if (ka === 'time') {
    const t = (a as TimeValue).ns;
    if (op === '-' && kb === 'time') return new DurationValue(sub(t, (b as TimeValue).ns));
    if ((op === '+' || op === '-') && kb === 'duration') return new TimeValue(op === '+' ? t + (b as DurationValue).ns : t - (b as DurationValue).ns);
    return fail();
  }
  if (ka === 'duration') {
    const d = (a as DurationValue).ns;
    if (kb === 'duration' && (op === '+' || op === '-')) return new DurationValue(BigInt.asIntN(64, op === '+' ? d + (b as DurationValue).ns : d - (b as DurationValue).ns));
    if (kb === 'time' && op === '+') return new TimeValue((b as TimeValue).ns + d);
  }
  return fail();
}

export function math(op: MathOp, a: { get: Getter; type: StaticType }, b: { get: Getter; type: StaticType }): Getter {
  const x = a.get;
  const y = b.get;
  const nil = (v: Value) => v === undefined || v === null;
  if (a.type === 'int' && b.type === 'int') {
    return (s) => {
      const l = x(s);
      const r = y(s);
      return nil(l) || nil(r) ? fail() : intOp(op, l as number, r as number);
    };
  }
  const num = (t: StaticType) => t === 'int' || t === 'float';
  if (num(a.type) && num(b.type)) {
    return (s) => {
      const l = x(s);
      const r = y(s);
      return nil(l) || nil(r) ? fail() : floatOp(op, Number(l), Number(r));
    };
  }
  const times = new Set(['time', 'duration']);
  if (times.has(a.type) && times.has(b.type)) {
    return (s) => {
      const l = x(s);
      const r = y(s);
      if (nil(l) || nil(r)) return fail();
      const ns = (l as bigint) + (op === '+' ? (r as bigint) : -(r as bigint));
      if (a.type === 'time' && b.type === 'time') return sub(l as bigint, r as bigint);
      if (a.type === 'duration' && b.type === 'duration') return BigInt.asIntN(64, ns);
      return ns;
    };
  }
  const bx = boxed(a.type, x);
  const by = boxed(b.type, y);
  // A float known statically stays a float even when its value is whole (4.0).
  if (a.type === 'float' || b.type === 'float') {
    return (s) => {
      const l = bx(s);
      const r = by(s);
      const kl = kindOf(l);
      const kr = kindOf(r);
      if ((kl !== 'int' && kl !== 'float') || (kr !== 'int' && kr !== 'float')) return fail();
      return floatOp(op, Number(l), Number(r));
    };
  }
  return (s) => dynMath(op, bx(s), by(s));
}

export function negate(g: Getter): Getter {
  return (s) => {
    const v = g(s);
    switch (kindOf(v)) {
      case 'int':
        return normalizeInt(BigInt.asIntN(64, -BigInt(v as number | bigint)));
      case 'float':
        return -(v as number);
      default:
        return fail();
    }
  };
}
