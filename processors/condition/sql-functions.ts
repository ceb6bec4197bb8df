import type { CallExpr, ValueExpr } from './ast.js';
import type { Params } from './sql-params.js';

/**
 * SQL forms of values: a typed expression (`nullable` when a converter may yield nil), nil,
 * an attribute (`str` is its stored text, '' when missing, so `has` says whether it exists),
 * or the events list, which only Len accepts.
 */
export interface Typed {
  t: 'string' | 'int' | 'float' | 'bool';
  sql: string;
  nullable: boolean;
}
export type SqlValue = Typed | { t: 'nil' } | { t: 'dyn'; str: string; has: string } | { t: 'events' };

const NIL: SqlValue = { t: 'nil' };
const EVENT_NAMES = '`Events.Name`';

/** The value as text (what IsMatch, HasPrefix and String see), with a nil test when it can be nil. */
function asText(v: SqlValue): { str: string; present?: string } | undefined {
  switch (v.t) {
    case 'nil':
    case 'events':
      return undefined;
    case 'dyn':
      return { str: v.str, present: v.has };
    default: {
      const str = v.t === 'string' ? v.sql : v.t === 'bool' ? `if(${v.sql}, 'true', 'false')` : `toString(${v.sql})`;
      return { str, present: v.nullable ? `isNotNull(${v.sql})` : undefined };
    }
  }
}

function bool(sql: string): SqlValue {
  return { t: 'bool', sql, nullable: false };
}

function guarded(text: { str: string; present?: string }, test: string): SqlValue {
  return bool(text.present ? `(${text.present} AND coalesce(${test}, 0))` : test);
}

export function compileSqlCall(call: CallExpr, value: (v: ValueExpr) => SqlValue, params: Params): SqlValue {
  const [first, second] = call.args;
  const literal = second?.type === 'literal' && second.kind === 'string' ? params.bind('String', second.value) : '';
  switch (call.name) {
    case 'IsMatch':
    case 'HasPrefix':
    case 'HasSuffix': {
      const text = asText(value(first));
      if (!text) return bool('0');
      const fn = call.name === 'IsMatch' ? 'match' : call.name === 'HasPrefix' ? 'startsWith' : 'endsWith';
      return guarded(text, `${fn}(${text.str}, ${literal})`);
    }
    case 'HasEvent': {
      const name = first.type === 'literal' && first.kind === 'string' ? first.value : '';
      return bool(`has(${EVENT_NAMES}, ${params.bind('String', name)})`);
    }
    case 'IsString': {
      const v = value(first);
      if (v.t === 'string') return bool(v.nullable ? `isNotNull(${v.sql})` : '1');
      if (v.t !== 'dyn') return bool('0');
      const s = v.str;
      const looksTyped = `isNotNull(toFloat64OrNull(${s})) OR ${s} IN ('true', 'false') OR ${jsonContainer(s)}`;
      return bool(`(${v.has} AND NOT (${looksTyped}))`);
    }
    case 'Len':
      return lengthSql(value(first));
    case 'Int':
      return intSql(value(first));
    case 'Double':
      return doubleSql(value(first));
    case 'String': {
      const v = value(first);
      const text = asText(v);
      if (!text) return NIL;
      if (v.t === 'dyn') return { t: 'string', sql: `if(${v.has}, ${v.str}, NULL)`, nullable: true };
      return { t: 'string', sql: text.str, nullable: text.present !== undefined };
    }
  }
}

function jsonContainer(s: string): string {
  return `((startsWith(${s}, '[') OR startsWith(${s}, '{')) AND isValidJSON(${s}))`;
}

function lengthSql(v: SqlValue): SqlValue {
  if (v.t === 'events') return { t: 'int', sql: `toInt64(length(${EVENT_NAMES}))`, nullable: false };
  if (v.t === 'dyn') {
    const s = v.str;
    const sized =
      `multiIf(startsWith(${s}, '[') AND isValidJSON(${s}), length(JSONExtractArrayRaw(${s})), ` +
      `startsWith(${s}, '{') AND isValidJSON(${s}), length(JSONExtractKeys(${s})), length(${s}))`;
    return { t: 'int', sql: `if(${v.has}, toInt64(${sized}), NULL)`, nullable: true };
  }
  const text = asText(v);
  if (!text) return NIL;
  return { t: 'int', sql: `toInt64(length(${text.str}))`, nullable: text.present !== undefined };
}

function intSql(v: SqlValue): SqlValue {
  switch (v.t) {
    case 'nil':
    case 'events':
      return NIL;
    case 'int':
      return v;
    case 'float':
      return { t: 'int', sql: `accurateCastOrNull(trunc(${v.sql}), 'Int64')`, nullable: true };
    case 'bool':
      return { t: 'int', sql: `toInt64(${v.sql})`, nullable: v.nullable };
    case 'string':
      return { t: 'int', sql: `toInt64OrNull(${v.sql})`, nullable: true };
    case 'dyn': {
      const s = v.str;
      const parsed =
        `multiIf(${s} = 'true', toInt64(1), ${s} = 'false', toInt64(0), isNotNull(toInt64OrNull(${s})), ` +
        `toInt64OrNull(${s}), accurateCastOrNull(trunc(toFloat64OrNull(${s})), 'Int64'))`;
      return { t: 'int', sql: `if(${v.has}, ${parsed}, NULL)`, nullable: true };
    }
  }
}

function doubleSql(v: SqlValue): SqlValue {
  switch (v.t) {
    case 'nil':
    case 'events':
      return NIL;
    case 'float':
      return v;
    case 'int':
    case 'bool':
      return { t: 'float', sql: `toFloat64(${v.sql})`, nullable: v.nullable };
    case 'string':
      return { t: 'float', sql: `toFloat64OrNull(${v.sql})`, nullable: true };
    case 'dyn': {
      const s = v.str;
      const parsed = `multiIf(${s} = 'true', toFloat64(1), ${s} = 'false', toFloat64(0), toFloat64OrNull(${s}))`;
      return { t: 'float', sql: `if(${v.has}, ${parsed}, NULL)`, nullable: true };
    }
  }
}
