import type { Span } from '../../collector/model/span.js';
import { isConstant, type IndexExpr, type LiteralExpr, type MathExpr, type PathExpr, type ValueExpr } from './ast.js';
import type { StaticType } from './catalog.js';
import { FUNCTIONS } from './functions/registry.js';
import { math, negate } from './closure-math.js';
import { pathGetter, traceStateEntry } from './closure-paths.js';
import { typeOf } from './types.js';
import { EVAL_ERROR, boxed, durationOf, fail, kindOf, own, type Getter, type Value } from './values.js';

/**
 * Values compiled to getters over a live span. A getter returns the plain form of its
 * static type (see values.ts) and throws EVAL_ERROR where OTTL returns an error.
 */
export interface Compiled {
  get: Getter;
  type: StaticType;
}

export function compileValue(v: ValueExpr): Compiled {
  const type = typeOf(v);
  return { get: v.type !== 'literal' && isConstant(v) ? constant(getter(v)) : getter(v), type };
}

/** A value that reads nothing of the span is computed once (Duration("5s"), SHA256("x")). */
function constant(g: Getter): Getter {
  let value: Value;
  try {
    value = g(NO_SPAN);
  } catch (e) {
    if (e !== EVAL_ERROR && !(e instanceof RangeError)) throw e;
    return () => fail();
  }
  // Lists and maps are new each time, so nothing can change the shared one.
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) return g;
  return () => value;
}

const NO_SPAN = undefined as unknown as Span;

function getter(v: ValueExpr): Getter {
  switch (v.type) {
    case 'literal': {
      const value = literalValue(v);
      return () => value;
    }
    case 'path':
      return pathValue(v);
    case 'call': {
      const def = FUNCTIONS[v.name];
      const args = v.args.map((a) => ({ ...compileValue(a), expr: a }));
      const g = def.closure(args, v);
      return v.index.length ? indexInto(g, v.index, false) : g;
    }
    case 'list': {
      const items = v.items.map((i) => dynOf(i));
      return (s) => items.map((g) => g(s));
    }
    case 'map': {
      const entries = v.entries.map((e) => [e.key, dynOf(e.value)] as const);
      return (s) => {
        const out: Record<string, Value> = {};
        for (const [k, g] of entries) Object.defineProperty(out, k, { value: g(s), enumerable: true, writable: true, configurable: true });
        return out;
      };
    }
    case 'math':
      return mathGetter(v);
    case 'neg': {
      const c = compileValue(v.operand);
      return negate(c.type === 'dyn' ? boxed(c.type, c.get) : c.get);
    }
  }
}

/** A value in dyn form (times, durations and ids boxed), for lists, maps and generic comparison. */
export function dynOf(v: ValueExpr): Getter {
  const c = compileValue(v);
  return boxed(c.type, c.get);
}

/** The literal as the closure sees it: durations as bigint nanoseconds, nil as undefined. */
export function literalValue(l: LiteralExpr): Value {
  switch (l.kind) {
    case 'nil':
      return undefined;
    case 'duration':
      return BigInt(l.value);
    default:
      return l.value;
  }
}

function mathGetter(v: MathExpr): Getter {
  // end_time - start_time is the span's duration, which storage keeps (clamped at 0).
  if (v.op === '-' && v.left.type === 'path' && v.left.path === 'end_time' && v.right.type === 'path' && v.right.path === 'start_time') return durationOf;
  const a = compileValue(v.left);
  const b = compileValue(v.right);
  return math(v.op, a, b);
}

function pathValue(p: PathExpr): Getter {
  if (p.path === 'trace_state' && (p.key !== undefined || p.keyExpr)) {
    const key = keyGetter(p);
    return (s) => traceStateEntry(s.traceState, key(s));
  }
  if (p.key === undefined && !p.keyExpr) return pathGetter(p.path);
  const map = pathGetter(p.path) as (s: Span) => Record<string, Value>;
  let first: Getter;
  if (p.key !== undefined) {
    const key = p.key;
    first = (s) => own(map(s), key);
  } else {
    const key = keyGetter(p);
    first = (s) => own(map(s), key(s));
  }
  return p.index.length ? indexInto(first, p.index, true) : first;
}

function keyGetter(p: PathExpr): (s: Span) => string {
  if (p.key !== undefined) {
    const key = p.key;
    return () => key;
  }
  const k = dynOf(p.keyExpr!);
  return (s) => {
    const v = k(s);
    return typeof v === 'string' ? v : fail();
  };
}

/**
 * Indexing as OTTL does it: a map by a string key (a missing key is nil), a list by an int
 * within bounds; anything else is an error. Below a path, a missing value stops the walk
 * with nil, as OTTL's map access does.
 */
function indexInto(base: Getter, index: IndexExpr[], missingIsNil: boolean): Getter {
  const keys = index.map((i) => dynOf(i.key));
  return (s) => {
    let v = base(s);
    for (let i = 0; i < keys.length; i++) {
      if (v === undefined && (missingIsNil || i > 0)) return undefined;
      const k = keys[i](s);
      const kind = kindOf(v);
      if (kind === 'map' && typeof k === 'string') {
        v = own(v as Record<string, Value>, k);
      } else if (kind === 'list' && kindOf(k) === 'int') {
        const list = v as Value[];
        const n = Number(k);
        if (n < 0 || n >= list.length) fail();
        v = list[n];
      } else {
        fail();
      }
    }
    return v;
  };
}
