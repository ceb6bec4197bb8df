import { conditionValues, type BoolExpr, type ValueExpr } from './ast.js';
import { PATHS, type StaticType } from './catalog.js';
import { lineColumn } from './errors.js';
import { FUNCTIONS } from './functions/registry.js';
import { typeOf } from './types.js';

/**
 * What a condition uses that OTTL itself does not have, so `spansift validate --strict-ottl`
 * can say what to change before the rule moves into a collector's filter processor or
 * routing connector. Each comes with its place in the condition.
 */
export interface Extension {
  offset: number;
  line: number;
  column: number;
  message: string;
}

export function ottlExtensions(source: string, ast: BoolExpr): Extension[] {
  const found: Array<{ offset: number; message: string }> = [];
  const add = (offset: number, message: string) => found.push({ offset, message });
  walk(ast, source, add);
  for (const v of conditionValues(ast)) valueExtensions(v, source, add);
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.offset - b.offset)
    .filter((f) => !seen.has(`${f.offset}:${f.message}`) && seen.add(`${f.offset}:${f.message}`))
    .map((f) => ({ ...f, ...lineColumn(source, f.offset) }));
}

type Add = (offset: number, message: string) => void;

function walk(e: BoolExpr, source: string, add: Add): void {
  switch (e.type) {
    case 'and':
    case 'or':
      e.operands.forEach((o) => walk(o, source, add));
      return;
    case 'not':
      walk(e.operand, source, add);
      return;
    case 'bare':
      if (e.value.type === 'path') {
        const text = source.slice(e.value.start, e.value.end);
        add(e.value.start, `OTTL needs a comparison here: write ${text} == true`);
      }
      return;
    case 'compare': {
      const a = typeOf(e.left);
      const b = typeOf(e.right);
      mixed(a, b, e.left.start, add) || mixed(b, a, e.right.start, add);
      return;
    }
  }
}

const NUMBER = new Set<StaticType>(['int', 'float']);

/** Comparisons OTTL answers as "not equal" that spansift reads as nanoseconds or hex text. */
function mixed(a: StaticType, b: StaticType, at: number, add: Add): boolean {
  if ((a === 'time' || a === 'duration') && NUMBER.has(b)) {
    add(at, `OTTL does not compare a ${a} with a number (it is always "not equal"); compare with Duration("...") or use start_time_unix_nano / end_time_unix_nano`);
    return true;
  }
  if ((a === 'traceid' || a === 'spanid') && b === 'string') {
    add(at, `OTTL does not compare ${a === 'traceid' ? 'a trace id' : 'a span id'} with a string (it is always "not equal"); use the .string path or ${a === 'traceid' ? 'TraceID' : 'SpanID'}("...")`);
    return true;
  }
  return false;
}

function valueExtensions(v: ValueExpr, source: string, add: Add): void {
  switch (v.type) {
    case 'literal': {
      const text = source.slice(v.start, v.end);
      if (v.kind === 'duration') add(v.start, `OTTL has no duration literals: write Duration("${text.replace(/^[-+]/, '')}")`);
      if (v.kind === 'float' && !text.includes('.')) add(v.start, `OTTL reads floats only with a decimal point: write ${Number(v.value).toFixed(1)}`);
      if (v.kind === 'string' && /\\\/|\\[uU]0*d[89ab]/i.test(text)) add(v.start, 'OTTL strings use Go escapes: \\/ and surrogate pairs are spansift\'s; write the character itself');
      return;
    }
    case 'path': {
      const ext = PATHS[v.path].extension;
      if (ext) add(v.start, ext);
      return;
    }
    case 'call': {
      const ext = FUNCTIONS[v.name].extension;
      if (ext) add(v.start, ext);
      return;
    }
    default:
      return;
  }
}
