import { compileRegex } from '../regex.js';
import { strictString } from '../convert.js';
import { stringLike } from '../text.js';
import { goIndex, goSplit, goToLower, goToUpper, goTrim, toCamel, toSnake, upperSpecials } from '../go-strings.js';
import { onString, strictString as strictStringSql, textOf } from '../sql-convert.js';
import { quoteString } from '../../../collector/storage/schema.js';
import { OPAQUE, orErr, typed } from '../sql-model.js';
import { fail, kindOf, type Value } from '../values.js';
import { dynGetter, literalString, type FunctionDef } from './define.js';

/** String converters: matching, case, slicing, splitting and joining. */
const text = (name: string): FunctionDef['params'][number] => ({ name, kind: 'value' });

/** ASCII text maps with lower()/upper(); other text per code point, with Go's simple mappings. */
function lowerSql(s: string): string {
  return `if(isValidASCII(${s}), lower(${s}), arrayStringConcat(arrayMap(c -> if(c = 'İ', 'i', lowerUTF8(c)), extractAll(${s}, '(?s).'))))`;
}

let upperTable: { from: string; to: string } | undefined;
function upperSql(s: string): string {
  upperTable ??= (() => {
    const pairs = upperSpecials();
    return { from: `[${pairs.map(([f]) => quoteString(f)).join(', ')}]`, to: `[${pairs.map(([, t]) => quoteString(t)).join(', ')}]` };
  })();
  const perChar = `arrayMap(c -> transform(c, ${upperTable.from}, ${upperTable.to}, upperUTF8(c)), extractAll(${s}, '(?s).'))`;
  return `if(isValidASCII(${s}), upper(${s}), arrayStringConcat(${perChar}))`;
}

const CASES = ['lower', 'upper', 'snake', 'camel'];

export const STRING_FUNCTIONS: Record<string, FunctionDef> = {
  IsMatch: {
    params: [text('target'), { name: 'pattern', kind: 'pattern' }],
    returns: 'bool',
    errors: true,
    closure: ([target], call) => {
      const re = compileRegex(literalString(call, 1));
      if (!re.ok) throw new Error('unchecked regex');
      const regex = re.regex;
      const g = dynGetter(target);
      return (s) => {
        const t = stringLike(g(s));
        return t !== undefined && regex.test(t);
      };
    },
    sql: ([target, pattern]) => {
      const t = textOf(target);
      if (t.k === 'opaque' || pattern.k !== 'typed') return OPAQUE;
      const test = `match(${t.sql}, ${pattern.sql})`;
      return typed('bool', t.nullable ? `coalesce(${test}, 0)` : test, false, t.err);
    },
  },
  HasPrefix: affix('prefix', (s, a) => s.startsWith(a), 'startsWith'),
  HasSuffix: affix('suffix', (s, a) => s.endsWith(a), 'endsWith'),
  ToLowerCase: caseFunction(goToLower, lowerSql),
  ToUpperCase: caseFunction(goToUpper, upperSql),
  ToSnakeCase: caseFunction(toSnake),
  ToCamelCase: caseFunction(toCamel),
  ConvertCase: {
    params: [text('target'), { name: 'to_case', kind: 'string' }],
    returns: 'string',
    errors: true,
    check: (args, bad) => {
      const c = args[1].type === 'literal' ? args[1].value : undefined;
      if (typeof c !== 'string' || !CASES.includes(c)) bad(1, `invalid case ${JSON.stringify(c)}: use one of lower, upper, snake, camel`);
    },
    closure: ([target], call) => {
      const f = { lower: goToLower, upper: goToUpper, snake: toSnake, camel: toCamel }[literalString(call, 1) as 'lower'];
      const g = target.get;
      return (s) => {
        const v = strictString(g(s));
        return v === '' ? v : f(v);
      };
    },
    sql: ([target], call) => {
      const c = literalString(call, 1);
      if (c !== 'lower' && c !== 'upper') return OPAQUE;
      return onString(target, 'string', c === 'lower' ? lowerSql : upperSql);
    },
  },
  Substring: {
    params: [text('target'), { name: 'start', kind: 'value' }, { name: 'length', kind: 'value' }, { name: 'utf8_safe', kind: 'bool', default: false }],
    returns: 'string',
    errors: true,
    closure: ([target, start, length], call) => {
      const safe = call.args[3]?.type === 'literal' && call.args[3].value === true;
      return (s) => substring(start.get(s), length.get(s), target.get(s), safe);
    },
    sql: ([target, start, length], call) => {
      if (call.args[3]?.type === 'literal' && call.args[3].value === true) return OPAQUE;
      if (start.k !== 'typed' || start.t !== 'int' || length.k !== 'typed' || length.t !== 'int') return OPAQUE;
      const s = strictStringSql(target);
      if (s.k === 'opaque') return s;
      const a = start.sql;
      const n = length.sql;
      const bad = `(${a} < 0 OR ${n} <= 0 OR ${a} > length(${s.sql}) OR ${n} > length(${s.sql}) - ${a})`;
      const nulls = [start, length].filter((v) => v.nullable).map((v) => `isNull(${v.sql})`);
      return typed('string', `substring(${s.sql}, toInt64(greatest(${a}, 0)) + 1, toUInt64(greatest(${n}, 0)))`, false, orErr(...nulls, bad, s.err));
    },
  },
  Concat: {
    params: [{ name: 'vals', kind: 'list' }, text('delimiter')],
    returns: 'string',
    errors: true,
    closure: ([vals, delimiter]) => {
      const list = vals.get;
      const d = delimiter.get;
      return (s) => {
        const sep = strictString(d(s));
        const items = list(s);
        if (!Array.isArray(items)) fail();
        return items.map((v: Value) => stringLike(v) ?? '<nil>').join(sep);
      };
    },
    sql: ([, delimiter], call, ctx) => {
      const list = call.args[0];
      const d = strictStringSql(delimiter);
      if (list.type !== 'list' || d.k === 'opaque') return OPAQUE;
      const items = list.items.map((i) => textOf(ctx.value(i)));
      if (items.some((t) => t.k === 'opaque')) return OPAQUE;
      const texts = items.map((t) => (t.k === 'typed' && t.nullable ? `ifNull(${t.sql}, '<nil>')` : (t as { sql: string }).sql));
      const joined = texts.length ? `arrayStringConcat([${texts.join(', ')}], ${d.sql})` : "''";
      return typed('string', joined, false, orErr(d.err, ...items.map((t) => (t.k === 'typed' ? t.err : undefined))));
    },
  },
  Split: {
    params: [text('target'), text('delimiter')],
    returns: 'list',
    errors: true,
    closure: ([target, delimiter]) => (s) => goSplit(strictString(target.get(s)), strictString(delimiter.get(s))),
    sql: ([target, delimiter]) => {
      const s = strictStringSql(target);
      const d = strictStringSql(delimiter);
      if (s.k === 'opaque' || d.k === 'opaque') return OPAQUE;
      const split = `if(${d.sql} = '', extractAll(${s.sql}, '(?s).'), splitByString(${d.sql}, ${s.sql}))`;
      return { ...typed('list', split, false, orErr(s.err, d.err)), elem: 'string' };
    },
  },
  Trim: {
    params: [text('target'), { name: 'replacement', kind: 'value', default: ' ' }],
    returns: 'string',
    errors: true,
    closure: ([target, cutset]) => (s) => goTrim(strictString(target.get(s)), strictString(cutset.get(s))),
    sql: ([target, cutset], call) => {
      // ClickHouse trims a set of bytes: exact for an ASCII cut set, which is the usual one.
      const c = call.args[1];
      if (c.type !== 'literal' || c.kind !== 'string' || !/^[\x00-\x7f]*$/.test(c.value) || cutset.k !== 'typed') return OPAQUE;
      return onString(target, 'string', (s) => (c.value === '' ? s : `trimBoth(${s}, ${cutset.sql})`));
    },
  },
  TrimPrefix: affixTrim('prefix', (s, a) => (s.startsWith(a) ? s.slice(a.length) : s), (s, a) => `if(startsWith(${s}, ${a}), substring(${s}, length(${a}) + 1), ${s})`),
  TrimSuffix: affixTrim('suffix', (s, a) => (a !== '' && s.endsWith(a) ? s.slice(0, s.length - a.length) : s), (s, a) => `if(endsWith(${s}, ${a}), substring(${s}, 1, length(${s}) - length(${a})), ${s})`),
};

