/**
 * The syntax tree of a condition. Positions are UTF-16 offsets into the source text
 * (`start` inclusive, `end` exclusive) so that later passes can report errors precisely.
 */
export interface Pos {
  start: number;
  end: number;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type MathOp = '+' | '-' | '*' | '/';

/** Integers are numbers while safe, else bigint. */
export type IntValue = number | bigint;

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: IntValue }
  | { kind: 'float'; value: number }
  /** spansift's `5s`: integer nanoseconds. */
  | { kind: 'duration'; value: IntValue }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil'; value: null }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'enum'; name: string; value: number };

export type LiteralExpr = Literal & Pos & { type: 'literal' };

/** Canonical path names; context prefixes (`span.`) and `scope.` are resolved by the parser. */
export type PathName =
  | 'name'
  | 'kind'
  | 'kind.string'
  | 'kind.deprecated_string'
  | 'status.code'
  | 'status.message'
  | 'attributes'
  | 'resource.attributes'
  | 'instrumentation_scope.name'
  | 'instrumentation_scope.version'
  | 'instrumentation_scope.attributes'
  | 'duration'
  | 'start_time'
  | 'end_time'
  | 'start_time_unix_nano'
  | 'end_time_unix_nano'
  | 'trace_id'
  | 'trace_id.string'
  | 'span_id'
  | 'span_id.string'
  | 'parent_span_id'
  | 'parent_span_id.string'
  | 'trace_state'
  | 'dropped_attributes_count'
  | 'dropped_events_count'
  | 'dropped_links_count'
  | 'resource.dropped_attributes_count'
  | 'instrumentation_scope.dropped_attributes_count'
  | 'events'
  | 'links';

/** `[...]` after a path or a converter: a string or int literal, or any value (OTTL's key expressions). */
export interface IndexExpr extends Pos {
  key: ValueExpr;
}

export interface PathExpr extends Pos {
  type: 'path';
  path: PathName;
  /** The first key of a map path when it is a string literal: `attributes["k"]`, `trace_state["k"]`. */
  key?: string;
  /** The first key of a map path when it is computed: `attributes[attributes["which"]]`. */
  keyExpr?: ValueExpr;
  /** Further indexes into the value: `attributes["a"]["b"]`, `attributes["l"][0]`. */
  index: IndexExpr[];
}

export interface CallExpr extends Pos {
  type: 'call';
  name: string;
  /** In parameter order; named arguments are placed, skipped optional ones get their default. */
  args: ValueExpr[];
  /** Indexes into the result: `Split(name, ",")[1]`. */
  index: IndexExpr[];
}

export interface ListExpr extends Pos {
  type: 'list';
  items: ValueExpr[];
}

export interface MapExpr extends Pos {
  type: 'map';
  entries: Array<{ key: string; value: ValueExpr }>;
}

export interface MathExpr extends Pos {
  type: 'math';
  op: MathOp;
  left: ValueExpr;
  right: ValueExpr;
}

/** Unary minus on something that is not a number literal (those fold into the literal). */
export interface NegExpr extends Pos {
  type: 'neg';
  operand: ValueExpr;
}

export type ValueExpr = LiteralExpr | PathExpr | CallExpr | ListExpr | MapExpr | MathExpr | NegExpr;

export interface LogicalExpr extends Pos {
  type: 'and' | 'or';
  /** Two or more; `a and b and c` is one node. */
  operands: BoolExpr[];
}

export interface NotExpr extends Pos {
  type: 'not';
  operand: BoolExpr;
}

export interface CompareExpr extends Pos {
  type: 'compare';
  op: CompareOp;
  left: ValueExpr;
  right: ValueExpr;
}

/** A value used directly as a condition: `IsMatch(...)`, `true`, and (spansift) `attributes["cached"]`. */
export interface BareExpr extends Pos {
  type: 'bare';
  value: ValueExpr;
}

export type BoolExpr = LogicalExpr | NotExpr | CompareExpr | BareExpr;

/** `a < b` is `b > a`; used to put the literal on the right. */
export const FLIPPED: Record<CompareOp, CompareOp> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};

/** Every value node under `v`, `v` included, depth first. */
export function* valueNodes(v: ValueExpr): Generator<ValueExpr> {
  yield v;
  switch (v.type) {
    case 'path':
      if (v.keyExpr) yield* valueNodes(v.keyExpr);
      for (const i of v.index) yield* valueNodes(i.key);
      return;
    case 'call':
      for (const a of v.args) yield* valueNodes(a);
      for (const i of v.index) yield* valueNodes(i.key);
      return;
    case 'list':
      for (const a of v.items) yield* valueNodes(a);
      return;
    case 'map':
      for (const e of v.entries) yield* valueNodes(e.value);
      return;
    case 'math':
      yield* valueNodes(v.left);
      yield* valueNodes(v.right);
      return;
    case 'neg':
      yield* valueNodes(v.operand);
      return;
    default:
      return;
  }
}

/** Every value node of a condition, in source order. */
export function* conditionValues(e: BoolExpr): Generator<ValueExpr> {
  switch (e.type) {
    case 'and':
    case 'or':
      for (const o of e.operands) yield* conditionValues(o);
      return;
    case 'not':
      yield* conditionValues(e.operand);
      return;
    case 'bare':
      yield* valueNodes(e.value);
      return;
    case 'compare':
      yield* valueNodes(e.left);
      yield* valueNodes(e.right);
  }
}

/**
 * Whether a value reads nothing of the span, so it can be computed once. Now() is not
 * constant, nor Time() with a format that has no year (the collector fills in the current
 * year, or today's date).
 */
export function isConstant(v: ValueExpr): boolean {
  for (const n of valueNodes(v)) {
    if (n.type === 'path') return false;
    if (n.type === 'call' && (n.name === 'Now' || n.name === 'IsRootSpan' || n.name === 'HasEvent')) return false;
    if (n.type === 'call' && n.name === 'Time' && !formatHasYear(n.args[1])) return false;
  }
  return true;
}

function formatHasYear(format: ValueExpr | undefined): boolean {
  return format?.type === 'literal' && typeof format.value === 'string' && /%[YyDxFc]/.test(format.value.replaceAll('%%', ''));
}
