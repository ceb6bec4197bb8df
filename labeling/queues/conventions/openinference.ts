/**
 * OpenInference (Arize Phoenix): `input.value` / `output.value` with `input.mime_type` /
 * `output.mime_type` (`application/json` values are parsed), and flattened chat messages:
 *   llm.input_messages.N.message.{role, content, name, tool_call_id}
 *   llm.input_messages.N.message.tool_calls.M.tool_call.{id, function.name, function.arguments}
 *   llm.input_messages.N.message.contents.K.message_content.{type, text, image.image.url}
 *   llm.output_messages.N.message.*   (same fields)
 * When messages exist they are the input (output); otherwise the value is.
 */
import type { AttrValue, Attributes } from '../../../collector/model/span.js';
import type { Found, Message, ToolCall } from '../messages.js';
import { asConversation, contentToText, inOrder, indexAt, parseAttr, parseJsonText, stringify } from './values.js';

const INPUT_MESSAGES = 'llm.input_messages.';
const OUTPUT_MESSAGES = 'llm.output_messages.';
const MESSAGE = 'message.';
const TOOL_CALLS = 'tool_calls.';
const CONTENTS = 'contents.';

interface Slot {
  role?: string;
  content?: string;
  name?: string;
  toolCallId?: string;
  fnName?: string;
  fnArgs?: string;
  calls?: Map<number, ToolCall>;
  contents?: Map<number, { type?: string; text?: string }>;
}

export function openInference(attrs: Attributes): Found | undefined {
  let inputs: Map<number, Slot> | undefined;
  let outputs: Map<number, Slot> | undefined;
  for (const key in attrs) {
    if (key.charCodeAt(0) !== 0x6c /* l */) continue;
    if (key.startsWith(INPUT_MESSAGES)) inputs = put(inputs, key, INPUT_MESSAGES.length, attrs[key]);
    else if (key.startsWith(OUTPUT_MESSAGES)) outputs = put(outputs, key, OUTPUT_MESSAGES.length, attrs[key]);
  }
  const inputValue = attrs['input.value'];
  const outputValue = attrs['output.value'];
  if (inputs === undefined && outputs === undefined && inputValue === undefined && outputValue === undefined) return undefined;
  return {
    source: 'openinference',
    input: inputs ? toMessages(inputs, 'user') : value(inputValue, attrs['input.mime_type'], 'user'),
    output: outputs ? toMessages(outputs, 'assistant') : value(outputValue, attrs['output.mime_type'], 'assistant'),
  };
}

function value(v: AttrValue | undefined, mime: AttrValue | undefined, defaultRole: string): unknown {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return parseAttr(v);
  if (typeof mime !== 'string' || !mime.toLowerCase().startsWith('application/json')) return v;
  const parsed = parseJsonText(v);
  return asConversation(parsed, defaultRole) ?? parsed;
}

function text(v: AttrValue): string {
  return typeof v === 'string' ? v : stringify(parseAttr(v));
}

function put(slots: Map<number, Slot> | undefined, key: string, start: number, v: AttrValue): Map<number, Slot> | undefined {
  const at = indexAt(key, start);
  if (at === undefined || !key.startsWith(MESSAGE, at.rest)) return slots;
  const field = key.slice(at.rest + MESSAGE.length);
  slots ??= new Map();
  let s = slots.get(at.n);
  if (s === undefined) slots.set(at.n, (s = {}));
  switch (field) {
    case 'role': s.role = text(v); return slots;
    case 'content': s.content = text(v); return slots;
    case 'name': s.name = text(v); return slots;
    case 'tool_call_id': s.toolCallId = text(v); return slots;
    case 'function_call_name': s.fnName = text(v); return slots;
    case 'function_call_arguments_json': s.fnArgs = text(v); return slots;
  }
  if (field.startsWith(TOOL_CALLS)) {
    const m = indexAt(field, TOOL_CALLS.length);
    if (m === undefined) return slots;
    s.calls ??= new Map();
    let c = s.calls.get(m.n);
    if (c === undefined) s.calls.set(m.n, (c = { name: '', arguments: '' }));
    const sub = field.slice(m.rest);
    if (sub === 'tool_call.function.name') c.name = text(v);
    else if (sub === 'tool_call.function.arguments') c.arguments = text(v);
    else if (sub === 'tool_call.id') c.id = text(v);
  } else if (field.startsWith(CONTENTS)) {
    const k = indexAt(field, CONTENTS.length);
    if (k === undefined) return slots;
    s.contents ??= new Map();
    let c = s.contents.get(k.n);
    if (c === undefined) s.contents.set(k.n, (c = {}));
    const sub = field.slice(k.rest);
    if (sub === 'message_content.type') c.type = text(v);
    else if (sub === 'message_content.text') c.text = text(v);
    else if (sub.startsWith('message_content.image')) c.type ??= 'image';
  }
  return slots;
}

function toMessages(slots: Map<number, Slot>, defaultRole: string): Message[] {
  const out: Message[] = [];
  for (const s of inOrder(slots)) {
    const content = s.content !== undefined && s.content !== '' ? s.content : s.contents ? contentToText(inOrder(s.contents)) : s.content ?? '';
    const m: Message = { role: s.role !== undefined && s.role !== '' ? s.role : defaultRole, content };
    if (s.name !== undefined) m.name = s.name;
    let calls: ToolCall[] | undefined;
    if (s.fnName !== undefined) calls = [{ name: s.fnName, arguments: s.fnArgs ?? '' }];
    if (s.calls !== undefined) calls = calls ? calls.concat(inOrder(s.calls)) : inOrder(s.calls);
    if (calls !== undefined) m.tool_calls = calls.map((c) => (c.id === undefined ? { name: c.name, arguments: c.arguments } : { id: c.id, name: c.name, arguments: c.arguments }));
    if (s.toolCallId !== undefined) m.tool_call_id = s.toolCallId;
    out.push(m);
  }
  return out;
}
