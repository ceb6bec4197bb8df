import { isConstant, type CallExpr, type LiteralExpr, type PathExpr, type ValueExpr } from './ast.js';
import { FUNCTIONS } from './functions/registry.js';
import { dynIs, jsonDyn } from './sql-dyn.js';
import { idHexSql } from './sql-convert.js';
import { mathSql, negSql } from './sql-math.js';
import { NIL, OPAQUE, errOf, orErr, typed, withErr, type Dyn, type SqlContext, type SqlValue } from './sql-model.js';
import { enumNumberSql } from './sql-params.js';
import { constantSql } from './sql-constant.js';

/**
 * Values of a condition as SQL over `otel_traces`. Every literal is bound as a parameter;
 * the SQL text only holds column names and fixed fragments written here.
 */
const COLUMNS: Record<string, string> = {
  name: 'SpanName',
  'status.message': 'StatusMessage',
  'instrumentation_scope.name': 'ScopeName',
  'instrumentation_scope.version': 'ScopeVersion',
  trace_state: 'TraceState',
};

const START = 'toUnixTimestamp64Nano(Timestamp)';
const END = `(${START} + toInt64(Duration))`;
const DEPRECATED_KIND = `multiIf(${['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'].map((n) => `SpanKind = '${n}', 'SPAN_KIND_${n.toUpperCase()}'`).join(', ')}, '')`;

export function valueSql(v: ValueExpr, ctx: SqlContext): SqlValue {
  if (v.type !== 'literal' && isConstant(v)) return constantSql(v, ctx);
  switch (v.type) {
    case 'literal':
      return literalSql(v, ctx);
    case 'path':
      return pathSql(v, ctx);
    case 'call':
      return callSql(v, ctx);
    case 'math':
      return mathSql(v.op, valueSql(v.left, ctx), valueSql(v.right, ctx));
    case 'neg':
      return negSql(valueSql(v.operand, ctx));
    default:
      return OPAQUE;
  }
}

function literalSql(l: LiteralExpr, ctx: SqlContext): SqlValue {
  const p = ctx.params;
  switch (l.kind) {
    case 'nil':
      return NIL;
    case 'string':
      return typed('string', p.bind('String', l.value));
    case 'bool':
      return typed('bool', p.bind('Bool', l.value));
    case 'float':
      return typed('float', p.bind('Float64', l.value));
    case 'duration':
      return typed('duration', p.bind('Int64', l.value));
    case 'bytes':
      return typed('bytes', `unhex(${p.bind('String', Buffer.from(l.value).toString('hex'))})`);
    default:
      return typed('int', p.bind('Int64', l.value));
  }
}

function pathSql(p: PathExpr, ctx: SqlContext): SqlValue {
  switch (p.path) {
    case 'attributes':
    case 'resource.attributes':
    case 'instrumentation_scope.attributes':
      return mapPath(p, ctx);
    case 'trace_state':
      return p.key !== undefined || p.keyExpr ? OPAQUE : typed('string', 'TraceState');
    case 'kind':
    case 'status.code':
      return typed('int', enumNumberSql(p.path));
    case 'kind.string':
      return typed('string', "if(match(SpanKind, '^[A-Za-z]+$'), toString(SpanKind), '')");
    case 'kind.deprecated_string':
      return typed('string', DEPRECATED_KIND);
    case 'duration':
      return typed('duration', 'toInt64(Duration)');
    case 'start_time':
      return typed('time', START);
    case 'end_time':
      return typed('time', END);
    case 'start_time_unix_nano':
      return typed('int', START);
    case 'end_time_unix_nano':
      return typed('int', END);
    case 'trace_id':
      return typed('traceid', 'TraceId');
    case 'span_id':
      return typed('spanid', 'SpanId');
    case 'parent_span_id':
      return typed('spanid', 'ParentSpanId');
    case 'trace_id.string':
      return typed('string', idHexSql('TraceId', 'traceid'));
    case 'span_id.string':
      return typed('string', idHexSql('SpanId', 'spanid'));
    case 'parent_span_id.string':
      return typed('string', idHexSql('ParentSpanId', 'spanid'));
    case 'dropped_attributes_count':
    case 'dropped_events_count':
    case 'dropped_links_count':
    case 'resource.dropped_attributes_count':
    case 'instrumentation_scope.dropped_attributes_count':
      // otel_traces (the collector's clickhouseexporter layout) has no column for dropped
      // counts: a stored span has none, as it has no scope attributes.
      return typed('int', 'toInt64(0)');
    case 'events':
      return { k: 'events', sql: '`Events.Name`' };
    case 'links':
      return { k: 'events', sql: '`Links.TraceId`' };
    default:
      return typed('string', COLUMNS[p.path]);
  }
}

/**
 * Attribute maps. otel_traces has no column for scope attributes (the collector's
 * exporter does not store them), so stored spans have none.
 */
