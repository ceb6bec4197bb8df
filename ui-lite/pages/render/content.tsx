/**
 * What a labeler reads, rendered for people: chat messages as a conversation with the
 * system prompt apart, tool calls and their answers readable, text as safe markdown
 * (long text folded), anything else as a collapsible tree. Every piece of span content
 * is untrusted: JSX escapes text and attributes, and markdown goes through renderMarkdown.
 */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { renderMarkdown } from './markdown.js';

interface ToolCall {
  id?: string;
  name: string;
  arguments: string;
}

interface Message {
  role: string;
  content: string;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

const FOLD_CHARS = 1500;
const FOLD_LINES = 24;
const PREVIEW_CHARS = 400;
/** Nodes of a JSON tree shown before the rest is summarised. */
const TREE_NODES = 2000;

const ROLE_NAMES: Record<string, string> = { user: 'User', assistant: 'Assistant', system: 'System prompt', developer: 'Instructions', tool: 'Tool result', function: 'Tool result' };

function isMessages(v: unknown): v is Message[] {
  return Array.isArray(v) && v.length > 0 && v.every((m) => m !== null && typeof m === 'object' && typeof (m as Message).role === 'string');
}

/** Markdown text, folded when long: the start shown, the whole behind "Show all". */
export function Text({ text }: { text: string }) {
  const long = text.length > FOLD_CHARS || text.split('\n').length > FOLD_LINES;
  if (!long) return <div class="md">{raw(renderMarkdown(text))}</div>;
  return (
    <div class="fold">
      <p class="preview">{text.slice(0, PREVIEW_CHARS).trimEnd()}…</p>
      <details>
        <summary>Show all ({text.length.toLocaleString('en-US')} characters)</summary>
        <div class="md">{raw(renderMarkdown(text))}</div>
      </details>
    </div>
  );
}

/** A message's text; a tool's answer that is JSON reads better as a tree. */
function MessageText({ text }: { text: string }) {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    const v = parseArgs(t);
    if (v !== null && typeof v === 'object') return <Tree value={v} />;
  }
  return <Text text={text} />;
}

function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function ToolCallView({ call }: { call: ToolCall }) {
  const args = parseArgs(call.arguments);
  return (
    <div class="tool-call">
      <p class="tool-name">
        Uses the tool <strong>{call.name}</strong>
        {args && typeof args === 'object' && Object.keys(args).length === 0 ? ' (no arguments)' : ' with:'}
      </p>
      {args && typeof args === 'object' ? Object.keys(args).length > 0 && <Tree value={args} /> : <Text text={String(args)} />}
    </div>
  );
}

export function Conversation({ messages }: { messages: Message[] }) {
  const toolNames = new Map<string, string>();
  for (const m of messages) for (const c of m.tool_calls ?? []) if (c.id) toolNames.set(c.id, c.name);
  return (
    <ol class="conversation">
      {messages.map((m) => {
        const role = ROLE_NAMES[m.role] ?? m.role;
        const answers = m.tool_call_id ? toolNames.get(m.tool_call_id) : undefined;
        return (
          <li class={`message role-${/^[a-z]+$/.test(m.role) ? m.role : 'other'}`}>
            <p class="who">
              {role}
              {m.name ? ` (${m.name})` : ''}
              {answers ? ` from ${answers}` : ''}
            </p>
            {m.content ? <MessageText text={m.content} /> : null}
            {(m.tool_calls ?? []).map((c) => (
              <ToolCallView call={c} />
            ))}
          </li>
        );
      })}
    </ol>
  );
}

/** Any value: a conversation, text, or a tree. */
export function Content({ value }: { value: unknown }) {
  if (value === undefined || value === null || value === '') return <p class="empty">(nothing)</p>;
  if (typeof value === 'string') return <Text text={value} />;
  if (isMessages(value)) return <Conversation messages={value} />;
  return <Tree value={value} />;
}

/** A JSON value as nested, collapsible lists; the first two levels open. */
export function Tree({ value }: { value: unknown }) {
  const budget = { left: TREE_NODES };
  return <div class="tree">{node(value, 0, budget)}</div>;
}

function summary(v: unknown): string {
  if (Array.isArray(v)) return `list of ${v.length}`;
  if (v && typeof v === 'object') return `${Object.keys(v).length} fields`;
  return '';
}

function node(v: unknown, depth: number, budget: { left: number }): Child {
  if (budget.left-- <= 0) return <span class="more">…</span>;
  if (v === null) return <span class="null">empty</span>;
  if (typeof v === 'string') return v.length > FOLD_CHARS ? <Text text={v} /> : <span class="str">{v}</span>;
  if (typeof v !== 'object') return <span class={typeof v}>{String(v)}</span>;
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i + 1), x]) : Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return <span class="null">{Array.isArray(v) ? 'empty list' : 'no fields'}</span>;
  return (
    <ul>
      {entries.map(([k, x]) =>
        x !== null && typeof x === 'object' && Object.keys(x).length > 0 ? (
          <li>
            <details open={depth < 1}>
              <summary>
                <span class="key">{k}</span> <span class="count">{summary(x)}</span>
              </summary>
              {node(x, depth + 1, budget)}
            </details>
          </li>
        ) : (
          <li>
            <span class="key">{k}</span>: {node(x, depth + 1, budget)}
          </li>
        ),
      )}
    </ul>
  );
}
