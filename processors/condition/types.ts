import type { MathOp, ValueExpr } from './ast.js';
import { PATHS, type StaticType } from './catalog.js';
import { FUNCTIONS } from './functions/registry.js';

/** The static type of a value expression; converters and indexes may still yield nil. */
export function typeOf(v: ValueExpr): StaticType {
  switch (v.type) {
    case 'literal':
      switch (v.kind) {
        case 'string':
        case 'float':
        case 'bool':
        case 'nil':
        case 'bytes':
          return v.kind;
        case 'duration':
          return 'duration';
        default:
          return 'int';
      }
    case 'path': {
      const info = PATHS[v.path];
      if (v.key !== undefined || v.keyExpr) {
        if (info.keyed === 'entries') return v.index.length ? 'dyn' : 'string';
        return 'dyn';
      }
      return info.type;
    }
    case 'call': {
      const def = FUNCTIONS[v.name];
      const t = typeof def.returns === 'function' ? def.returns(v.args) : def.returns;
      return v.index.length ? 'dyn' : t;
    }
    case 'list':
      return 'list';
    case 'map':
      return 'map';
    case 'neg':
      return typeOf(v.operand);
    case 'math':
      return mathType(v.op, typeOf(v.left), typeOf(v.right)) ?? 'dyn';
  }
}

/**
 * OTTL's typing of `a op b`: ints and floats (an int meeting a float becomes one), times and
 * durations under + and - only. undefined when the operation is an error for every span.
 */
export function mathType(op: MathOp, a: StaticType, b: StaticType): StaticType | undefined {
  if (a === 'dyn' || b === 'dyn') {
    const other = a === 'dyn' ? b : a;
    return ['dyn', 'int', 'float', 'time', 'duration'].includes(other) ? 'dyn' : undefined;
  }
  if ((a === 'int' || a === 'float') && (b === 'int' || b === 'float')) return a === 'int' && b === 'int' ? 'int' : 'float';
  if (op === '*' || op === '/') return undefined;
  if (a === 'time') return b === 'time' && op === '-' ? 'duration' : b === 'duration' ? 'time' : undefined;
  if (a === 'duration') return b === 'duration' ? 'duration' : b === 'time' && op === '+' ? 'time' : undefined;
  return undefined;
}
