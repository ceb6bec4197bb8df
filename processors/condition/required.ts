import type { Span } from '../../collector/model/span.js';
import type { BoolExpr, LiteralExpr, PathName, ValueExpr } from './ast.js';
import { pathGetter, type Value } from './values.js';

/**
 * Equalities a span must satisfy for a condition to have any chance of matching, so a rules
 * engine can bucket rules by (path, key, value) and evaluate only the candidates for a span.
 */
export interface RequiredEquality {
  path: Exclude<PathName, 'events'>;
  /** Set for `attributes` and `resource.attributes`. */
  key?: string;
  /**
   * The literal as the closure sees it: enums and durations are numbers, integers beyond
   * 2^53 are bigint (as decoded attribute values are), so SameValueZero lookups
   * (`Map.get(pathValue(...))`) agree with `==`. A number attribute 5 equals the literal 5.0.
   */
  value: string | number | bigint | boolean;
}

/**
 * Only conjuncts of the top-level `and` count (or the whole condition when it is a single
 * comparison). Under `or` or `not` nothing is required, so those contribute nothing; a
 * condition with no required equality must be evaluated for every span.
 */
export function requiredEqualities(ast: BoolExpr): RequiredEquality[] {
  const out: RequiredEquality[] = [];
  collect(ast, out);
  return out;
}

function collect(e: BoolExpr, out: RequiredEquality[]): void {
  switch (e.type) {
    case 'and':
      for (const o of e.operands) collect(o, out);
      return;
    case 'compare': {
      if (e.op !== '==') return;
      const eq = equality(e.left, e.right) ?? equality(e.right, e.left);
      if (eq) out.push(eq);
      return;
    }
    case 'bare': {
      // A bare attribute is a condition only when it is the boolean true.
      const v = e.value;
      if (v.type === 'path' && v.path !== 'events' && v.key !== undefined) out.push({ path: v.path, key: v.key, value: true });
      return;
    }
    default:
      return;
  }
}

function equality(path: ValueExpr, lit: ValueExpr): RequiredEquality | undefined {
  if (path.type !== 'path' || path.path === 'events' || lit.type !== 'literal') return undefined;
  let value = literalKey(lit);
  if (value === undefined) return undefined;
  // These paths read as bigint nanoseconds, and a Map would not find 5n under 5.
  if (BIGINT_PATHS.has(path.path) && typeof value === 'number' && Number.isInteger(value)) value = BigInt(value);
  return path.key === undefined ? { path: path.path, value } : { path: path.path, key: path.key, value };
}

const BIGINT_PATHS = new Set<PathName>(['duration', 'start_time', 'end_time']);

function literalKey(lit: LiteralExpr): RequiredEquality['value'] | undefined {
  return lit.kind === 'nil' ? undefined : lit.value;
}

/**
 * The span's value for an equality's path, read exactly as the compiled closure reads it
 * (`undefined` when an attribute is missing, bigint for durations and timestamps).
 */
export function pathValue(span: Span, eq: Pick<RequiredEquality, 'path' | 'key'>): Value {
  return pathGetter(eq.path, eq.key)(span);
}

/** `pathValue` without the per-call setup, for an engine that reads the same paths per span. */
export function pathReader(eq: Pick<RequiredEquality, 'path' | 'key'>): (span: Span) => Value {
  return pathGetter(eq.path, eq.key);
}
