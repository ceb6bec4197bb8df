import { floatLike, parseGoFloat, toBool, toDouble, toInt } from '../convert.js';
import { dynFloat, dynInt, dynIs, dynNot, dynSwitch, type DynKind } from '../sql-dyn.js';
import { textOf } from '../sql-convert.js';
import { NIL, OPAQUE, orErr, typed, type SqlValue, type Typed } from '../sql-model.js';
import { stringLike } from '../text.js';
import { DurationValue, IdValue, fail, kindOf, type Kind, type Value } from '../values.js';
import { dynGetter, type FunctionDef } from './define.js';

/** Type tests and conversions: IsString and friends, Int, Double, String, Bool, Len, Log, Hex. */
const one = (name = 'value'): FunctionDef['params'] => [{ name, kind: 'value' }];

const STATIC_KIND: Record<string, Kind> = { string: 'string', int: 'int', float: 'float', bool: 'bool', list: 'list', map: 'map', bytes: 'bytes' };

function isKind(kind: Kind & DynKind): FunctionDef {
  return {
    params: one(),
    returns: 'bool',
    closure: ([v]) => {
      const g = dynGetter(v);
      // A statically typed value keeps its type even where its run-time form is ambiguous (2.0).
      if (STATIC_KIND[v.type]) {
        const same = STATIC_KIND[v.type] === kind;
        return (s) => same && kindOf(g(s)) !== 'nil';
      }
      return (s) => kindOf(g(s)) === kind;
    },
    sql: ([v]) => {
      if (v.k === 'dyn') return typed('bool', dynIs(v, kind));
      if (v.k !== 'typed') return typed('bool', '0');
      if (STATIC_KIND[v.t] !== kind) return typed('bool', '0');
      return typed('bool', v.nullable ? `isNotNull(${v.sql})` : '1');
    },
  };
}

const FLOAT_TEXT = `'^[+-]?([0-9]+\\\\.?[0-9]*|\\\\.[0-9]+)([eE][+-]?[0-9]+)?$'`;

/** strconv.ParseFloat in SQL: decimal text (NULL when out of range), Inf and NaN. */
function parseFloatSql(s: string): string {
  const n = `toFloat64OrNull(${s})`;
  return `multiIf(match(${s}, ${FLOAT_TEXT}), if(isFinite(${n}), ${n}, NULL), match(${s}, '^[+-]?(?i:inf|infinity)$'), if(startsWith(${s}, '-'), -inf, inf), match(${s}, '^[+-]?(?i:nan)$'), nan, NULL)`;
}

/** Go's int64(f). */
function truncSql(f: string): string {
  return `if(isFinite(${f}) AND ${f} >= -9223372036854775808. AND ${f} < 9223372036854775808., toInt64(trunc(${f})), toInt64(-9223372036854775808))`;
}

const GO_INT = `'^[+-]?[0-9]+$'`;
const TRUE_SQL = "('1', 't', 'T', 'TRUE', 'true', 'True')";
const FALSE_SQL = "('0', 'f', 'F', 'FALSE', 'false', 'False')";

function intSql(v: SqlValue): SqlValue {
  if (v.k === 'dyn') {
    const s = v.str;
    return typed('int', dynSwitch(v, { int: dynInt(v), float: truncSql(dynFloat(v)), bool: `toInt64(${s} = 'true')`, string: `if(match(${s}, ${GO_INT}), toInt64OrNull(${s}), NULL)` }, 'NULL'), true);
  }
  if (v.k !== 'typed') return v.k === 'nil' ? NIL : OPAQUE;
  const n = v.nullable;
  switch (v.t) {
    case 'int':
      return v;
    case 'float':
      return typed('int', truncSql(v.sql), n);
    case 'bool':
      return typed('int', `toInt64(${v.sql})`, n);
    case 'string':
      return typed('int', `if(match(${v.sql}, ${GO_INT}), toInt64OrNull(${v.sql}), NULL)`, true);
    default:
      return NIL;
  }
}

function doubleSql(v: SqlValue): SqlValue {
  if (v.k === 'dyn') {
    return typed('float', dynSwitch(v, { int: dynFloat(v), float: dynFloat(v), bool: `toFloat64(${v.str} = 'true')`, string: parseFloatSql(v.str) }, 'NULL'), true);
  }
  if (v.k !== 'typed') return v.k === 'nil' ? NIL : OPAQUE;
  switch (v.t) {
    case 'float':
      return v;
    case 'int':
    case 'bool':
      return typed('float', `toFloat64(${v.sql})`, v.nullable);
    case 'string':
      return typed('float', parseFloatSql(v.sql), true);
    default:
      return NIL;
  }
}

