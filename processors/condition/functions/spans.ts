import type { ValueExpr } from '../ast.js';
import { strictString } from '../convert.js';
import { typed } from '../sql-model.js';
import { fail, kindOf } from '../values.js';
import { type FunctionDef } from './define.js';

/** Converters about the span itself: IsRootSpan, ids from literals, and spansift's HasEvent. */
const EVENT_NAMES = '`Events.Name`';

/** The lower-case hex of an id given as bytes or as hex text, undefined when it is not `size` bytes. */
function idFrom(v: unknown, size: number): string | undefined {
  if (v instanceof Uint8Array) return v.length === size ? Buffer.from(v).toString('hex') : undefined;
  if (typeof v === 'string') return new RegExp(`^[0-9a-fA-F]{${size * 2}}$`).test(v) ? v.toLowerCase() : undefined;
  return undefined;
}

function idFunction(kind: 'traceid' | 'spanid', size: number): FunctionDef {
  const what = kind === 'traceid' ? 'TraceID' : 'SpanID';
  return {
    params: [{ name: 'target', kind: 'value' }],
    returns: kind,
    errors: true,
    check: (args, bad) => {
      const a: ValueExpr = args[0];
      if (a.type === 'literal' && idFrom(a.value, size) === undefined) {
        bad(0, `${what} needs ${size} bytes, as in ${what}(0x${'00'.repeat(size)}) or ${what}("${'0'.repeat(size * 2)}")`);
      }
    },
    closure: ([target]) => (s) => {
      const v = target.get(s);
      const hex = idFrom(kindOf(v) === 'string' ? strictString(v) : v, size);
      return hex ?? fail();
    },
    sql: (args, call, ctx) => {
      const a = call.args[0];
      if (a.type !== 'literal') return { k: 'opaque' };
      const hex = idFrom(a.value, size)!;
      return typed(kind, ctx.params.bind('String', hex));
    },
  };
}

export const SPAN_FUNCTIONS: Record<string, FunctionDef> = {
  IsRootSpan: {
    params: [],
    returns: 'bool',
    closure: () => (s) => /^0*$/.test(s.parentSpanId),
    sql: () => typed('bool', "match(ParentSpanId, '^0*$')"),
  },
  TraceID: idFunction('traceid', 16),
  SpanID: idFunction('spanid', 8),
  HasEvent: {
    params: [{ name: 'name', kind: 'string' }],
    returns: 'bool',
    extension: 'HasEvent is spansift\'s; in the collector, match events in the span event context (spanevent.name == "...")',
    closure: (args, call) => {
      const a = call.args[0];
      const name = a.type === 'literal' && a.kind === 'string' ? a.value : '';
      return (s) => {
        const events = s.events;
        for (let i = 0; i < events.length; i++) if (events[i].name === name) return true;
        return false;
      };
    },
    sql: ([name]) => (name.k === 'typed' ? typed('bool', `has(${EVENT_NAMES}, ${name.sql})`) : { k: 'opaque' }),
  },
};
