/**
 * Shared pieces of payload extraction: reading attribute values that hold JSON, turning
 * message content into the text a labeler reads, and recognising chat messages in the
 * shapes the instrumentations write (OpenAI, Anthropic, Gemini, OpenTelemetry gen_ai parts).
 *
 * Nothing here throws on odd input except on pathological nesting, which extractPayload
 * catches; values that are not understood are kept as they are.
 */
import type { AttrValue } from '../../../collector/model/span.js';
import type { Message, ToolCall } from '../messages.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Deeper structured attribute values than this are shown as a marker, not walked. */
const MAX_DEPTH = 64;

/**
 * An attribute value as a plain JS value. Strings that hold a JSON object, array or string
 * are parsed; invalid JSON (and any other text) stays the raw string. Structured OTLP values
 * (arrays, key-value lists) become plain arrays and objects.
 */
export function parseAttr(v: AttrValue | undefined): unknown {
  return typeof v === 'string' ? parseJsonText(v) : toPlain(v, 0);
}

export function parseJsonText(s: string): unknown {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const c = s.charCodeAt(i);
  // Only '{', '[' and '"' start a value worth parsing: plain text stays text, cheaply.
  if (c !== 0x7b && c !== 0x5b && c !== 0x22) return s;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function toPlain(v: AttrValue | undefined, depth: number): unknown {
  if (v === null || v === undefined || typeof v !== 'object') {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return v;
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  const out: Obj = {};
  for (const k of Object.keys(v)) setOwn(out, k, toPlain(v[k], depth + 1));
  return out;
}

/** An assignment that keeps an untrusted '__proto__' key as data. */
export function setOwn(o: Obj, k: string, value: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  else o[k] = value;
}

export function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    return s === undefined ? String(v) : s;
  } catch {
    return '[unreadable value]';
  }
}

const MEDIA: Record<string, string> = {
  image: '[image]', image_url: '[image]', input_image: '[image]',
  audio: '[audio]', input_audio: '[audio]', output_audio: '[audio]',
  video: '[video]', file: '[file]', input_file: '[file]', document: '[document]',
};

/** Parts that carry a tool call or a tool's answer: messageFrom() turns them into fields. */
const TOOL_CALL_PARTS = new Set(['tool_call', 'tool_use', 'function_call', 'server_tool_call']);
const TOOL_RESULT_PARTS = new Set(['tool_call_response', 'tool_result', 'function_call_output', 'server_tool_call_response']);
/** The model's reasoning is not part of its answer: labelers judge the answer, so it is left out. */
const REASONING_PARTS = new Set(['reasoning', 'thinking', 'redacted_thinking']);

/** The text of a content value: a string, one part, or an array of parts joined with '\n'. */
export function contentToText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    let out: string | undefined;
    for (const p of v) {
      const t = partToText(p);
      if (t !== undefined) out = out === undefined ? t : `${out}\n${t}`;
    }
    return out ?? '';
  }
  if (isObj(v)) return partToText(v) ?? '';
  return String(v);
}

/** One content part as text; undefined for parts that are not shown as text (tool calls, reasoning). */
function partToText(p: unknown): string | undefined {
  if (typeof p === 'string') return p;
  if (!isObj(p)) return p === null || p === undefined ? undefined : String(p);
  const type = p.type;
  if (typeof type === 'string') {
    if (TOOL_CALL_PARTS.has(type) || TOOL_RESULT_PARTS.has(type) || REASONING_PARTS.has(type)) return undefined;
    const text = typeof p.text === 'string' ? p.text : typeof p.content === 'string' ? p.content : undefined;
    if (type === 'text' || type === 'input_text' || type === 'output_text') return text ?? '';
    const media = MEDIA[type];
    if (media !== undefined) return media;
    // gen_ai semconv binary parts: {type: 'blob' | 'uri', modality: 'image' | 'audio' | 'video'}
    if (type === 'blob' || type === 'uri') return typeof p.modality === 'string' && MEDIA[p.modality] ? MEDIA[p.modality] : '[file]';
    if (text !== undefined) return text; // refusal, and text-bearing parts yet unknown
    if (typeof p.refusal === 'string') return p.refusal;
    return `[${type}]`;
  }
  if (typeof p.text === 'string') return p.text; // Gemini parts: {text}
  if (typeof p.content === 'string') return p.content;
  return stringify(p);
}

function toolCallFrom(tc: unknown): ToolCall | undefined {
  if (!isObj(tc)) return undefined;
  const fn = isObj(tc.function) ? tc.function : tc;
  const args = fn.arguments !== undefined ? fn.arguments : tc.arguments !== undefined ? tc.arguments : tc.input !== undefined ? tc.input : tc.server_tool_call;
  const call: ToolCall = {
    name: typeof fn.name === 'string' ? fn.name : typeof tc.name === 'string' ? tc.name : '',
    arguments: args === undefined || args === null ? '' : stringify(args),
  };
  const id = typeof tc.id === 'string' ? tc.id : typeof tc.call_id === 'string' ? tc.call_id : undefined;
  return id === undefined ? call : { id, ...call };
}

