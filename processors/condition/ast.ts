/**
 * The syntax tree of a condition. Positions are UTF-16 offsets into the source text
 * (`start` inclusive, `end` exclusive) so that later passes can report errors precisely.
 */
export interface Pos {
  start: number;
  end: number;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Integers (and durations, which are integer nanoseconds) are numbers while safe, else bigint. */
export type IntValue = number | bigint;

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: IntValue }
  | { kind: 'float'; value: number }
  | { kind: 'duration'; value: IntValue }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil'; value: null }
  | { kind: 'enum'; name: string; value: number };

export type LiteralExpr = Literal & Pos & { type: 'literal' };

/** Canonical path names; aliases such as `span.name` or `trace_id.string` are resolved by the parser. */
export type PathName =
  | 'name'
  | 'kind'
  | 'status.code'
  | 'status.message'
  | 'attributes'
  | 'resource.attributes'
  | 'instrumentation_scope.name'
  | 'instrumentation_scope.version'
  | 'duration'
  | 'start_time'
  | 'end_time'
  | 'trace_id'
  | 'span_id'
  | 'parent_span_id'
  | 'trace_state'
  | 'events';

export interface PathExpr extends Pos {
  type: 'path';
  path: PathName;
  /** The map key of `attributes["k"]` / `resource.attributes["k"]`. */
  key?: string;
}

export type FunctionName =
  | 'IsMatch'
  | 'HasPrefix'
  | 'HasSuffix'
  | 'Len'
  | 'Int'
  | 'Double'
  | 'String'
  | 'IsString'
  | 'HasEvent';

export interface CallExpr extends Pos {
  type: 'call';
  name: FunctionName;
  args: ValueExpr[];
}

export type ValueExpr = LiteralExpr | PathExpr | CallExpr;

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

/** A value used directly as a condition: `IsMatch(...)`, `attributes["cached"]`, `true`. */
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
