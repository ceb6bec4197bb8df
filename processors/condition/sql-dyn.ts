import type { Dyn } from './sql-model.js';

/**
 * The run-time type of a dyn value in SQL. A value read out of JSON (`json`) has its exact
 * type. A stored attribute only has its text, so its type is read from the forms storage
 * writes (collector/model/attributes.ts): `true`/`false`, integers and floats in JavaScript
 * notation, JSON arrays and objects; any other text is a string. A string attribute that
 * looks like one of those forms is therefore read as that type (README, "How the SQL agrees").
 */
export type DynKind = 'nil' | 'string' | 'int' | 'float' | 'bool' | 'list' | 'map';

const INT_FORM = `'^-?(0|[1-9][0-9]*)$'`;
const FLOAT_FORM = `'^-?[0-9]+(\\\\.[0-9]+)?(e[-+][0-9]+)?$'`;

export function dynIs(d: Dyn, kind: DynKind): string {
  if (d.json) return jsonIs(d.json, kind, d.has);
  const s = d.str;
  const bool = `${s} IN ('true', 'false')`;
  const int = `(match(${s}, ${INT_FORM}) AND isNotNull(toInt64OrNull(${s})))`;
  const float = `(match(${s}, ${FLOAT_FORM}) AND NOT ${int})`;
  const list = `(startsWith(${s}, '[') AND isValidJSON(${s}))`;
  const map = `(startsWith(${s}, '{') AND isValidJSON(${s}))`;
  switch (kind) {
    case 'nil':
      return `(NOT ${d.has})`;
    case 'bool':
      return `(${d.has} AND ${bool})`;
    case 'int':
      return `(${d.has} AND ${int})`;
    case 'float':
      return `(${d.has} AND ${float})`;
    case 'list':
      return `(${d.has} AND ${list})`;
    case 'map':
      return `(${d.has} AND ${map})`;
    case 'string':
      return `(${d.has} AND NOT (${bool} OR ${int} OR ${float} OR ${list} OR ${map}))`;
  }
}

function jsonIs(j: string, kind: DynKind, has: string): string {
  const t = `JSONType(${j})`;
  switch (kind) {
    case 'nil':
      return `(NOT ${has} OR ${t} = 'Null')`;
    case 'bool':
      return `(${has} AND ${t} = 'Bool')`;
    case 'int':
      return `(${has} AND ${t} IN ('Int64', 'UInt64'))`;
    case 'float':
      return `(${has} AND ${t} = 'Double')`;
    case 'list':
      return `(${has} AND ${t} = 'Array')`;
    case 'map':
      return `(${has} AND ${t} = 'Object')`;
    case 'string':
      return `(${has} AND ${t} = 'String')`;
  }
}

/** A number-typed dyn as Int64 (NULL unless it is an int). */
export function dynInt(d: Dyn): string {
  return d.json ? `JSONExtract(${d.json}, 'Nullable(Int64)')` : `toInt64OrNull(${d.str})`;
}

/** A number-typed dyn as Float64 (NULL unless it is an int or a float). */
export function dynFloat(d: Dyn): string {
  return d.json ? `if(JSONType(${d.json}) IN ('Int64', 'UInt64', 'Double'), JSONExtractFloat(${d.json}), NULL)` : `toFloat64OrNull(${d.str})`;
}

/** The value read out of a JSON list or map element. */
export function jsonDyn(raw: string, has: string): Dyn {
  return { k: 'dyn', json: raw, has: `(${has})`, str: `if(JSONType(${raw}) = 'String', JSONExtractString(${raw}), ${raw})` };
}

/** `multiIf` over the dyn's kind; kinds not listed give `otherwise`. */
export function dynSwitch(d: Dyn, cases: Partial<Record<DynKind, string>>, otherwise: string): string {
  const arms = Object.entries(cases).map(([k, sql]) => `${dynIs(d, k as DynKind)}, ${sql}`);
  return arms.length ? `multiIf(${arms.join(', ')}, ${otherwise})` : otherwise;
}

/** SQL true when the dyn is none of `kinds` (for a converter that errors on other types). */
export function dynNot(d: Dyn, kinds: DynKind[]): string {
  return `NOT (${kinds.map((k) => dynIs(d, k)).join(' OR ')})`;
}
