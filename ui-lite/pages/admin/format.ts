/**
 * Numbers and times as the admin pages show them to people: durations with a unit that
 * fits, times in UTC, "5 minutes ago", counts with their noun, and a span's input as a
 * short line of plain text (JSX escapes it where it is shown).
 */
import type { StoredSpan } from '../../../collector/storage/stored-span.js';
import { storedToSpan } from '../../../collector/storage/stored-span.js';
import { extractPayload } from '../../../labeling/queues/extract.js';

const enc = encodeURIComponent;

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** A duration given in nanoseconds: `820 µs`, `340 ms`, `1.2 s`, `3 min 5 s`. */
export function durationText(ns: bigint | string | number): string {
  const n = Number(ns);
  if (!Number.isFinite(n) || n <= 0) return '0 ms';
  if (n < 1_000) return `${n} ns`;
  if (n < 1_000_000) return `${round(n / 1_000)} µs`;
  if (n < 1_000_000_000) return `${round(n / 1_000_000)} ms`;
  const s = n / 1_000_000_000;
  if (s < 60) return `${round(s)} s`;
  const m = Math.floor(s / 60);
  const parts = m < 60 ? [[m, 'min'], [Math.round(s - m * 60), 's']] : [[Math.floor(m / 60), 'h'], [m % 60, 'min']];
  return parts.filter(([n], i) => i === 0 || n !== 0).map(([n, unit]) => `${n} ${unit}`).join(' ');
}

function round(x: number): string {
  return x >= 100 ? String(Math.round(x)) : x >= 10 ? x.toFixed(1).replace(/\.0$/, '') : x.toFixed(2).replace(/\.?0+$/, '');
}

/** Milliseconds since the epoch as `2025-01-31 14:05:09 UTC`. */
export function timeText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** Nanoseconds since the epoch (decimal text) as milliseconds. */
export function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

/** How long ago, in words; `never` for 0. */
export function agoText(ms: number, now: number): string {
  if (!ms) return 'never';
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${plural(Math.round(s / 60), 'minute')} ago`;
  if (s < 86_400) return `${plural(Math.round(s / 3600), 'hour')} ago`;
  return `${plural(Math.round(s / 86_400), 'day')} ago`;
}

export function statusText(code: string): string {
  return code === 'Error' ? 'Error' : code === 'Ok' ? 'OK' : '—';
}

export function modelOf(s: StoredSpan): string | undefined {
  return s.attributes['gen_ai.request.model'] || s.attributes['llm.model_name'] || undefined;
}

/** What the span was asked, as one short line of plain text (by the labeling conventions, whatever the queue). */
export function inputPreview(s: StoredSpan, max = 120): string {
  let text: string;
  try {
    text = plainText(extractPayload(storedToSpan(s)).input);
  } catch {
    text = '';
  }
  text = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

function plainText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((m) => m && typeof m === 'object' && typeof m.content === 'string')) {
    // A chat: the last thing the user said is what the answer is about.
    const user = [...v].reverse().find((m) => m.role === 'user' && m.content !== '');
    return (user ?? v[v.length - 1]).content;
  }
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

export function traceHref(traceId: string, spanId?: string): string {
  return `/admin/traces/${enc(traceId)}${spanId ? `#span-${enc(spanId)}` : ''}`;
}

export function itemHref(queue: string, id: string): string {
  return `/queues/${enc(queue)}/items/${enc(id)}`;
}
