/**
 * Finding stored spans for the spans page: the filter as the page's query string has it,
 * and paging newest first. A page ends at the oldest span it shows; spans often share a
 * start time (one export stamps them alike), so the next page starts at that same time
 * and passes over the `seen` spans of it already shown (the order, time then span id,
 * is fixed): nothing repeats and nothing is lost at a page boundary.
 */
import { FieldError } from '../../../collector/errors.js';
import type { StoredSpan } from '../../../collector/storage/stored-span.js';
import type { SpanWhere, TraceStore } from '../../../collector/storage/traces.js';
import { compileCondition, ConditionError, searchWhere } from '../../../processors/condition/index.js';
import { parseTimeParam } from '../../api/time.js';

/** The filter as given: text fields as typed, `seen` from an "Older" link. */
export interface SpanFilter {
  where: string;
  since: string;
  until: string;
  seen: number;
}

/** Where a page starts: spans before `untilNs`, or with `seen > 0` at or before it, passing over the first `seen` at it. */
export interface Cursor {
  untilNs: bigint;
  seen: number;
}

export const DAY_NS = 86_400_000_000_000n;
/** Spans at one start time an "Older" link may pass over (bounds the query a link can ask for). */
const MAX_SEEN = 100_000;

export function readFilter(get: (key: string) => string | undefined): SpanFilter {
  const seen = Number(get('seen') ?? 0);
  return {
    where: get('where') ?? '',
    since: (get('since') ?? '').trim(),
    until: (get('until') ?? '').trim(),
    seen: Number.isInteger(seen) && seen > 0 ? Math.min(seen, MAX_SEEN) : 0,
  };
}

/** The query string of a filter (empty fields left out), `?`-prefixed. */
export function filterQuery(f: Partial<SpanFilter>): string {
  const q = new URLSearchParams();
  if (f.where) q.set('where', f.where);
  if (f.since) q.set('since', f.since);
  if (f.until) q.set('until', f.until);
  if (f.seen) q.set('seen', String(f.seen));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The condition compiled to SQL; undefined for an empty one. Throws ConditionError. */
export function compileWhere(text: string): SpanWhere | undefined {
  return text.trim() === '' ? undefined : searchWhere(compileCondition(text));
}

/** As compileWhere, but a bad condition is a 400 naming the field (for forms that were not typed here). */
export function compileWhereField(text: string): SpanWhere | undefined {
  try {
    return compileWhere(text);
  } catch (e) {
    if (e instanceof ConditionError) throw new FieldError('where', `The condition has a mistake at line ${e.line}, column ${e.column}: ${e.detail}`);
    throw e;
  }
}

/** The time range of a filter: since (default 24 hours back) and the first page's cursor. Throws FieldError for a time that is not one. */
export function timeRange(f: SpanFilter, nowMs = Date.now()): { sinceNs: bigint; cursor: Cursor } {
  const nowNs = BigInt(nowMs) * 1_000_000n;
  const sinceNs = parseTimeParam('since', f.since, nowNs - DAY_NS, nowMs);
  const untilNs = parseTimeParam('until', f.until, nowNs + 60_000_000_000n, nowMs);
  return { sinceNs, cursor: { untilNs, seen: f.until === '' ? 0 : f.seen } };
}

/** Up to `limit` spans from the cursor on, newest first, and the cursor of the page after (none when this was the last). */
export async function searchPage(traces: TraceStore, where: SpanWhere | undefined, sinceNs: bigint, cursor: Cursor, limit: number): Promise<{ spans: StoredSpan[]; next?: Cursor }> {
  const skip = cursor.seen;
  const rows = await traces.search(where, sinceNs, skip > 0 ? cursor.untilNs + 1n : cursor.untilNs, limit + skip);
  let passed = 0;
  const spans: StoredSpan[] = [];
  for (const s of rows) {
    if (passed < skip && BigInt(s.startTimeUnixNano) === cursor.untilNs) passed++;
    else spans.push(s);
  }
  const more = rows.length === limit + skip || spans.length > limit;
  spans.length = Math.min(spans.length, limit);
  if (!more || spans.length === 0) return { spans };
  const oldest = BigInt(spans[spans.length - 1].startTimeUnixNano);
  let atOldest = spans.filter((s) => BigInt(s.startTimeUnixNano) === oldest).length;
  if (skip > 0 && oldest === cursor.untilNs) atOldest += passed;
  return { spans, next: { untilNs: oldest, seen: atOldest } };
}

const SPAN_REF = /^([0-9a-f]{32}):([0-9a-f]{16})$/;

/** `traceId:spanId` as a checkbox sends it; undefined when it is not one. */
export function parseSpanRef(text: string): { traceId: string; spanId: string } | undefined {
  const m = SPAN_REF.exec(text.trim().toLowerCase());
  return m ? { traceId: m[1], spanId: m[2] } : undefined;
}

/**
 * The stored spans of these references, in one query: the ids become a condition (they
 * are checked hex, and the condition binds them as parameters) searched from `sinceNs`.
 */
export async function findSpans(traces: TraceStore, refs: { traceId: string; spanId: string }[], sinceNs: bigint, nowMs = Date.now()): Promise<StoredSpan[]> {
  if (refs.length === 0) return [];
  const text = refs.map((r) => `(trace_id == "${r.traceId}" and span_id == "${r.spanId}")`).join(' or ');
  const untilNs = (BigInt(nowMs) + 60_000n) * 1_000_000n;
  return traces.search(searchWhere(compileCondition(text)), sinceNs, untilNs, refs.length * 4);
}
