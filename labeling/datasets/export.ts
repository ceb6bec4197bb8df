/**
 * Dataset items as the lines of an export: JSON lines; CSV (csv-stringify: a header, and
 * commas, quotes and line breaks quoted as RFC 4180 says); or OpenAI's chat fine-tuning
 * format, one `{"messages": [...]}` per item, from the chat input and the target, tool
 * calls kept in OpenAI's shape.
 */
import { stringify } from 'csv-stringify/sync';
import type { DatasetItem } from './store.js';

export type ExportFormat = 'jsonl' | 'csv' | 'openai';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  openai: 'application/x-ndjson; charset=utf-8',
};

const CSV_COLUMNS = ['id', 'data', 'target', 'metadata', 'created_at', 'updated_at'] as const;

/** The text before the first item (the CSV header). */
export function exportHead(format: ExportFormat): string {
  return format === 'csv' ? stringify([[...CSV_COLUMNS]]) : '';
}

/** One item's text, with its line end; an item with no chat to fine-tune on gives ''. */
export function exportLine(format: ExportFormat, item: DatasetItem): string {
  if (format === 'jsonl') {
    return JSON.stringify({ id: item.id, data: item.data, target: item.target, metadata: item.metadata, created_at: item.created_at, updated_at: item.updated_at }) + '\n';
  }
  if (format === 'csv') {
    const cell = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));
    return stringify([[item.id, cell(item.data), cell(item.target), cell(item.metadata), item.created_at, item.updated_at]]);
  }
  const messages = openAiMessages(item);
  return messages ? JSON.stringify({ messages }) + '\n' : '';
}

interface ToolCall {
  id?: string;
  name: string;
  arguments: string;
}

interface Message {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface OpenAiMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  name?: string;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

const ROLES: Record<string, OpenAiMessage['role']> = { system: 'system', developer: 'system', user: 'user', human: 'user', assistant: 'assistant', ai: 'assistant', model: 'assistant', tool: 'tool', function: 'tool' };

function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

function toOpenAi(m: Message, n: number): OpenAiMessage {
  const role = ROLES[m.role] ?? 'user';
  const out: OpenAiMessage = { role, content: text(m.content) };
  if (m.name && (role === 'user' || role === 'assistant' || role === 'system')) out.name = m.name;
  if (role === 'assistant' && m.tool_calls?.length) {
    out.tool_calls = m.tool_calls.map((c, i) => ({ id: c.id ?? `call_${n}_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    if (out.content === '') out.content = null;
  }
  if (role === 'tool') out.tool_call_id = m.tool_call_id ?? '';
  return out;
}

const isChat = (v: unknown): v is Message[] => Array.isArray(v) && v.length > 0 && v.every((m) => m && typeof m === 'object' && typeof (m as Message).role === 'string');

/** The conversation to fine-tune on: the input as messages, then the target as the assistant's answer. */
export function openAiMessages(item: DatasetItem): OpenAiMessage[] | undefined {
  const input = item.data;
  const messages: OpenAiMessage[] = isChat(input) ? input.map(toOpenAi) : input === undefined || input === null || input === '' ? [] : [{ role: 'user', content: text(input) }];
  const target = item.target;
  if (isChat(target)) messages.push(...target.map((m, i) => toOpenAi(m, messages.length + i)));
  else if (target !== undefined && target !== null && target !== '') messages.push({ role: 'assistant', content: text(target) });
  // Fine-tuning needs something said and an answer to learn.
  return messages.some((m) => m.role === 'assistant') && messages.some((m) => m.role === 'user') ? messages : undefined;
}
