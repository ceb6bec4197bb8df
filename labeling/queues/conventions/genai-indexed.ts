/**
 * Indexed gen_ai attributes, as OpenLLMetry / Traceloop instrumentations write them:
 *   gen_ai.prompt.N.{role, content, name, tool_call_id}, gen_ai.prompt.N.tool_calls.M.{id, name, arguments}
 *   gen_ai.completion.N.{role, content, finish_reason}, gen_ai.completion.N.tool_calls.M.*
 * Messages are ordered by N as a number (10 after 9). A content that is a JSON array of
 * content parts (how these instrumentations record multi-part and Anthropic content) is read
 * as parts: text joined with '\n', images as placeholders, tool_use parts as tool calls.
 */
import type { AttrValue, Attributes } from '../../../collector/model/span.js';
import type { Found, Message } from '../messages.js';
import { type Obj, inOrder, indexAt, isObj, messageFrom, parseAttr, parseJsonText, setOwn } from './values.js';

const PROMPT = 'gen_ai.prompt.';
const COMPLETION = 'gen_ai.completion.';

interface Slot {
  fields: Obj;
  calls?: Map<number, Obj>;
}

export function genAiIndexed(attrs: Attributes): Found | undefined {
  let prompts: Map<number, Slot> | undefined;
  let completions: Map<number, Slot> | undefined;
  for (const key in attrs) {
    if (key.charCodeAt(0) !== 0x67 /* g */ || !key.startsWith('gen_ai.')) continue;
    if (key.startsWith(PROMPT)) prompts = put(prompts, key, PROMPT.length, attrs[key]);
    else if (key.startsWith(COMPLETION)) completions = put(completions, key, COMPLETION.length, attrs[key]);
  }
  if (prompts === undefined && completions === undefined) return undefined;
  return {
    source: 'gen_ai.indexed',
    input: prompts && toMessages(prompts, 'user'),
    output: completions && toMessages(completions, 'assistant'),
  };
}

function put(slots: Map<number, Slot> | undefined, key: string, start: number, value: AttrValue): Map<number, Slot> | undefined {
  const at = indexAt(key, start);
  if (at === undefined) return slots;
  const field = key.slice(at.rest);
  slots ??= new Map();
  let slot = slots.get(at.n);
  if (slot === undefined) slots.set(at.n, (slot = { fields: {} }));
  if (field.startsWith('tool_calls.')) {
    const call = indexAt(field, 'tool_calls.'.length);
    if (call === undefined) return slots;
    slot.calls ??= new Map();
    let c = slot.calls.get(call.n);
    if (c === undefined) slot.calls.set(call.n, (c = {}));
    setOwn(c, field.slice(call.rest), parseAttrKeepText(value));
  } else if (field.startsWith('function_call.')) {
    // The legacy OpenAI function call of a completion: one call, listed before tool calls.
    slot.calls ??= new Map();
    let c = slot.calls.get(-1);
    if (c === undefined) slot.calls.set(-1, (c = {}));
    setOwn(c, field.slice('function_call.'.length), parseAttrKeepText(value));
  } else {
    setOwn(slot.fields, field, field === 'content' ? content(value) : parseAttrKeepText(value));
  }
  return slots;
}

/** Strings stay strings (arguments are JSON text meant to be shown as such). */
function parseAttrKeepText(v: AttrValue): unknown {
  return typeof v === 'string' ? v : parseAttr(v);
}

/** Content as recorded: text, or a JSON array of content parts. */
function content(v: AttrValue): unknown {
  if (typeof v !== 'string') return parseAttr(v);
  const parsed = parseJsonText(v);
  return Array.isArray(parsed) && parsed.length > 0 && parsed.every((p) => isObj(p) && typeof p.type === 'string') ? parsed : v;
}

function toMessages(slots: Map<number, Slot>, defaultRole: string): Message[] {
  const out: Message[] = [];
  for (const slot of inOrder(slots)) {
    const m = slot.fields;
    if (slot.calls !== undefined) m.tool_calls = inOrder(slot.calls);
    messageFrom(m, defaultRole, out);
  }
  return out;
}