function mapPath(p: PathExpr, ctx: SqlContext): SqlValue {
  const column = p.path === 'attributes' ? 'SpanAttributes' : p.path === 'resource.attributes' ? 'ResourceAttributes' : undefined;
  const map = column ?? "CAST(map(), 'Map(String, String)')";
  if (p.key === undefined && !p.keyExpr) return { ...typed('map', map), repr: 'column' };
  let key: string;
  let err: string | undefined;
  if (p.key !== undefined) {
    key = ctx.params.bind('String', p.key);
  } else {
    const k = valueSql(p.keyExpr!, ctx);
    if (k.k === 'dyn') {
      // The key must be a string; nil or another type is an error.
      key = k.str;
      err = orErr(k.err, `NOT ${dynIs(k, 'string')}`);
    } else {
      if (k.k !== 'typed' || k.t !== 'string') return k.k === 'opaque' ? OPAQUE : typed('string', "''", false, '1');
      key = k.nullable ? `ifNull(${k.sql}, '')` : k.sql;
      err = orErr(k.err, k.nullable ? `isNull(${k.sql})` : undefined);
    }
  }
  const first: Dyn = column ? { k: 'dyn', str: `${column}[${key}]`, has: `mapContains(${column}, ${key})` } : { k: 'dyn', str: "''", has: '0' };
  return withErr(indexSql(first, p.index.map((i) => valueSql(i.key, ctx)), true), err);
}

function callSql(call: CallExpr, ctx: SqlContext): SqlValue {
  const def = FUNCTIONS[call.name];
  if (!def.sql) return OPAQUE;
  const args = call.args.map((a) => valueSql(a, ctx));
  if (args.some((a, i) => a.k === 'opaque' && def.params[i]?.kind !== 'list')) return OPAQUE;
  const errs = args.map(errOf);
  const bare = args.map((a) => (a.k === 'opaque' || a.k === 'events' ? a : { ...a, err: undefined }));
  const result = withErr(def.sql(bare, call, ctx), ...errs);
  if (!call.index.length || result.k === 'opaque') return result;
  return indexSql(result, call.index.map((i) => valueSql(i.key, ctx)), false);
}

/**
 * Indexing as OTTL does it (see closure-values.ts): a map by a string key, a list by an
 * int in bounds. JSON-valued attributes are read with ClickHouse's JSON functions.
 */
export function indexSql(base: SqlValue, keys: SqlValue[], missingIsNil: boolean): SqlValue {
  let v = base;
  keys.forEach((key, i) => {
    v = indexOnce(v, key, missingIsNil || i > 0);
  });
  return v;
}

function indexOnce(v: SqlValue, key: SqlValue, missingIsNil: boolean): SqlValue {
  if (v.k === 'opaque' || key.k === 'opaque') return OPAQUE;
  if (key.k !== 'typed' || (key.t !== 'string' && key.t !== 'int')) return OPAQUE;
  const k = key.nullable ? `assumeNotNull(${key.sql})` : key.sql;
  const keyErr = orErr(key.err, key.nullable ? `isNull(${key.sql})` : undefined);
  if (v.k === 'dyn') {
    const src = v.json ?? v.str;
    const present = missingIsNil ? v.has : '1';
    const notPresentErr = missingIsNil ? undefined : `NOT ${v.has}`;
    if (key.t === 'string') {
      const bad = `(${v.has} AND NOT ${dynIs(v, 'map')})`;
      return withErr(jsonDyn(`JSONExtractRaw(${src}, ${k})`, `${present} AND ${dynIs(v, 'map')} AND JSONHas(${src}, ${k})`), v.err, keyErr, bad, notPresentErr);
    }
    const inBounds = `(${k} >= 0 AND ${k} < JSONLength(${src}))`;
    const bad = `(${v.has} AND NOT (${dynIs(v, 'list')} AND ${inBounds}))`;
    return withErr(jsonDyn(`JSONExtractRaw(${src}, toInt64(${k}) + 1)`, `${present} AND ${dynIs(v, 'list')}`), v.err, keyErr, bad, notPresentErr);
  }
  if (v.k === 'typed' && v.t === 'list' && key.t === 'int') {
    const inBounds = `(${k} >= 0 AND ${k} < length(${v.sql}))`;
    const elem = `arrayElement(${v.sql}, toInt64(${k}) + 1)`;
    const errs = [v.err, keyErr, `NOT ${inBounds}`, v.nullable ? `isNull(${v.sql})` : undefined];
    if (v.elem === 'string') return typed('string', elem, false, orErr(...errs));
    return withErr(jsonDyn(elem, '1'), ...errs);
  }
  if (v.k === 'typed' && v.t === 'map' && key.t === 'string') {
    if (v.repr === 'column') return withErr({ k: 'dyn', str: `${v.sql}[${k}]`, has: `mapContains(${v.sql}, ${k})` }, v.err, keyErr);
    return withErr(jsonDyn(`JSONExtractRaw(${v.sql}, ${k})`, `JSONHas(${v.sql}, ${k})`), v.err, keyErr);
  }
  return typed('string', "''", false, '1');
}
