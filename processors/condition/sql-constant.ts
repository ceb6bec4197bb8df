import type { AttrValue, Span } from '../../collector/model/span.js';
import { attrToString } from '../../collector/model/attributes.js';
import type { ValueExpr } from './ast.js';
import { compileValue } from './closure-values.js';
import { NIL, OPAQUE, typed, type SqlContext, type SqlValue } from './sql-model.js';
import { EVAL_ERROR } from './values.js';

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
  const p = ctx.params;
  switch (c.type) {
    case 'string':
      return typeof value === 'string' ? typed('string', p.bind('String', value)) : OPAQUE;
    case 'int':
    case 'time':
    case 'duration':
      return typed(c.type, p.bind('Int64', value as number | bigint));
    case 'float':
      return Number.isFinite(value) ? typed('float', p.bind('Float64', value as number)) : OPAQUE;
    case 'bool':
      return typed('bool', p.bind('Bool', value as boolean));
    case 'bytes':
      return typed('bytes', `unhex(${p.bind('String', Buffer.from(value as Uint8Array).toString('hex'))})`);
    case 'traceid':
    case 'spanid':
      return typed(c.type, p.bind('String', value as string));
    case 'list':
    case 'map': {
      // A constant list or map compares with a stored one by its JSON text, written the way storage writes it.
      if (!plainData(value)) return OPAQUE;
      const text = p.bind('String', attrToString(value as AttrValue));
      return { k: 'dyn', json: text, str: text, has: '1' };
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
