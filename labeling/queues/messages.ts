/**
 * The shapes a labeler's view of a span is made of: chat messages with their tool calls,
 * and what a convention found (extract.ts and conventions/ share them).
 */
export interface ToolCall {
  id?: string;
  name: string;
  /** The arguments as JSON text, as the model wrote them. */
  arguments: string;
}

export interface Message {
  role: string;
  content: string;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface Payload {
  /** The convention the payload came from: 'laminar' | 'gen_ai.messages' | 'gen_ai.indexed' | 'openinference' | 'traceloop' | 'attributes' */
  source: string;
  /**
   * The system prompt: instructions given separately (gen_ai.system_instructions), then the
   * text of the system / developer messages a chat input starts with (taken out of `input`).
   */
  system?: string;
  /** Messages when the span is a chat, otherwise the text or value. */
  input: Message[] | string | unknown;
  output: Message[] | string | unknown;
  /** gen_ai.request.model / llm.model_name / etc. when present. */
  model?: string;
  /** Only for the 'attributes' fallback: the span's attributes flattened to strings. */
  attributes?: Record<string, string>;
}

/** What one convention found; extractPayload adds the model. */
export interface Found {
  source: string;
  input: unknown;
  output: unknown;
  system?: string;
}
