/**
 * Traceloop / OpenLLMetry entity spans (`withWorkflow`, `withTask`, `withAgent`, `withTool`
 * and the Python decorators): `traceloop.entity.input` / `traceloop.entity.output`, JSON.
 * The SDKs record the input as `{"args": [...], "kwargs": {...}}` (the JS SDK records one
 * argument of type object, which includes arrays and null, as `kwargs`), and the LangChain
 * callback as `{"inputs": ..., "tags", "metadata", "kwargs"}` / `{"outputs": ..., "kwargs"}`.
 * Those wrappers are removed; anything else is kept as the value it is. A call without
 * arguments (`{"args": [], "kwargs": {}}`) has no input.
 */
import type { Attributes } from '../../../collector/model/span.js';
import type { Found } from '../messages.js';
import { type Obj, asConversation, isObj, parseAttr } from './values.js';

export const ENTITY_INPUT = 'traceloop.entity.input';
export const ENTITY_OUTPUT = 'traceloop.entity.output';

export function traceloop(attrs: Attributes): Found | undefined {
  const input = attrs[ENTITY_INPUT];
  const output = attrs[ENTITY_OUTPUT];
  if (input === undefined && output === undefined) return undefined;
  return {
    source: 'traceloop',
    input: input === undefined ? undefined : read(unwrap(parseAttr(input), 'inputs'), 'user'),
    output: output === undefined ? undefined : read(unwrap(parseAttr(output), 'outputs'), 'assistant'),
  };
}

function read(v: unknown, defaultRole: string): unknown {
  return asConversation(v, defaultRole) ?? v;
}

function unwrap(v: unknown, wrapperKey: 'inputs' | 'outputs'): unknown {
  if (!isObj(v)) return v;
  if (Object.hasOwn(v, wrapperKey)) return v[wrapperKey];
  return onlyKeys(v, 'args', 'kwargs') ? argsKwargs(v) : v;
}

function onlyKeys(v: Obj, a: string, b: string): boolean {
  let n = 0;
  for (const k in v) {
    if (k !== a && k !== b) return false;
    n++;
  }
  return n > 0;
}

/**
 * A call's arguments as the labeler thinks of them: the one argument, or the list, or the
 * named ones, or both as recorded. No arguments at all is no input (undefined).
 */
function argsKwargs(v: Obj): unknown {
  const args = Array.isArray(v.args) ? v.args : v.args === undefined || v.args === null ? [] : [v.args];
  const kw = v.kwargs;
  if (kw !== undefined && kw !== null && !isObj(kw)) {
    // The JS SDK's one argument of type object that is not a plain object: an array (often the chat messages), a Date's text.
    if (args.length === 0) return Array.isArray(kw) && kw.length === 0 ? undefined : kw;
    return v;
  }
  const named = kw !== undefined && kw !== null && Object.keys(kw).length > 0;
  if (!named) return args.length === 0 ? undefined : args.length === 1 ? args[0] : args;
  if (args.length === 0) return kw;
  return v;
}
