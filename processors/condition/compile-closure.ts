import type { Span } from '../../collector/model/span.js';
import { FLIPPED, type BoolExpr, type CompareExpr, type CompareOp, type ValueExpr } from './ast.js';
import type { StaticType } from './catalog.js';
import { compileValue, literalValue, type Compiled } from './closure-values.js';
import { EVAL_ERROR, UNORDERED_EQUAL, boxed, compareNumbers, compareStrings, compareValues, durationOf, fail, kindOf, type Getter, type Value } from './values.js';

/**
 * AST -> closure over a live span. All the work that does not depend on the span (regexes,
 * literal conversion, choosing the comparison) happens here once, so evaluating a rule is
 * a few property reads and compares. Where OTTL would return an error, evaluation throws
 * EVAL_ERROR and the whole condition is false, as in the collector.
 */
export type Predicate = (span: Span) => boolean;

export function compileClosure(expr: BoolExpr): Predicate {
  const p = compileBool(expr);
  if (!canFail(expr)) return p;
  return (s) => {
    try {
      return p(s);
    } catch (e) {
      if (e === EVAL_ERROR || e instanceof RangeError) return false;
      throw e;
    }
  };
}

function compileBool(expr: BoolExpr): Predicate {
  switch (expr.type) {
    case 'and': {
      const ps = expr.operands.map(compileBool);
      if (ps.length === 2) {
        const [a, b] = ps;
        return (s) => a(s) && b(s);
      }
      return (s) => {
        for (let i = 0; i < ps.length; i++) if (!ps[i](s)) return false;
        return true;
      };
    }
    case 'or': {
      const ps = expr.operands.map(compileBool);
      if (ps.length === 2) {
        const [a, b] = ps;
        return (s) => a(s) || b(s);
      }
      return (s) => {
        for (let i = 0; i < ps.length; i++) if (ps[i](s)) return true;
        return false;
      };
    }
    case 'not': {
      const p = compileBool(expr.operand);
      return (s) => !p(s);
    }
    case 'bare': {
      const g = compileValue(expr.value).get;
      // spansift lets a path stand alone (true only when it is the boolean true); a converter
      // that returns something else than a boolean is an error in OTTL.
      if (expr.value.type === 'path') return (s) => g(s) === true;
      return (s) => {
        const v = g(s);
        return typeof v === 'boolean' ? v : fail();
      };
    }
    case 'compare':
      return compileCompare(expr);
  }
}

/** Whether evaluating can hit an OTTL error (converters, math, indexing). */
function canFail(expr: BoolExpr): boolean {
  switch (expr.type) {
    case 'and':
    case 'or':
      return expr.operands.some(canFail);
    case 'not':
      return canFail(expr.operand);
    case 'bare':
      return expr.value.type !== 'path' || valueCanFail(expr.value);
    case 'compare':
      return valueCanFail(expr.left) || valueCanFail(expr.right);
  }
}

function valueCanFail(v: ValueExpr): boolean {
  switch (v.type) {
    case 'literal':
      return false;
    case 'path':
      return v.index.length > 0 || v.keyExpr !== undefined;
    default:
      return true;
  }
}

function compileCompare(expr: CompareExpr): Predicate {
  let { left, right, op } = expr;
  if (left.type === 'literal' && right.type !== 'literal') {
    [left, right, op] = [right, left, FLIPPED[op]];
  }
  const a = compileValue(left);
  if (right.type !== 'literal') {
    const b = compileValue(right);
    const fast = typedCompare(a, op, b);
    if (fast) return fast;
    const da = boxed(a.type, a.get);
    const db = boxed(b.type, b.get);
    const cmp = comparator(a.type, b.type);
    return withOp(op, (s) => cmp(da(s), db(s)));
  }
  const lit = literalValue(right);
  const litType = compileValue(right).type;
  if (left.type === 'literal') {
    const result = withOp(op, () => compareValues(boxLiteral(a.type, literalValue(left)), boxLiteral(litType, lit)))(NO_SPAN);
    return () => result;
  }
  const fast = fastCompare(left, a, op, lit, litType);
  if (fast) return fast;
  const da = boxed(a.type, a.get);
  const bl = boxLiteral(litType, lit);
  const cmp = comparator(a.type, litType);
  return withOp(op, (s) => cmp(da(s), bl));
}

/**
 * OTTL's comparison; a side known to be a float makes a numeric comparison a float64 one,
 * even when its value is whole (the run-time value alone would read 4.0 as an int).
 */
function comparator(a: StaticType, b: StaticType): (x: Value, y: Value) => number {
  if (a !== 'float' && b !== 'float') return compareValues;
  return (x, y) => {
    const kx = kindOf(x);
    const ky = kindOf(y);
    if ((kx === 'int' || kx === 'float') && (ky === 'int' || ky === 'float')) return compareNumbers(x as number, y as number, false);
    return compareValues(x, y);
  };
}

