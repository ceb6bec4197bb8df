import { dynIs } from './sql-dyn.js';
import { OPAQUE, isNilSql, orErr, typed, type Opaque, type SqlValue, type Typed } from './sql-model.js';

/**
 * Conversions of SQL values as OTTL's getters make them: text (StringLikeGetter), a strict
 * string (StringGetter), numbers. Each returns a typed value that carries the argument's
 * error condition and adds its own, or OPAQUE when SQL cannot follow.
 */

/** encoding/json's float text: ClickHouse writes exponents as `1e21`, Go and JavaScript as `1e+21`. */
export function goFloatSql(x: string): string {
  return `replaceRegexpOne(toString(${x}), 'e([0-9])', 'e+\\\\1')`;
}

const ZERO_TRACE = `'00000000000000000000000000000000'`;
const ZERO_SPAN = `'0000000000000000'`;

/** An id column as pcommon hex: zeros when the span model keeps it as ''. */
export function idHexSql(sql: string, t: 'traceid' | 'spanid'): string {
  return `if(${sql} = '', ${t === 'traceid' ? ZERO_TRACE : ZERO_SPAN}, ${sql})`;
}

/** StringLikeGetter: the text of any value, NULL for nil. */
export function textOf(v: SqlValue): Typed | Opaque {
  switch (v.k) {
    case 'nil':
      return typed('string', 'CAST(NULL, \'Nullable(String)\')', true, v.err);
    case 'dyn':
      return typed('string', `if(${isNilSql(v)}, NULL, ${v.str})`, true, v.err);
    case 'typed': {
      const text = typedText(v);
      if (text === undefined) return OPAQUE;
      return typed('string', text.sql, v.nullable, orErr(v.err, text.err));
    }
    default:
      return OPAQUE;
  }
}

function typedText(v: Typed): { sql: string; err?: string } | undefined {
  switch (v.t) {
    case 'string':
      return { sql: v.sql };
    case 'int':
    case 'duration':
      return { sql: `toString(${v.sql})` };
    case 'float':
      return { sql: goFloatSql(v.sql), err: `NOT isFinite(${v.sql})` };
    case 'bool':
      return { sql: `if(${v.sql}, 'true', 'false')` };
    case 'bytes':
      return { sql: `lower(hex(${v.sql}))` };
    case 'traceid':
    case 'spanid':
      return { sql: idHexSql(v.sql, v.t) };
    default:
      return undefined;
  }
}

/** StringGetter: a string; nil or another type is an error. */
export function strictString(v: SqlValue): Typed | Opaque {
  switch (v.k) {
    case 'nil':
      return typed('string', "''", false, '1');
    case 'dyn':
      return typed('string', v.str, false, orErr(v.err, `NOT ${dynIs(v, 'string')}`));
    case 'typed':
      if (v.t !== 'string') return typed('string', "''", false, '1');
      return typed('string', v.nullable ? `ifNull(${v.sql}, '')` : v.sql, false, orErr(v.err, v.nullable ? `isNull(${v.sql})` : undefined));
    default:
      return OPAQUE;
  }
}

/** The result of `f(text)` for a StringGetter argument: `f` gets the SQL of the string. */
export function onString(v: SqlValue, t: Typed['t'], f: (s: string) => string, nullable = false): SqlValue {
  const s = strictString(v);
  if (s.k === 'opaque') return s;
  return typed(t, f(s.sql), nullable, s.err);
}
