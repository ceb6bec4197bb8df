import { BlockList, isIP } from 'node:net';
import type { ValueExpr } from '../ast.js';
import { strictInt, strictString } from '../convert.js';
import { dynIs, jsonDyn } from '../sql-dyn.js';
import { strictString as strictStringSql } from '../sql-convert.js';
import { OPAQUE, orErr, typed, type SqlContext, type SqlValue, type Typed } from '../sql-model.js';
import { stringLike } from '../text.js';
import { UNORDERED_EQUAL, compareStrings, compareValues, fail, kindOf, type Value } from '../values.js';
import { dynGetter, literalString, type FunctionDef } from './define.js';

/** Converters over lists and maps, JSON, and the remaining checks on text (CIDR, Luhn, ParseInt). */
function equalsOTTL(a: Value, b: Value): boolean {
  const c = compareValues(a, b);
  return c === 0 || c === UNORDERED_EQUAL;
}

/** The elements of a list in SQL as an array expression and how to read one (`__e`). */
function elements(v: SqlValue): { arr: string; elem: SqlValue; err?: string } | undefined {
  const e = '__e';
  if (v.k === 'dyn') {
    const src = v.json ?? v.str;
    return { arr: `JSONExtractArrayRaw(${src})`, elem: jsonDyn(e, '1'), err: `NOT ${dynIs(v, 'list')}` };
  }
  if (v.k !== 'typed' || v.t !== 'list') return undefined;
  const err = v.nullable ? `isNull(${v.sql})` : undefined;
  if (v.elem === 'string') return { arr: v.sql, elem: typed('string', e), err };
  return { arr: v.sql, elem: jsonDyn(e, '1'), err };
}

function containsSql(target: SqlValue, item: SqlValue, call: ValueExpr, ctx: SqlContext): SqlValue {
  if (call.type === 'list') {
    const tests = call.items.map((i) => ctx.compare(ctx.value(i), '==', item));
    if (tests.some((t) => t === undefined)) return OPAQUE;
    return typed('bool', tests.length ? `(${tests.join(' OR ')})` : '0');
  }
  const list = elements(target);
  if (!list) return OPAQUE;
  const test = ctx.compare(list.elem, '==', item);
  if (test === undefined) return OPAQUE;
  return typed('bool', `arrayExists(__e -> ${test}, ${list.arr})`, false, list.err);
}

/** Go's sort for Sort(): numbers as numbers (ints meeting floats as doubles), anything else by its text. */
function sortList(items: Value[], desc: boolean): Value[] {
  const kinds = new Set(items.map(kindOf));
  for (const k of kinds) if (!['int', 'float', 'string', 'bool'].includes(k)) fail();
  const numeric = [...kinds].every((k) => k === 'int' || k === 'float');
  const copy = [...items];
  if (numeric) copy.sort((a, b) => Number(a) - Number(b) || compareValues(a, b) || 0);
  else copy.sort((a, b) => compareStrings(stringLike(a) ?? '', stringLike(b) ?? ''));
  return desc ? copy.reverse() : copy;
}