/**
 * Appends the message(s) of one message object to `out`: role (defaultRole when missing),
 * text content, name, tool calls and tool call id. A message that answers several tool calls
 * at once becomes one message per answer.
 */
export function messageFrom(m: Obj, defaultRole: string, out: Message[]): void {
  const role = typeof m.role === 'string' && m.role !== '' ? m.role : defaultRole;
  const body = m.parts !== undefined ? m.parts : m.content;
  const msg: Message = { role, content: contentToText(body) };
  if (typeof m.name === 'string') msg.name = m.name;
  let calls: ToolCall[] | undefined;
  const add = (tc: unknown) => {
    const c = toolCallFrom(tc);
    if (c !== undefined) (calls ??= []).push(c);
  };
  if (Array.isArray(m.tool_calls)) for (const tc of m.tool_calls) add(tc);
  if (isObj(m.function_call)) add(m.function_call);
  const callId = typeof m.tool_call_id === 'string' ? m.tool_call_id : typeof m.toolCallId === 'string' ? m.toolCallId : undefined;
  if (callId !== undefined) msg.tool_call_id = callId;

  let results: Message[] | undefined;
  if (Array.isArray(body)) {
    for (const p of body) {
      if (!isObj(p) || typeof p.type !== 'string') continue;
      if (TOOL_CALL_PARTS.has(p.type)) add(p);
      else if (TOOL_RESULT_PARTS.has(p.type)) {
        const answer = p.response !== undefined ? p.response : p.content !== undefined ? p.content : p.output;
        const r: Message = { role, content: Array.isArray(answer) ? contentToText(answer) : answer === undefined ? '' : stringify(answer) };
        const id = p.id ?? p.tool_use_id ?? p.call_id;
        if (typeof id === 'string') r.tool_call_id = id;
        (results ??= []).push(r);
      }
    }
  }
  if (calls !== undefined) msg.tool_calls = calls;
  if (results === undefined) out.push(msg);
  else if (results.length === 1 && msg.content === '' && calls === undefined) out.push({ ...msg, ...results[0] });
  else {
    if (msg.content !== '' || calls !== undefined) out.push(msg);
    for (const r of results) out.push(r);
  }
}

function isMessageArray(a: unknown[]): boolean {
  if (a.length === 0) return false;
  let withRole = false;
  for (const m of a) {
    if (!isObj(m)) return false;
    if (typeof m.role === 'string') withRole = true;
    else if (m.content === undefined && m.parts === undefined) return false;
  }
  return withRole;
}

/**
 * The chat messages in a value when it is a conversation: an array of messages, one message,
 * a request with `messages`, or a response with `choices[].message`. Otherwise undefined.
 */
export function asConversation(v: unknown, defaultRole: string): Message[] | undefined {
  let list: unknown[] | undefined;
  if (Array.isArray(v)) {
    if (isMessageArray(v)) list = v;
  } else if (isObj(v)) {
    if (typeof v.role === 'string' && (v.content !== undefined || v.parts !== undefined || v.tool_calls !== undefined)) list = [v];
    else if (Array.isArray(v.messages) && isMessageArray(v.messages)) list = v.messages;
    else if (Array.isArray(v.choices) && v.choices.length > 0 && v.choices.every((c) => isObj(c) && isObj(c.message))) {
      list = v.choices.map((c) => (c as Obj).message);
    }
  }
  if (list === undefined) return undefined;
  const out: Message[] = [];
  for (const m of list) messageFrom(m as Obj, defaultRole, out);
  return out;
}

/** A convention attribute read for the labeler: a conversation when it is one, else the value. */
export function readValue(v: AttrValue | undefined, defaultRole: string): unknown {
  if (v === undefined) return undefined;
  const parsed = parseAttr(v);
  return asConversation(parsed, defaultRole) ?? parsed;
}

/** N and the offset of `rest` in `prefix.N.rest` (start is the offset of N); undefined when there is no N. */
export function indexAt(key: string, start: number): { n: number; rest: number } | undefined {
  let i = start;
  let n = 0;
  while (i < key.length && i - start < 9) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    i++;
  }
  if (i === start || key.charCodeAt(i) !== 0x2e /* . */) return undefined;
  return { n, rest: i + 1 };
}

/** The values of a Map with numeric keys, in numeric key order. */
export function inOrder<T>(m: Map<number, T>): T[] {
  const keys = [...m.keys()].sort((a, b) => a - b);
  return keys.map((k) => m.get(k) as T);
}