function affix(name: string, test: (s: string, a: string) => boolean, fn: string): FunctionDef {
  return {
    params: [text('value'), { name, kind: 'string' }],
    returns: 'bool',
    errors: true,
    closure: ([value], call) => {
      const a = literalString(call, 1);
      const g = value.get;
      return (s) => test(strictString(g(s)), a);
    },
    sql: ([value, a]) => (a.k === 'typed' ? onString(value, 'bool', (s) => `${fn}(${s}, ${a.sql})`) : OPAQUE),
  };
}

function affixTrim(name: string, f: (s: string, a: string) => string, sql: (s: string, a: string) => string): FunctionDef {
  return {
    params: [text('value'), { name, kind: 'value' }],
    returns: 'string',
    errors: true,
    closure: ([value, a]) => (s) => f(strictString(value.get(s)), strictString(a.get(s))),
    sql: ([value, a]) => {
      const x = strictStringSql(a);
      if (x.k === 'opaque') return OPAQUE;
      const r = onString(value, 'string', (s) => sql(s, x.sql));
      return r.k === 'typed' ? { ...r, err: orErr(r.err, x.err) } : r;
    },
  };
}

function caseFunction(f: (s: string) => string, sql?: (s: string) => string): FunctionDef {
  return {
    params: [text('target')],
    returns: 'string',
    errors: true,
    closure: ([target]) => (s) => f(strictString(target.get(s))),
    sql: sql && (([target]) => onString(target, 'string', sql)),
  };
}

/** Substring: byte offsets; utf8_safe moves a start inside a character forward and an end inside one back. */
function substring(startV: Value, lengthV: Value, targetV: Value, safe: boolean): string {
  if (kindOf(startV) !== 'int' || kindOf(lengthV) !== 'int') fail();
  const start = Number(startV);
  const length = Number(lengthV);
  if (start < 0 || length <= 0) fail();
  const bytes = Buffer.from(strictString(targetV), 'utf8');
  if (start > bytes.length || length > bytes.length - start) fail();
  let a = start;
  let b = start + length;
  if (safe) {
    while (a < bytes.length && (bytes[a] & 0xc0) === 0x80) a++;
    while (b < bytes.length && b > a && (bytes[b] & 0xc0) === 0x80) b--;
    if (b < a) b = a;
  }
  return bytes.subarray(a, b).toString('utf8');
}

export { goIndex };
