import type { Span } from '../../collector/model/span.js';
import type { BoolExpr, LiteralExpr, ValueExpr } from './ast.js';
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
  const value = (v: ValueExpr): void => {
    if (v.type === 'literal') out.push(v);
    else if (v.type === 'call') v.args.forEach(value);
  };
  const walk = (e: BoolExpr): void => {
    switch (e.type) {
      case 'and':
      case 'or':
        e.operands.forEach(walk);
        return;
      case 'not':
        walk(e.operand);
        return;
      case 'bare':
        value(e.value);
        return;
      case 'compare':
        value(e.left);
        value(e.right);
    }
  };
  walk(ast);
  return out;
}

export type { BoolExpr, CompareOp, FunctionName, Literal, LiteralExpr, PathName, ValueExpr } from './ast.js';
export { ConditionError, type ConditionErrorCode } from './errors.js';
export { parseCondition } from './parser.js';
export { tokenize, type Token } from './lexer.js';
export { compileClosure, type Predicate } from './compile-closure.js';
export { compileSql, type SqlWhere } from './compile-sql.js';
export { requiredEqualities, pathValue, pathReader, type RequiredEquality } from './required.js';
export type { Value } from './values.js';