function boolSql(v: SqlValue): SqlValue {
  if (v.k === 'dyn') {
    const s = v.str;
    const parse = `multiIf(${s} IN ${TRUE_SQL}, 1, ${s} IN ${FALSE_SQL}, 0, NULL)`;
    return typed('bool', dynSwitch(v, { bool: `${s} = 'true'`, int: `${dynFloat(v)} != 0`, float: `${dynFloat(v)} != 0`, string: parse }, 'NULL'), true);
  }
  if (v.k !== 'typed') return v.k === 'nil' ? NIL : OPAQUE;
  switch (v.t) {
    case 'bool':
      return v;
    case 'int':
    case 'float':
      return typed('bool', `(${v.sql} != 0)`, v.nullable);
    case 'string':
      return typed('bool', `multiIf(${v.sql} IN ${TRUE_SQL}, 1, ${v.sql} IN ${FALSE_SQL}, 0, NULL)`, true);
    default:
      return NIL;
  }
}

function lenSql(v: SqlValue): SqlValue {
  if (v.k === 'events') return typed('int', `toInt64(length(${v.sql}))`);
  if (v.k === 'nil') return typed('int', '0', false, '1');
  if (v.k === 'dyn') {
    const len = dynSwitch(v, { string: `length(${v.str})`, list: `JSONLength(${v.json ?? v.str})`, map: `JSONLength(${v.json ?? v.str})` }, '0');
    return typed('int', `toInt64(${len})`, false, dynNot(v, ['string', 'list', 'map']));
  }
  if (v.k !== 'typed') return OPAQUE;
  const err = v.nullable ? `isNull(${v.sql})` : undefined;
  switch (v.t) {
    case 'string':
    case 'bytes':
      return typed('int', `toInt64(length(${v.sql}))`, false, err);
    case 'list':
      return typed('int', `toInt64(length(${v.sql}))`, false, err);
    case 'map':
      return typed('int', v.repr === 'column' ? `toInt64(length(${v.sql}))` : `toInt64(JSONLength(${v.sql}))`, false, err);
    default:
      return typed('int', '0', false, '1');
  }
}

/** OTTL's Len: UTF-8 bytes of a string (Go's len), elements of a list or map, bytes of a byte value. */
function lengthOf(v: Value): number {
  switch (kindOf(v)) {
    case 'string':
      return Buffer.byteLength(v as string, 'utf8');
    case 'list':
    case 'bytes':
      return (v as unknown[]).length;
    case 'map':
      return Object.keys(v as object).length;
    default:
      return fail();
  }
}

/** ByteSliceLikeGetter: int64 and float64 as 8 big-endian bytes, bool as one byte, text as its UTF-8. */
function bytesLike(v: Value): Uint8Array | undefined {
  const b = Buffer.alloc(8);
  switch (kindOf(v)) {
    case 'nil':
      return v instanceof Uint8Array ? v : undefined;
    case 'bytes':
      return v as Uint8Array;
    case 'string':
      return Buffer.from(v as string, 'utf8');
    case 'int':
      b.writeBigInt64BE(BigInt(v as number | bigint));
      return b;
    case 'float':
      b.writeDoubleBE(v as number);
      return b;
    case 'bool':
      return Uint8Array.of(v ? 1 : 0);
    default:
      return fail();
  }
}

const INT_BYTES = (x: string) => `unhex(leftPad(hex(${x}), 16, '0'))`;
const FLOAT_BYTES = (x: string) => `unhex(leftPad(hex(reinterpretAsUInt64(${x})), 16, '0'))`;

function hexSql(v: SqlValue): SqlValue {
  if (v.k === 'dyn') {
    if (v.json) return OPAQUE;
    const s = v.str;
    const bytes = dynSwitch(v, { string: s, int: INT_BYTES(`toInt64(${s})`), float: FLOAT_BYTES(`toFloat64(${s})`), bool: `unhex(if(${s} = 'true', '01', '00'))` }, 'NULL');
    return typed('bytes', bytes, true, `(${v.has} AND ${dynNot(v, ['string', 'int', 'float', 'bool'])})`);
  }
  if (v.k !== 'typed') return v.k === 'nil' ? NIL : OPAQUE;
  const n = v.nullable;
  switch (v.t) {
    case 'bytes':
    case 'string':
      return typed('bytes', v.sql, n);
    case 'int':
      return typed('bytes', INT_BYTES(v.sql), n);
    case 'float':
      return typed('bytes', FLOAT_BYTES(v.sql), n);
    case 'bool':
      return typed('bytes', `unhex(if(${v.sql}, '01', '00'))`, n);
    default:
      return typed('bytes', "''", false, '1');
  }
}

