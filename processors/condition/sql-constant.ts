import type { AttrValue, Span } from '../../collector/model/span.js';
import { attrToString } from '../../collector/model/attributes.js';
import type { ValueExpr } from './ast.js';
import { compileValue } from './closure-values.js';
import { NIL, OPAQUE, typed, type SqlContext, type SqlValue } from './sql-model.js';
import type { StaticType } from './catalog.js';
import { fitsInt64 } from './numbers.js';
import { EVAL_ERROR, kindOf } from './values.js';

/**
 * A value that reads nothing of the span (`ConvertCase("myMetric", "snake")`) is computed
 * once by the closure backend and bound as a parameter, so SQL gets it exactly whatever
 * converter made it.
 */
const NO_SPAN = undefined as unknown as Span;

export function constantSql(v: ValueExpr, ctx: SqlContext): SqlValue {
  const c = compileValue(v);
  let value: unknown;
  try {
    value = c.get(NO_SPAN);
  } catch (e) {
    if (e === EVAL_ERROR || e instanceof RangeError) return typed('int', '0', false, '1');
    throw e;
  }
  if (value === undefined || value === null) return NIL;
  return bindConstant(c.type, value, ctx);
}

/** A computed value as a bound parameter of its type; a dyn value (an index into a computed map) by its run-time type. */
function bindConstant(type: StaticType, value: unknown, ctx: SqlContext): SqlValue {
  const p = ctx.params;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? typed('string', p.bind('String', value)) : OPAQUE;
    case 'int':
    case 'time':
    case 'duration':
      // Time() reads dates out of the Int64 nanosecond range that storage keeps.
      return fitsInt64(BigInt(value as number | bigint)) ? typed(type, p.bind('Int64', value as number | bigint)) : OPAQUE;
    case 'float':
      return Number.isFinite(value) ? typed('float', p.bind('Float64', value as number)) : OPAQUE;
    case 'bool':
      return typed('bool', p.bind('Bool', value as boolean));
    case 'bytes':
      return typed('bytes', `unhex(${p.bind('String', Buffer.from(value as Uint8Array).toString('hex'))})`);
    case 'traceid':
    case 'spanid':
      return typed(type, p.bind('String', value as string));
    case 'list':
    case 'map': {
      // A constant list or map compares with a stored one by its JSON text, written the way storage writes it.
      if (!plainData(value)) return OPAQUE;
      const text = p.bind('String', attrToString(value as AttrValue));
      return { k: 'dyn', json: text, str: text, has: '1' };
    }
    case 'dyn': {
      const k = kindOf(value);
      return k === 'string' || k === 'int' || k === 'float' || k === 'bool' || k === 'list' || k === 'map' ? bindConstant(k, value, ctx) : OPAQUE;
    }
    default:
      return OPAQUE;
  }
}

/** Strings, numbers, booleans, nil, and lists and maps of them: what an attribute can hold. */
function plainData(v: unknown): boolean {
  if (v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v)) return typeof v !== 'number' || Number.isFinite(v);
  if (Array.isArray(v)) return v.every(plainData);
  if (typeof v === 'object' && !(v instanceof Uint8Array) && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(plainData);
  return false;
}
