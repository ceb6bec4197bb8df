import type { BoolExpr, CompareOp, ValueExpr } from './ast.js';
import { compareSql, type SqlBool } from './sql-compare.js';
import { orErr, type SqlContext, type SqlValue } from './sql-model.js';
import { Params, storedEnumName } from './sql-params.js';
import { valueSql } from './sql-values.js';

/**
 * AST -> ClickHouse WHERE clause over `otel_traces`. Rows where OTTL would return an error
 * are left out (an error anywhere makes the whole condition false, as in the collector).
 * A part SQL cannot express exactly (a converter such as ToSnakeCase) turns the result into
 * a coarse prefilter: `exact` is false, and the caller must check each row it reads with the
 * compiled closure (over `reviveStored(span)`).
 */
export interface SqlWhere {
  sql: string;
  /** Bound values for `query_params`, all as text. */
  params: Record<string, string>;
  /** False when `sql` selects a superset: rows must be rechecked with `match` (see README). */
  exact: boolean;
}

/**
 * A part of the condition. Exact parts carry `val` (0/1) and `err` (where OTTL fails while
 * evaluating it, `and`/`or` short-circuiting as the collector does); parts holding something
 * SQL cannot compute carry `t` and `f`: supersets of the rows where the part is true and
 * where it is false, so a `not` above them still gives a superset.
 */
interface Part {
  exact: boolean;
  val: string;
  err?: string;
  t: string;
  f: string;
}

/** Beyond this many characters a part is left to the closure: a hostile nesting must not blow up. */
const MAX_PART = 120_000;
const UNKNOWN: Part = { exact: false, val: '', t: '1', f: '1' };

export function compileSql(expr: BoolExpr, options: { paramPrefix?: string } = {}): SqlWhere {
  const params = new Params(options.paramPrefix ?? 'p');
  const ctx: SqlContext = {
    params,
    value: (v) => valueSql(v, ctx),
    compare: (a, op, b) => boolOf(compareSql(a, op, b)),
  };
  const root = part(expr, ctx);
  return { sql: trueOf(root), params: params.values, exact: root.exact };
}

function exact(val: string, err?: string): Part {
  return val.length + (err?.length ?? 0) > MAX_PART ? UNKNOWN : { exact: true, val, err, t: '', f: '' };
}

function inexact(t: string, f: string): Part {
  return t.length + f.length > MAX_PART ? UNKNOWN : { exact: false, val: '', t, f };
}

function trueOf(p: Part): string {
  if (!p.exact) return p.t;
  return p.err ? `(${p.val} AND NOT ${p.err})` : p.val;
}

function falseOf(p: Part): string {
  if (!p.exact) return p.f;
  return p.err ? `((NOT ${p.val}) AND NOT ${p.err})` : `(NOT ${p.val})`;
}

function part(expr: BoolExpr, ctx: SqlContext): Part {
  switch (expr.type) {
    case 'and':
      return expr.operands.map((o) => part(o, ctx)).reduce(and);
    case 'or':
      return expr.operands.map((o) => part(o, ctx)).reduce(or);
    case 'not': {
      const p = part(expr.operand, ctx);
      return p.exact ? exact(`(NOT ${p.val})`, p.err) : inexact(p.f, p.t);
    }
    case 'bare':
      return bare(ctx.value(expr.value), expr.value.type === 'path');
    case 'compare': {
      const fast = enumEquality(expr.left, expr.op, expr.right, ctx) ?? enumEquality(expr.right, expr.op, expr.left, ctx);
      if (fast) return exact(fast);
      return atom(compareSql(ctx.value(expr.left), expr.op, ctx.value(expr.right)));
    }
  }
}

function and(a: Part, b: Part): Part {
  if (a.exact && b.exact) return exact(`(${a.val} AND ${b.val})`, orErr(a.err, b.err && `(${a.val} AND ${b.err})`));
  return inexact(`(${trueOf(a)} AND ${trueOf(b)})`, `(${falseOf(a)} OR (${trueOf(a)} AND ${falseOf(b)}))`);
}

function or(a: Part, b: Part): Part {
  if (a.exact && b.exact) return exact(`(${a.val} OR ${b.val})`, orErr(a.err, b.err && `((NOT ${a.val}) AND ${b.err})`));
  return inexact(`(${trueOf(a)} OR (${falseOf(a)} AND ${trueOf(b)}))`, `(${falseOf(a)} AND ${falseOf(b)})`);
}

function atom(b: SqlBool | undefined): Part {
  return b ? exact(b.val, b.err) : UNKNOWN;
}

/** A value standing alone: a boolean (an error when a converter returns anything else); spansift's bare path is true only when it is `true`. */
function bare(v: SqlValue, isPath: boolean): Part {
  switch (v.k) {
    case 'dyn': {
      const isTrue = `(${v.has} AND ${v.json ? `JSONType(${v.json}) = 'Bool' AND ` : ''}${v.str} = 'true')`;
      if (isPath) return atom({ val: isTrue, err: v.err });
      const notBool = v.json ? `NOT (${v.has} AND JSONType(${v.json}) = 'Bool')` : `NOT (${v.has} AND ${v.str} IN ('true', 'false'))`;
      return atom({ val: isTrue, err: orErr(v.err, notBool) });
    }
    case 'typed':
      if (v.t !== 'bool') return atom({ val: '0', err: isPath ? v.err : '1' });
      if (!v.nullable) return atom({ val: `(${v.sql})`, err: v.err });
      return atom({ val: `coalesce(${v.sql}, 0)`, err: isPath ? v.err : orErr(v.err, `isNull(${v.sql})`) });
    case 'nil':
      return atom({ val: '0', err: isPath ? v.err : '1' });
    default:
      return UNKNOWN;
  }
}

/** `kind == SPAN_KIND_SERVER` as `SpanKind = 'Server'`, which LowCardinality and indexes like. */
function enumEquality(left: ValueExpr, op: CompareOp, right: ValueExpr, ctx: SqlContext): string | undefined {
  if (op !== '==' && op !== '!=') return undefined;
  if (left.type !== 'path' || (left.path !== 'kind' && left.path !== 'status.code')) return undefined;
  if (right.type !== 'literal' || !(right.kind === 'int' || right.kind === 'enum' || right.kind === 'float')) return undefined;
  if (typeof right.value !== 'number' || !Number.isInteger(right.value)) return undefined;
  const column = left.path === 'kind' ? 'SpanKind' : 'StatusCode';
  return `(${column} ${op === '==' ? '=' : '!='} ${ctx.params.bind('String', storedEnumName(left.path, right.value))})`;
}

function boolOf(b: SqlBool | undefined): string | undefined {
  if (!b) return undefined;
  return b.err ? `(${b.val} AND NOT ${b.err})` : b.val;
}
