import type { Span } from '../../collector/model/span.js';
import { conditionValues, type BoolExpr, type LiteralExpr } from './ast.js';
import { compileClosure } from './compile-closure.js';
import { compileSql, type SqlWhere } from './compile-sql.js';
import { parseCondition } from './parser.js';
import { requiredEqualities, type RequiredEquality } from './required.js';

/**
 * The condition language of rules: OTTL's boolean expressions over a span. A condition is
 * compiled once, when the config loads, into a closure for live spans and a parameterised
 * WHERE clause for ClickHouse; see README.md for the language and how the two agree.
 */
export interface CompiledCondition {
  source: string;
  ast: BoolExpr;
  match: (span: Span) => boolean;
  sql: SqlWhere;
  /** Every literal of the condition, in source order (for display and tooling). */
  literals: LiteralExpr[];
  /** See `requiredEqualities`. */
  required: RequiredEquality[];
}

export interface CompileOptions {
  /** Prefix of bound parameter names, so several conditions can share one query. Default `p`. */
  paramPrefix?: string;
}

/** Throws ConditionError (with code, line and column) when the text is not a valid condition. */
export function compileCondition(text: string, options: CompileOptions = {}): CompiledCondition {
  const ast = parseCondition(text);
  return {
    source: text,
    ast,
    match: compileClosure(ast),
    sql: compileSql(ast, options),
    literals: literalsOf(ast),
    required: requiredEqualities(ast),
  };
}

export function literalsOf(ast: BoolExpr): LiteralExpr[] {
  const out: LiteralExpr[] = [];
  for (const v of conditionValues(ast)) if (v.type === 'literal' && v.end > v.start) out.push(v);
  return out.sort((a, b) => a.start - b.start);
}

export type { BoolExpr, CompareOp, Literal, LiteralExpr, PathName, ValueExpr } from './ast.js';
export { ConditionError, type ConditionErrorCode } from './errors.js';
export { parseCondition } from './parser.js';
export { tokenize, type Token } from './lexer.js';
export { compileClosure, type Predicate } from './compile-closure.js';
export { compileSql, type SqlWhere } from './compile-sql.js';
export { requiredEqualities, pathValue, pathReader, type RequiredEquality } from './required.js';
export { ottlExtensions, type Extension } from './extensions.js';
export { reviveStored } from './stored.js';
export { searchWhere } from './search.js';
export type { Value } from './values.js';
