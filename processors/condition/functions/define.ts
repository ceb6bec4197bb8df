import type { CallExpr, LiteralExpr, ValueExpr } from '../ast.js';
import type { StaticType } from '../catalog.js';
import type { SqlContext, SqlValue } from '../sql-model.js';
import type { Getter } from '../values.js';
import { boxed } from '../values.js';

/**
 * How a converter is described once for the parser, the type checker and both backends.
 * Arguments reach `closure` compiled (a getter and its static type) and `sql` compiled to
 * SQL values; a converter without `sql`, or whose `sql` returns an opaque value, is answered
 * in search and backfill by a coarse SQL prefilter plus the closure.
 */
export interface Param {
  /** The snake_case name OTTL accepts for a named argument. */
  name: string;
  /** `value`: any value; `string`/`int`/`bool`: a literal of that type; `pattern`: a literal RE2 regex; `list`: a list. */
  kind: 'value' | 'string' | 'int' | 'bool' | 'pattern' | 'list' | 'events';
  /** An optional parameter's default when it is left out. */
  default?: LiteralExpr['value'];
}

export interface Arg {
  get: Getter;
  type: StaticType;
  expr: ValueExpr;
}

export interface FunctionDef {
  params: Param[];
  /** The static type of the result (it may still be nil at run time). */
  returns: StaticType | ((args: ValueExpr[]) => StaticType);
  /** Compile-time checks of literal arguments; `fail(i, reason)` reports at argument i. */
  check?: (args: ValueExpr[], fail: (i: number, reason: string) => never) => void;
  closure: (args: Arg[], call: CallExpr) => Getter;
  sql?: (args: SqlValue[], call: CallExpr, ctx: SqlContext) => SqlValue;
  /** True when the converter can return an OTTL error at run time. */
  errors?: boolean;
  /** For spansift's own functions: what `validate --strict-ottl` says about them. */
  extension?: string;
}

/** The literal value of an argument, when it is one. */
export function literalOf(v: ValueExpr | undefined): LiteralExpr['value'] | undefined {
  return v?.type === 'literal' ? v.value : undefined;
}

export function stringArg(v: ValueExpr | undefined): string {
  const lit = literalOf(v);
  return typeof lit === 'string' ? lit : '';
}

/** The argument in its dyn form (times, durations and ids boxed), for OTTL's type-switching getters. */
export function dynGetter(a: Arg): Getter {
  return boxed(a.type, a.get);
}

/** The literal string of parameter `i` (its default when left out). */
export function literalString(call: CallExpr, i: number): string {
  return stringArg(call.args[i]);
}
