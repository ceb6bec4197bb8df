/**
 * Laminar (`@lmnr-ai/lmnr`): `observe()` records the wrapped function's arguments in
 * `lmnr.span.input` and its result in `lmnr.span.output`, as JSON. One object (or array)
 * argument is recorded as itself; otherwise the arguments are recorded as an array, so one
 * string argument arrives as `["text"]`, which is read back as the text. An LLM span's input
 * is its chat messages (`[{role, content}]`). A result returned synchronously as a string is
 * recorded as that raw string, not JSON; either way the labeler sees the text. A function
 * called without arguments is recorded as `{}`: no input, as is `[]`.
 */
import type { Attributes } from '../../../collector/model/span.js';
import type { Found } from '../messages.js';
import { type Obj, asConversation, isObj, parseAttr, readValue } from './values.js';

export const LMNR_INPUT = 'lmnr.span.input';
export const LMNR_OUTPUT = 'lmnr.span.output';

export function laminar(attrs: Attributes): Found | undefined {
  const input = attrs[LMNR_INPUT];
  const output = attrs[LMNR_OUTPUT];
  if (input === undefined && output === undefined) return undefined;
  return { source: 'laminar', input: readInput(attrs), output: readValue(output, 'assistant') };
}

function readInput(attrs: Attributes): unknown {
  const v = attrs[LMNR_INPUT];
  if (v === undefined) return undefined;
  const parsed = parseAttr(v);
  if (Array.isArray(parsed) ? parsed.length === 0 : isObj(parsed) && isEmpty(parsed)) return undefined;
  if (Array.isArray(parsed) && parsed.length === 1 && (parsed[0] === null || typeof parsed[0] !== 'object')) return parsed[0];
  return asConversation(parsed, 'user') ?? parsed;
}

function isEmpty(o: Obj): boolean {
  for (const _k in o) return false;
  return true;
}
