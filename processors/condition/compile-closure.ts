import type { Span } from '../../collector/model/span.js';
import { FLIPPED, type BoolExpr, type CallExpr, type CompareExpr, type CompareOp, type LiteralExpr, type ValueExpr } from './ast.js';
import { compileRegex } from './regex.js';
import {
  UNORDERED_EQUAL,
  compareValues,
  durationOf,
  lengthOf,
  pathGetter,
  textOf,
  toDouble,
  toInt,
  type Getter,
  type Value,
} from './values.js';

/**
 * AST -> closure over a live span. All the work that does not depend on the span (regexes,
 * literal conversion, choosing the comparison) happens here once, so evaluating a rule is
 * a few property reads and compares.
 */
export type Predicate = (span: Span) => boolean;

export function compileClosure(expr: BoolExpr): Predicate {
  switch (expr.type) {
    case 'and': {
      const ps = expr.operands.map(compileClosure);
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
      const ps = expr.operands.map(compileClosure);
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
      const p = compileClosure(expr.operand);
      return (s) => !p(s);
    }
    case 'bare': {
      const g = compileValue(expr.value);
      return (s) => g(s) === true;
    }
    case 'compare':
      return compileCompare(expr);
  }
}

export function literalValue(l: LiteralExpr): Value {
  return l.value;
}

function compileCompare(expr: CompareExpr): Predicate {
  let { left, right, op } = expr;
  if (left.type === 'literal' && right.type !== 'literal') {
    [left, right, op] = [right, left, FLIPPED[op]];
  }
  const a = compileValue(left);
  if (right.type !== 'literal') {
    const b = compileValue(right);
    return withOp(op, (s) => compareValues(a(s), b(s)));
  }
  const lit = literalValue(right);
  if (left.type === 'literal') {
    const result = withOp(op, () => compareValues(a(NO_SPAN), lit))(NO_SPAN);
    return () => result;
  }
  return fastCompare(left, op, a, lit) ?? withOp(op, (s) => compareValues(a(s), lit));
}

/** The shapes rules are made of, without the generic type dispatch. */
function fastCompare(left: ValueExpr, op: CompareOp, g: Getter, lit: Value): Predicate | undefined {
  if (lit == null) {
    if (op === '<' || op === '>') return () => false;
    return op === '!=' ? (s) => g(s) != null : (s) => g(s) == null;
  }
  const t = typeof lit;
  if (op === '==' || op === '!=') {
    const eq: Predicate =
      t === 'number'
        ? (s) => {
            const v = g(s);
            return v === lit || (typeof v === 'bigint' && v == lit);
          }
        : t === 'bigint'
          ? (s) => {
              const v = g(s);
              return (typeof v === 'bigint' || typeof v === 'number') && v == lit;
            }
          : (s) => g(s) === lit;
    return op === '==' ? eq : (s) => !eq(s);
  }
  if (left.type === 'path' && left.path === 'duration' && (t === 'bigint' || Number.isInteger(lit))) {
    const ns = BigInt(lit as number | bigint);
    return withOp(op, (s) => {
      const d = durationOf(s);
      return d < ns ? -1 : d > ns ? 1 : 0;
    });
  }
  if (t === 'number' || t === 'bigint') {
    const n = lit as number | bigint;
    return withOp(op, (s) => {
      const v = g(s);
      if (typeof v !== 'number' && typeof v !== 'bigint') return NaN;
      return v < n ? -1 : v > n ? 1 : v == n ? 0 : NaN;
    });
  }
  return undefined;
}

/** Turns a comparator result into the operator's answer; NaN (invalid) is only `!=`. */
function withOp(op: CompareOp, cmp: (s: Span) => number): Predicate {
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

function compileValue(v: ValueExpr): Getter {
  switch (v.type) {
    case 'literal': {
      const value = literalValue(v);
      return () => value;
    }
    case 'path':
      return pathGetter(v.path, v.key);
    case 'call':
      return compileCall(v);
  }
}

function compileCall(call: CallExpr): Getter {
  const [first, second] = call.args;
  const text = second?.type === 'literal' && second.kind === 'string' ? second.value : '';
  switch (call.name) {
    case 'IsMatch': {
      const re = compileRegex(text);
      if (!re.ok) throw new Error(`unchecked regex ${text}`);
      const regex = re.regex;
      const g = compileValue(first);
      return (s) => {
        const t = textOf(g(s));
        return t !== undefined && regex.test(t);
      };
    }
    case 'HasPrefix': {
      const g = compileValue(first);
      return (s) => textOf(g(s))?.startsWith(text) === true;
    }
    case 'HasSuffix': {
      const g = compileValue(first);
      return (s) => textOf(g(s))?.endsWith(text) === true;
    }
    case 'Len': {
      if (first.type === 'path' && first.path === 'events') return (s) => s.events.length;
      const g = compileValue(first);
      return (s) => lengthOf(g(s));
    }
    case 'Int': {
      const g = compileValue(first);
      return (s) => toInt(g(s));
    }
    case 'Double': {
      const g = compileValue(first);
      return (s) => toDouble(g(s));
    }
    case 'String': {
      const g = compileValue(first);
      return (s) => textOf(g(s));
    }
    case 'IsString': {
      const g = compileValue(first);
      return (s) => typeof g(s) === 'string';
    }
    case 'HasEvent': {
      const name = first.type === 'literal' && first.kind === 'string' ? first.value : '';
      return (s) => {
        const events = s.events;
        for (let i = 0; i < events.length; i++) if (events[i].name === name) return true;
        return false;
      };
    }
  }
}

/** Only for folding literal-vs-literal comparisons, which never read the span. */
const NO_SPAN = undefined as unknown as Span;