/** strconv.ParseInt(s, base, 64), undefined where Go returns an error. */
export function parseIntBase(s: string, base: number): number | bigint | undefined {
  let t = s;
  let sign = 1n;
  if (t.startsWith('+') || t.startsWith('-')) {
    if (t[0] === '-') sign = -1n;
    t = t.slice(1);
  }
  let b = base;
  let underscores = false;
  if (base === 0) {
    underscores = true;
    b = 10;
    const p = t.slice(0, 2).toLowerCase();
    if (p === '0x' || p === '0b' || p === '0o') {
      b = { '0x': 16, '0b': 2, '0o': 8 }[p]!;
      t = t.slice(2);
      if (t.startsWith('_')) t = t.slice(1);
    } else if (t.length > 1 && t[0] === '0') {
      b = 8;
      t = t.slice(1);
    }
  } else if (base < 2 || base > 36) {
    return undefined;
  }
  if (underscores) {
    if (/^_|_$|__/.test(t)) return undefined;
    t = t.replace(/_/g, '');
  }
  if (t === '') return undefined;
  let v = 0n;
  for (const c of t.toLowerCase()) {
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= b) return undefined;
    v = v * BigInt(b) + BigInt(d);
  }
  v *= sign;
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) return undefined;
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function cidrList(expr: ValueExpr): BlockList | string {
  if (expr.type !== 'list') return 'the networks must be a list of CIDR strings';
  const list = new BlockList();
  for (const item of expr.items) {
    if (item.type !== 'literal' || item.kind !== 'string') return 'each network must be a string literal such as "10.0.0.0/8"';
    const [net, bits] = item.value.split('/');
    const family = isIP(net);
    const prefix = Number(bits);
    if (!family || !/^\d+$/.test(bits ?? '') || prefix > (family === 4 ? 32 : 128)) return `invalid CIDR ${JSON.stringify(item.value)}`;
    list.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

export const COLLECTION_FUNCTIONS: Record<string, FunctionDef> = {
  ContainsValue: {
    params: [{ name: 'target', kind: 'list' }, { name: 'item', kind: 'value' }],
    returns: 'bool',
    errors: true,
    closure: ([target, item]) => {
      const t = dynGetter(target);
      const x = dynGetter(item);
      return (s) => {
        const list = t(s);
        if (!Array.isArray(list)) fail();
        const v = x(s);
        return list.some((e) => equalsOTTL(e, v));
      };
    },
    sql: ([target, item], call, ctx) => containsSql(target, item, call.args[0], ctx),
  },
  Index: {
    params: [{ name: 'target', kind: 'value' }, { name: 'value', kind: 'value' }],
    returns: 'int',
    errors: true,
    closure: ([target, value]) => {
      const t = dynGetter(target);
      const x = dynGetter(value);
      return (s) => {
        const v = t(s);
        if (typeof v === 'string') {
          const i = v.indexOf(strictString(x(s)));
          return i < 0 ? -1 : Buffer.byteLength(v.slice(0, i), 'utf8');
        }
        if (!Array.isArray(v)) fail();
        const item = x(s);
        return v.findIndex((e) => equalsOTTL(e, item));
      };
    },
    sql: ([target, value], _call, ctx) => {
      const list = target.k === 'typed' && target.t === 'list' ? elements(target) : undefined;
      if (list) {
        const test = ctx.compare(list.elem, '==', value);
        return test === undefined ? OPAQUE : typed('int', `(toInt64(arrayFirstIndex(__e -> ${test}, ${list.arr})) - 1)`, false, list.err);
      }
      const sub = strictStringSql(value);
      if (target.k === 'dyn' && sub.k === 'typed') {
        const d = target;
        const asList = elements(d)!;
        const inList = ctx.compare(asList.elem, '==', value);
        if (inList === undefined) return OPAQUE;
        const idx = `multiIf(${dynIs(d, 'string')}, toInt64(position(${d.str}, ${sub.sql})) - 1, ${dynIs(d, 'list')}, toInt64(arrayFirstIndex(__e -> ${inList}, ${asList.arr})) - 1, 0)`;
        const notString = sub.err ? `(${dynIs(d, 'string')} AND ${sub.err})` : undefined;
        return typed('int', idx, false, orErr(`NOT (${dynIs(d, 'string')} OR ${dynIs(d, 'list')})`, notString));
      }
      const s = strictStringSql(target);
      if (s.k === 'opaque' || sub.k === 'opaque') return OPAQUE;
      return typed('int', `(toInt64(position(${s.sql}, ${sub.sql})) - 1)`, false, orErr(s.err, sub.err));
    },
  },
  Keys: {
    params: [{ name: 'target', kind: 'value' }],
    returns: 'list',
    errors: true,
    closure: ([target]) => {
      const g = dynGetter(target);
      return (s) => {
        const m = g(s);
        return kindOf(m) === 'map' ? Object.keys(m as object) : fail();
      };
    },
    sql: ([m]) => {
      if (m.k === 'typed' && m.t === 'map') {
        const keys = m.repr === 'column' ? `mapKeys(${m.sql})` : `JSONExtractKeys(${m.sql})`;
        return { ...typed('list', keys, false, m.nullable ? `isNull(${m.sql})` : undefined), elem: 'string' } satisfies Typed;
      }
      if (m.k === 'dyn') return { ...typed('list', `JSONExtractKeys(${m.json ?? m.str})`, false, `NOT ${dynIs(m, 'map')}`), elem: 'string' } satisfies Typed;
      return m.k === 'opaque' ? OPAQUE : typed('list', '[]', false, '1');
    },
  },
  Values: {
    params: [{ name: 'target', kind: 'value' }],
    returns: 'list',
    errors: true,
    closure: ([target]) => {
      const g = dynGetter(target);
      return (s) => {
        const m = g(s);
        return kindOf(m) === 'map' ? Object.values(m as object) : fail();
      };
    },
  },
  Coalesce: {
    params: [{ name: 'values', kind: 'list' }],
    returns: 'dyn',
    closure: ([values], call) => {
      const list = values.get;
      void call;
      return (s) => {
        const items = list(s);
        if (!Array.isArray(items)) fail();
        return items.find((v) => kindOf(v) !== 'nil');
      };
    },
  },
  Sort: {
    params: [{ name: 'target', kind: 'value' }, { name: 'order', kind: 'string', default: 'asc' }],
    returns: 'list',
    errors: true,
    check: (args, bad) => {
      const o = args[1]?.type === 'literal' ? args[1].value : undefined;
      if (o !== 'asc' && o !== 'desc') bad(1, 'the order must be "asc" or "desc"');
    },
    closure: ([target], call) => {
      const g = dynGetter(target);
      const desc = literalString(call, 1) === 'desc';
      return (s) => {
        const v = g(s);
        return Array.isArray(v) ? sortList(v, desc) : fail();
      };
    },
  },
  ParseJSON: {
    params: [{ name: 'target', kind: 'value' }],
    returns: 'dyn',
    errors: true,
    closure: ([target]) => (s) => {
      let v: unknown;
      try {
        v = JSON.parse(strictString(target.get(s)));
      } catch {
        return fail();
      }
      return v !== null && typeof v === 'object' ? v : fail();
    },
  },
  ParseInt: {
    params: [{ name: 'target', kind: 'value' }, { name: 'base', kind: 'value' }],
    returns: 'int',
    errors: true,
    closure: ([target, base]) => (s) => {
      const b = strictInt(base.get(s));
      const v = parseIntBase(strictString(target.get(s)), Number(b));
      return v === undefined || b < 0 ? fail() : v;
    },
  },
  IsInCIDR: {
    params: [{ name: 'target', kind: 'value' }, { name: 'networks', kind: 'list' }],
    returns: 'bool',
    errors: true,
    check: (args, bad) => {
      const r = cidrList(args[1]);
      if (typeof r === 'string') bad(1, r);
    },
    closure: ([target], call) => {
      const list = cidrList(call.args[1]) as BlockList;
      return (s) => {
        const ip = strictString(target.get(s));
        const family = isIP(ip);
        return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
      };
    },
  },
  IsValidLuhn: {
    params: [{ name: 'value', kind: 'value' }],
    returns: 'bool',
    errors: true,
    closure: ([value]) => {
      const g = dynGetter(value);
      return (s) => {
        const v = g(s);
        const k = kindOf(v);
        const digits = k === 'int' && (v as number) >= 0 ? String(v) : k === 'string' ? (v as string) : fail();
        if (!/^\d+$/.test(digits)) fail();
        return luhn(digits);
      };
    },
  },
};
