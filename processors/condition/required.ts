import type { Span } from '../../collector/model/span.js';
import type { BoolExpr, LiteralExpr, PathExpr, PathName, ValueExpr } from './ast.js';
import { PATHS } from './catalog.js';
import { pathGetter } from './closure-paths.js';
import { own, type Value } from './values.js';

/**
 * Equalities a span must satisfy for a condition to have any chance of matching, so a rules
 * engine can bucket rules by (path, key, value) and evaluate only the candidates for a span.
 */
export interface RequiredEquality {
  path: Exclude<PathName, 'events' | 'links'>;
  /** Set for `attributes`, `resource.attributes` and `instrumentation_scope.attributes`. */
  key?: string;
  /**
   * The literal as the closure sees it: enums are numbers, integers beyond 2^53 are bigint
   * (as decoded attribute values are), times and durations bigint nanoseconds, so
   * SameValueZero lookups (`Map.get(pathValue(...))`) agree with `==`. A number attribute
   * 5 equals the literal 5.0.
   */
  value: string | number | bigint | boolean;
}

/**
 * Only conjuncts of the top-level `and` count (or the whole condition when it is a single
 * comparison). Under `or` or `not` nothing is required, so those contribute nothing; a
 * condition with no required equality must be evaluated for every span. A conjunct that
 * can fail (a converter) never contributes, but an equality of a plain path is only true
 * when the path has that value, whatever fails elsewhere.
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
      if (v.type === 'path' && indexable(v) && v.key !== undefined) out.push({ path: v.path as RequiredEquality['path'], key: v.key, value: true });
      return;
    }
    default:
      return;
  }
}

/** A path read directly: no computed key, no index into the value, not a trace state entry. */
function indexable(p: PathExpr): boolean {
  const info = PATHS[p.path];
  if (p.path === 'events' || p.path === 'links' || p.keyExpr || p.index.length) return false;
  if (info.keyed === 'entries') return p.key === undefined;
  if (info.keyed === 'map') return p.key !== undefined;
  return true;
}

function equality(path: ValueExpr, lit: ValueExpr): RequiredEquality | undefined {
  if (path.type !== 'path' || lit.type !== 'literal' || !indexable(path)) return undefined;
  let value = literalKey(lit);
  if (value === undefined) return undefined;
  // These paths read as bigint nanoseconds, and a Map would not find 5n under 5.
  const t = PATHS[path.path].type;
  if (t === 'time' || t === 'duration') {
    if (typeof value === 'number' && Number.isInteger(value)) value = BigInt(value);
    else if (typeof value !== 'bigint') return undefined;
  }
  const p = path.path as RequiredEquality['path'];
  return path.key === undefined ? { path: p, value } : { path: p, key: path.key, value };
}

function literalKey(lit: LiteralExpr): RequiredEquality['value'] | undefined {
  if (lit.kind === 'nil' || lit.kind === 'bytes') return undefined;
  return lit.value as RequiredEquality['value'];
}

/**
 * The span's value for an equality's path, read exactly as the compiled closure reads it
 * (`undefined` when an attribute is missing, bigint for durations and timestamps).
 */
export function pathValue(span: Span, eq: Pick<RequiredEquality, 'path' | 'key'>): Value {
  return pathReader(eq)(span);
}

/** `pathValue` without the per-call setup, for an engine that reads the same paths per span. */
export function pathReader(eq: Pick<RequiredEquality, 'path' | 'key'>): (span: Span) => Value {
  const g = pathGetter(eq.path);
  if (eq.key === undefined) return g;
  const key = eq.key;
  return (s) => own(g(s) as Record<string, unknown>, key);
}
