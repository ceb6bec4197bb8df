/**
 * What a labeler sees of a span: the conversation (or the input and output values) found
 * by the conventions LLM instrumentations write, tried in this order, first match wins:
 *   1. laminar          lmnr.span.input / lmnr.span.output
 *   2. gen_ai.messages  gen_ai.input.messages / gen_ai.output.messages / gen_ai.system_instructions
 *   3. gen_ai.indexed   gen_ai.prompt.N.* / gen_ai.completion.N.*
 *   4. openinference    llm.input_messages.N.* / llm.output_messages.N.* / input.value / output.value
 *   5. traceloop        traceloop.entity.input / traceloop.entity.output
 *   6. attributes       none of these: every attribute, flattened to strings
 * Chat messages stay structured (role, content, tool calls). Invalid JSON is kept as the raw
 * string. The leading system (and developer) messages of a chat input are its system prompt:
 * they move to `system`, after any system instructions the convention gave separately.
 * Called once per routed span: it reads only the attributes of the convention that matches,
 * and never throws.
 */
import type { Attributes, Span } from '../../collector/model/span.js';
import { attrsToStrings } from '../../collector/model/attributes.js';
import { genAiIndexed } from './conventions/genai-indexed.js';
import { genAiMessages, systemInstructions } from './conventions/genai.js';
import { laminar } from './conventions/laminar.js';
import { openInference } from './conventions/openinference.js';
import { traceloop } from './conventions/traceloop.js';
import type { Found, Message, Payload } from './messages.js';

const CONVENTIONS: readonly ((attrs: Attributes) => Found | undefined)[] = [laminar, genAiMessages, genAiIndexed, openInference, traceloop];

const MODEL_KEYS = [
  'gen_ai.request.model',
  'gen_ai.response.model',
  'llm.model_name',
  'llm.request.model_name',
  'llm.response.model_name',
  'llm.request.model',
  'llm.response.model',
  'ai.model.id',
] as const;

export function extractPayload(span: Span): Payload {
  const attrs: Attributes = span?.attributes ?? {};
  try {
    for (const convention of CONVENTIONS) {
      const found = convention(attrs);
      if (found === undefined) continue;
      const payload: Payload = { source: found.source, input: found.input, output: found.output };
      const system = found.system ?? (found.source === 'gen_ai.messages' ? undefined : systemInstructions(attrs));
      if (system !== undefined) payload.system = system;
      liftSystem(payload);
      const model = modelOf(attrs);
      if (model !== undefined) payload.model = model;
      return payload;
    }
  } catch {
    // A value this code did not foresee (e.g. nesting too deep to walk): show the attributes.
  }
  return fallback(attrs);
}

const SYSTEM_ROLES = new Set(['system', 'developer']);

/**
 * Moves the system prompt sent as the first messages of a chat input to `system` (joined with
 * a blank line, after separately given instructions; a text already there is not repeated). Messages
 * after the first other one stay where they are, and so does a system message that carries a
 * name or tool calls, which `system` (text) could not hold. An input that was only a system
 * prompt becomes no input.
 */
function liftSystem(payload: Payload): void {
  const input = payload.input;
  if (!isChat(input)) return;
  let n = 0;
  while (n < input.length && isPlainSystem(input[n])) n++;
  if (n === 0) return;
  const parts = payload.system === undefined ? [] : [payload.system];
  for (let i = 0; i < n; i++) {
    const t = input[i].content;
    if (t !== '' && !parts.includes(t)) parts.push(t);
  }
  if (parts.length > 0) payload.system = parts.join('\n\n');
  payload.input = n === input.length ? undefined : input.slice(n);
}

function isPlainSystem(m: Message): boolean {
  return SYSTEM_ROLES.has(m.role) && m.name === undefined && m.tool_calls === undefined && m.tool_call_id === undefined;
}

/** Messages as the conventions make them (a value that merely is an array is not a chat). */
export function isChat(v: unknown): v is Message[] {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (const m of v) {
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || typeof m.content !== 'string') return false;
  }
  return true;
}

function fallback(attrs: Attributes): Payload {
  const payload: Payload = { source: 'attributes', input: undefined, output: undefined, attributes: {} };
  try {
    const model = modelOf(attrs);
    if (model !== undefined) payload.model = model;
    payload.attributes = attrsToStrings(attrs);
  } catch {
    // attributes stay {}
  }
  return payload;
}

function modelOf(attrs: Attributes): string | undefined {
  for (const k of MODEL_KEYS) {
    const v = attrs[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}