function isEmpty(v: Value): boolean {
  switch (kindOf(v)) {
    case 'nil':
      return true;
    case 'string':
      return v === '';
    case 'int':
    case 'float':
      return v == 0;
    case 'bool':
      return v === false;
    case 'list':
      return (v as unknown[]).length === 0;
    case 'map':
      return Object.keys(v as object).length === 0;
    case 'duration':
      return (v as DurationValue).ns === 0n;
    case 'traceid':
    case 'spanid':
      return /^0*$/.test((v as IdValue).hex);
    default:
      return false;
  }
}

function convert(returns: 'int' | 'float' | 'bool' | 'string', f: (v: Value) => Value, sql: (v: SqlValue) => SqlValue): FunctionDef {
  return {
    params: one(),
    returns,
    closure: ([v]) => {
      const g = dynGetter(v);
      return (s) => f(g(s));
    },
    sql: ([v]) => sql(v),
  };
}

export const TYPE_FUNCTIONS: Record<string, FunctionDef> = {
  IsString: isKind('string'),
  IsBool: isKind('bool'),
  IsInt: isKind('int'),
  IsDouble: isKind('float'),
  IsMap: isKind('map'),
  IsList: isKind('list'),
  IsEmpty: {
    params: one(),
    returns: 'bool',
    closure: ([v]) => {
      const g = dynGetter(v);
      return (s) => isEmpty(g(s));
    },
    sql: ([v]) => {
      if (v.k === 'nil') return typed('bool', '1');
      if (v.k === 'dyn') {
        const empty = dynSwitch(v, { nil: '1', string: `${v.str} = ''`, int: `${v.str} = '0'`, float: `${dynFloat(v)} = 0`, bool: `${v.str} = 'false'`, list: `JSONLength(${v.json ?? v.str}) = 0`, map: `JSONLength(${v.json ?? v.str}) = 0` }, '0');
        return typed('bool', empty);
      }
      if (v.k !== 'typed') return OPAQUE;
      const zero: Partial<Record<Typed['t'], string>> = { string: "''", int: '0', float: '0', bool: '0', duration: '0' };
      const test = v.t === 'list' ? `empty(${v.sql})` : v.t === 'map' ? (v.repr === 'column' ? `empty(${v.sql})` : `JSONLength(${v.sql}) = 0`) : v.t === 'traceid' || v.t === 'spanid' ? `match(${v.sql}, '^0*$')` : zero[v.t] ? `${v.sql} = ${zero[v.t]}` : v.t === 'bytes' ? `${v.sql} = ''` : '0';
      return typed('bool', v.nullable ? `(isNull(${v.sql}) OR coalesce(${test}, 0))` : test);
    },
  },
  Int: convert('int', toInt, intSql),
  Double: convert('float', toDouble, doubleSql),
  Bool: convert('bool', toBool, boolSql),
  String: convert('string', stringLike, (v) => textOf(v)),
  Len: {
    params: [{ name: 'target', kind: 'events' }],
    returns: 'int',
    errors: true,
    closure: ([v]) => {
      if (v.expr.type === 'path' && v.expr.path === 'events') return (s) => s.events.length;
      if (v.expr.type === 'path' && v.expr.path === 'links') return (s) => s.links.length;
      const g = dynGetter(v);
      return (s) => lengthOf(g(s));
    },
    sql: ([v]) => lenSql(v),
  },
  Log: {
    params: one('target'),
    returns: 'float',
    errors: true,
    closure: ([v]) => {
      const g = dynGetter(v);
      return (s) => {
        const f = floatLike(g(s));
        if (f === undefined || !(f > 0)) fail();
        return Math.log(f);
      };
    },
    sql: ([v]) => {
      const f = doubleSql(v);
      if (f.k !== 'typed') return f.k === 'nil' ? typed('float', '0', false, '1') : OPAQUE;
      const fails = v.k === 'dyn' ? dynNot(v, ['int', 'float', 'bool', 'string']) : undefined;
      return typed('float', `log(${f.sql})`, false, orErr(`coalesce(NOT (${f.sql} > 0), 1)`, fails));
    },
  },
  Hex: {
    params: one('target'),
    returns: 'bytes',
    errors: true,
    closure: ([v]) => {
      const g = dynGetter(v);
      if (v.type === 'float') {
        return (s) => {
          const f = g(s);
          if (f === undefined || f === null) return undefined;
          const b = Buffer.alloc(8);
          b.writeDoubleBE(f as number);
          return b;
        };
      }
      return (s) => bytesLike(g(s));
    },
    sql: ([v]) => hexSql(v),
  },
};

export { parseGoFloat };
