/**
 * OpenTelemetry gen_ai semantic conventions (current): `gen_ai.input.messages`,
 * `gen_ai.output.messages` and `gen_ai.system_instructions`, each JSON (or a structured
 * attribute value) of messages made of parts:
 *   [{role, parts: [{type: 'text', content} | {type: 'tool_call', id, name, arguments}
 *                   | {type: 'tool_call_response', id, response} | {type: 'blob'|'uri', modality, ...}]}]
 * Output messages also carry `finish_reason`.
 */
import type { Attributes } from '../../../collector/model/span.js';
import type { Found } from '../messages.js';
import { contentToText, parseAttr, readValue } from './values.js';

export const GEN_AI_INPUT = 'gen_ai.input.messages';
export const GEN_AI_OUTPUT = 'gen_ai.output.messages';
export const GEN_AI_SYSTEM = 'gen_ai.system_instructions';

export function genAiMessages(attrs: Attributes): Found | undefined {
  const input = attrs[GEN_AI_INPUT];
  const output = attrs[GEN_AI_OUTPUT];
  if (input === undefined && output === undefined && attrs[GEN_AI_SYSTEM] === undefined) return undefined;
  const found: Found = { source: 'gen_ai.messages', input: readValue(input, 'user'), output: readValue(output, 'assistant') };
  const system = systemInstructions(attrs);
  if (system !== undefined) found.system = system;
  return found;
}

/** `gen_ai.system_instructions` as text: a JSON array of parts (joined with '\n') or a string. */
export function systemInstructions(attrs: Attributes): string | undefined {
  const v = attrs[GEN_AI_SYSTEM];
  if (v === undefined) return undefined;
  const text = contentToText(parseAttr(v));
  return text === '' ? undefined : text;
}
