/**
 * Laminar (`@lmnr-ai/lmnr`): `observe()` records the wrapped function's arguments in
 * `lmnr.span.input` and its result in `lmnr.span.output`, both JSON. A single object argument
 * is recorded as that object, several arguments as an array; an LLM span's input is the
 * chat messages (`[{role, content}]`).
 */
import type { Attributes } from '../../span.js';
import type { Found } from '../extract.js';
import { readValue } from './values.js';

export const LMNR_INPUT = 'lmnr.span.input';
export const LMNR_OUTPUT = 'lmnr.span.output';

export function laminar(attrs: Attributes): Found | undefined {
  const input = attrs[LMNR_INPUT];
  const output = attrs[LMNR_OUTPUT];
  if (input === undefined && output === undefined) return undefined;
  return { source: 'laminar', input: readValue(input, 'user'), output: readValue(output, 'assistant') };
}