function boxLiteral(t: StaticType, v: Value): Value {
  return boxed(t, () => v)(NO_SPAN);
}

/** Both sides of one plain type, compared without boxing. */
function typedCompare(a: Compiled, op: CompareOp, b: Compiled): Predicate | undefined {
  const x = a.get;
  const y = b.get;
  if (a.type === b.type && (a.type === 'time' || a.type === 'duration')) {
    return withOp(op, (s) => {
      const l = x(s) as bigint | undefined;
      const r = y(s) as bigint | undefined;
      if (l === undefined || r === undefined) return l === r ? 0 : NaN;
      return l < r ? -1 : l > r ? 1 : 0;
    });
  }
  if (a.type === b.type && (a.type === 'traceid' || a.type === 'spanid')) {
    const zeros = a.type === 'traceid' ? 32 : 16;
    const hex = (v: Value) => (v === '' ? '0'.repeat(zeros) : v);
    return withOp(op, (s) => (hex(x(s)) === hex(y(s)) ? UNORDERED_EQUAL : NaN));
  }
  return undefined;
}

const NUMERIC = new Set<StaticType>(['int', 'float']);

/** The shapes rules are made of, without the generic type dispatch. */
function fastCompare(left: ValueExpr, a: Compiled, op: CompareOp, lit: Value, litType: StaticType): Predicate | undefined {
  const g = a.get;
  if (lit === undefined) {
    if (op === '<' || op === '>') return () => false;
    const isNil = (s: Span) => {
      const v = g(s);
      return v == null || (v instanceof Uint8Array && v.length === 0);
    };
    return op === '!=' ? (s) => !isNil(s) : isNil;
  }
  if (a.type === 'time' || a.type === 'duration') {
    // spansift compares times and durations with numbers of nanoseconds; a time is not a duration.
    if (litType !== a.type && !NUMERIC.has(litType)) return () => op === '!=';
    const n = lit as number | bigint;
    if (left.type === 'path' && left.path === 'duration') {
      return withOp(op, (s) => {
        const d = durationOf(s);
        return d < n ? -1 : d > n ? 1 : d == n ? 0 : NaN;
      });
    }
    return withOp(op, (s) => {
      const v = g(s) as bigint | undefined;
      if (v === undefined) return NaN;
      return v < n ? -1 : v > n ? 1 : v == n ? 0 : NaN;
    });
  }
  if (a.type === 'traceid' || a.type === 'spanid') {
    if (litType !== 'string') return undefined;
    const text = lit as string;
    return withOp(op, (s) => compareStrings(g(s) as string, text));
  }
  const t = typeof lit;
  if (op === '==' || op === '!=') {
    let eq: Predicate;
    if (t === 'number' && Number.isSafeInteger(lit)) {
      eq = (s) => {
        const v = g(s);
        return v === lit || (typeof v === 'bigint' && v == lit);
      };
    } else if (t === 'bigint' && litType === 'int') {
      eq = (s) => {
        const v = g(s);
        return typeof v === 'bigint' ? v === lit : typeof v === 'number' && (Number.isInteger(v) ? v == lit : v === Number(lit));
      };
    } else if (t === 'string' || t === 'boolean') {
      eq = (s) => g(s) === lit;
    } else {
      return undefined;
    }
    return op === '==' ? eq : (s) => !eq(s);
  }
  if (NUMERIC.has(litType)) {
    const n = lit as number | bigint;
    const asFloat = litType === 'float' ? n : Number(n);
    return withOp(op, (s) => {
      const v = g(s);
      if (typeof v === 'bigint') return litType === 'int' ? (v < n ? -1 : v > n ? 1 : 0) : compareNumbers(v, asFloat, false);
      if (typeof v !== 'number') return NaN;
      const r = Number.isInteger(v) && litType === 'int' ? n : asFloat;
      return v < r ? -1 : v > r ? 1 : v === r ? 0 : NaN;
    });
  }
  return undefined;
}

/** Turns a comparator result into the operator's answer; NaN (invalid) is only `!=`. */
export function withOp(op: CompareOp, cmp: (s: Span) => number): Predicate {
  switch (op) {
    case '==':
      return (s) => {
        const c = cmp(s);
        return c === 0 || c === UNORDERED_EQUAL;
      };
    case '!=':
      return (s) => {
        const c = cmp(s);
        return c !== 0 && c !== UNORDERED_EQUAL;
      };
    case '<':
      return (s) => cmp(s) < 0;
    case '<=':
      return (s) => cmp(s) <= 0;
    case '>':
      return (s) => {
        const c = cmp(s);
        return c > 0 && c !== UNORDERED_EQUAL;
      };
    case '>=':
      return (s) => {
        const c = cmp(s);
        return c >= 0 && c !== UNORDERED_EQUAL;
      };
  }
}

/** Only for folding literal-vs-literal comparisons, which never read the span. */
const NO_SPAN = undefined as unknown as Span;

export type { Getter };
