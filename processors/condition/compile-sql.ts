import { FLIPPED, type BoolExpr, type CompareOp, type LiteralExpr, type PathExpr, type ValueExpr } from './ast.js';
import { Params, enumNumberSql, storedEnumName } from './sql-params.js';
import { compileSqlCall, type SqlValue, type Typed } from './sql-functions.js';

/**
 * AST -> ClickHouse WHERE clause over `otel_traces`. Stored attributes are strings, so an
 * attribute is read as whatever the other side of the comparison is: a number next to a
 * number literal (toInt64OrNull/toFloat64OrNull), text next to a string. Every boolean
 * fragment is non-NULL (0/1) so that NOT behaves like the closure's `!`.
 */
export interface SqlWhere {
  sql: string;
  /** Bound values for `query_params`, all as text. */
  params: Record<string, string>;
}

export function compileSql(expr: BoolExpr, options: { paramPrefix?: string } = {}): SqlWhere {
  const params = new Params(options.paramPrefix ?? 'p');
  return { sql: boolSql(expr, params), params: params.values };
}

function boolSql(expr: BoolExpr, params: Params): string {
  switch (expr.type) {
    case 'and':
    case 'or':
      return `(${expr.operands.map((e) => boolSql(e, params)).join(expr.type === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${boolSql(expr.operand, params)})`;
    case 'bare': {
      const v = valueSql(expr.value, params);
      if (v.t === 'dyn') return `(${v.has} AND ${v.str} = 'true')`;
      return v.t === 'bool' ? v.sql : '0';
    }
    case 'compare':
      return compareSql(expr.left, expr.op, expr.right, params);
  }
}

export function valueSql(v: ValueExpr, params: Params): SqlValue {
  switch (v.type) {
    case 'literal':
      return literalSql(v, params);
    case 'path':
      return pathSql(v, params);
    case 'call':
      return compileSqlCall(v, (arg) => valueSql(arg, params), params);
  }
}

function literalSql(l: LiteralExpr, params: Params): SqlValue {
  switch (l.kind) {
    case 'nil':
      return { t: 'nil' };
    case 'string':
      return typed('string', params.bind('String', l.value));
    case 'bool':
      return typed('bool', params.bind('Bool', l.value));
    case 'float':
      return typed('float', params.bind('Float64', l.value));
    default:
      return typed('int', params.bind('Int64', l.value));
  }
}

const COLUMNS: Record<string, string> = {
  name: 'SpanName',
  'status.message': 'StatusMessage',
  'instrumentation_scope.name': 'ScopeName',
  'instrumentation_scope.version': 'ScopeVersion',
  trace_id: 'TraceId',
  span_id: 'SpanId',
  parent_span_id: 'ParentSpanId',
  trace_state: 'TraceState',
};

function pathSql(p: PathExpr, params: Params): SqlValue {
  switch (p.path) {
    case 'attributes':
    case 'resource.attributes': {
      const map = p.path === 'attributes' ? 'SpanAttributes' : 'ResourceAttributes';
      const key = params.bind('String', p.key ?? '');
      return { t: 'dyn', str: `${map}[${key}]`, has: `mapContains(${map}, ${key})` };
    }
    case 'kind':
    case 'status.code':
      return typed('int', enumNumberSql(p.path));
    case 'duration':
      return typed('int', 'Duration');
    case 'start_time':
      return typed('int', 'toUnixTimestamp64Nano(Timestamp)');
    case 'end_time':
      return typed('int', '(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration))');
    case 'events':
      return { t: 'events' };
    default:
      return typed('string', COLUMNS[p.path]);
  }
}

function typed(t: Typed['t'], sql: string, nullable = false): Typed {
  return { t, sql, nullable };
}

const NIL_EQUAL: Record<CompareOp, string> = { '==': '1', '<=': '1', '>=': '1', '!=': '0', '<': '0', '>': '0' };

/** OTTL's answer for an invalid comparison (types differ, nil against a value). */
function invalid(op: CompareOp): string {
  return op === '!=' ? '1' : '0';
}

function rank(v: SqlValue): number {
  return v.t === 'dyn' ? 0 : v.t === 'nil' ? 2 : 1;
}

function compareSql(leftExpr: ValueExpr, opIn: CompareOp, rightExpr: ValueExpr, params: Params): string {
  const fast = enumEquality(leftExpr, opIn, rightExpr, params) ?? enumEquality(rightExpr, opIn, leftExpr, params);
  if (fast) return fast;
  let a = valueSql(leftExpr, params);
  let b = valueSql(rightExpr, params);
  let op = opIn;
  if (rank(a) > rank(b)) [a, b, op] = [b, a, FLIPPED[op]];
  if (b.t === 'nil') {
    if (a.t === 'nil') return NIL_EQUAL[op];
    if (op === '<' || op === '>') return '0';
    const test = nilTest(a) ?? { nil: '0', present: '1' };
    return op === '!=' ? test.present : test.nil;
  }
  if (a.t === 'events' || b.t === 'events' || a.t === 'nil') return invalid(op);
  if (a.t === 'dyn') {
    if (b.t === 'dyn') return nilSafe(op, nilTest(a), nilTest(b), dynVsDyn(a.str, op, b.str));
    return nilSafe(op, nilTest(a), nilTest(b), dynVsTyped(a.str, op, b));
  }
  if (b.t === 'dyn') throw new Error('unreachable: operands are ordered');
  const numeric = (t: string) => t === 'int' || t === 'float';
  const comparable = a.t === b.t || (numeric(a.t) && numeric(b.t));
  const core = comparable ? `(${a.sql} ${sqlOp(op)} ${b.sql})` : invalid(op);
  return nilSafe(op, nilTest(a), nilTest(b), core);
}

interface NilTest {
  nil: string;
  present: string;
}

function nilTest(v: SqlValue): NilTest | undefined {
  if (v.t === 'dyn') return { nil: `(NOT ${v.has})`, present: v.has };
  if (v.t === 'nil' || v.t === 'events' || !v.nullable) return undefined;
  return { nil: `isNull(${v.sql})`, present: `isNotNull(${v.sql})` };
}

/**
 * Combines "either side may be nil" with the comparison of two present values, as a plain
 * AND/OR so that ClickHouse can still use the map key/value indexes.
 */
function nilSafe(op: CompareOp, a: NilTest | undefined, b: NilTest | undefined, core: string): string {
  if (!a && !b) return core;
  const terms: string[] = [];
  if (a && b && NIL_EQUAL[op] === '1') terms.push(`(${a.nil} AND ${b.nil})`);
  if (invalid(op) === '1') {
    if (a) terms.push(b ? `(${a.nil} AND ${b.present})` : a.nil);
    if (b) terms.push(a ? `(${a.present} AND ${b.nil})` : b.nil);
  }
  const present = [a?.present, b?.present].filter((p): p is string => p !== undefined);
  terms.push(`(${[...present, core].join(' AND ')})`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
}

function dynVsTyped(s: string, op: CompareOp, b: Typed): string {
  const o = sqlOp(op);
  switch (b.t) {
    case 'string':
      return `(${s} ${o} ${b.sql})`;
    case 'int':
      return `coalesce(toInt64OrNull(${s}) ${o} ${b.sql}, toFloat64OrNull(${s}) ${o} ${b.sql}, ${invalid(op)})`;
    case 'float':
      return `coalesce(toFloat64OrNull(${s}) ${o} ${b.sql}, ${invalid(op)})`;
    case 'bool':
      return `coalesce(multiIf(${s} = 'true', true, ${s} = 'false', false, NULL) ${o} ${b.sql}, ${invalid(op)})`;
  }
}

function dynVsDyn(a: string, op: CompareOp, b: string): string {
  const o = sqlOp(op);
  if (op === '==' || op === '!=') return `(${a} ${o} ${b})`;
  const na = `toFloat64OrNull(${a})`;
  const nb = `toFloat64OrNull(${b})`;
  return `multiIf(isNotNull(${na}) AND isNotNull(${nb}), ${na} ${o} ${nb}, isNotNull(${na}) OR isNotNull(${nb}), 0, ${a} ${o} ${b})`;
}

function sqlOp(op: CompareOp): string {
  return op === '==' ? '=' : op;
}

/** `kind == SPAN_KIND_SERVER` as `SpanKind = 'Server'`, which LowCardinality and indexes like. */
function enumEquality(left: ValueExpr, op: CompareOp, right: ValueExpr, params: Params): string | undefined {
  if (op !== '==' && op !== '!=') return undefined;
  if (left.type !== 'path' || (left.path !== 'kind' && left.path !== 'status.code')) return undefined;
  if (right.type !== 'literal' || !(right.kind === 'int' || right.kind === 'enum' || right.kind === 'float')) {
    return undefined;
  }
  if (typeof right.value !== 'number' || !Number.isInteger(right.value)) return undefined;
  const column = left.path === 'kind' ? 'SpanKind' : 'StatusCode';
  return `(${column} ${sqlOp(op)} ${params.bind('String', storedEnumName(left.path, right.value))})`;
}
