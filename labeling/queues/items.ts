/**
 * Builds queue item rows: what the labeler will see, copied out of the span when it is
 * routed (so the page never needs the span again), plus the link back to it.
 */
import type { Attributes, Span } from '../../collector/model/span.js';
import type { QueueSpec } from '../../config/queues.js';
import { attrToString } from '../../collector/model/attributes.js';
import { dateTime64ToMs, msToDateTime64 } from '../../collector/storage/rows.js';
import { MAX_NATIVE_BYTES, NativeWriter } from '../../collector/storage/native.js';
import { extractPayload } from './extract.js';
import { keepFor } from './schema.js';

export interface QueueItemRow {
  queue: string;
  item_id: string;
  enqueued_at: string;
  /** How it got there: routed by a rule, pushed, backfilled, from an evaluation's data point, or sent for review. */
  source: 'rule' | 'api' | 'backfill' | 'evaluation' | 'review';
  rule: string;
  trace_id: string;
  span_id: string;
  idempotency_key: string;
  payload: string;
  target: string;
  metadata: string;
  keep: string;
}

/** Item columns in the order of itemValues. */
export const ITEM_COLUMNS = [
  'queue', 'item_id', 'enqueued_at', 'source', 'rule', 'trace_id', 'span_id', 'idempotency_key', 'payload', 'target', 'metadata', 'keep',
] as const satisfies readonly (keyof QueueItemRow)[];

/** The ClickHouse type of each of ITEM_COLUMNS (queues/schema.ts). */
export const ITEM_COLUMN_TYPES: Record<(typeof ITEM_COLUMNS)[number], string> = {
  queue: 'LowCardinality(String)',
  item_id: 'String',
  enqueued_at: 'DateTime64(3)',
  source: 'LowCardinality(String)',
  rule: 'String',
  trace_id: 'String',
  span_id: 'String',
  idempotency_key: 'String',
  payload: 'String',
  target: 'String',
  metadata: 'String',
  keep: 'UInt64',
};

export function itemValues(row: QueueItemRow): string[] {
  return ITEM_COLUMNS.map((c) => row[c]);
}

/**
 * Item rows, with `replica` after ITEM_COLUMNS, as one Native block (collector/storage/native.ts):
 * the form the embedded engine inserts items routed at ingest in. Each item carries what the
 * labeler sees as JSON text; in a block that text is bytes as they are, where a JSON row
 * escapes every quote in it and the engine parses it back. Columns are declared as the
 * types ClickHouse converts from (String for LowCardinality(String)); nativeToValues reads
 * the block back as itemValues' rows.
 */
export function itemsToNative(rows: readonly QueueItemRow[], replica: string): Buffer {
  const w = new NativeWriter(MAX_NATIVE_BYTES, rows.length);
  w.varuint(ITEM_COLUMNS.length + 1);
  w.varuint(rows.length);
  for (const c of ITEM_COLUMNS) {
    if (c === 'enqueued_at') {
      w.column(c, 'DateTime64(3)');
      for (const r of rows) w.uint64(dateTime64ToMs(r.enqueued_at));
    } else if (c === 'keep') {
      w.column(c, 'UInt64');
      for (const r of rows) w.uint64(Number(r.keep));
    } else {
      w.column(c, 'String');
      for (const r of rows) w.string(r[c]);
    }
  }
  w.column('replica', 'String');
  for (let i = 0; i < rows.length; i++) w.string(replica);
  return w.take();
}

/** What a labeler sees of a span, after the queue's `show` and `redact`. */
export interface ItemView {
  source: string;
  input?: unknown;
  output?: unknown;
  system?: unknown;
  model?: string;
  /** Chosen attributes (`attributes.<key>`, `resource.<key>` in `show`), as strings. */
  fields?: Record<string, string>;
  /**
   * When the span had no input (output) of its own: the id of the descendant span, in the same
   * export and trace, whose chat input (output) is shown instead (with its system prompt, for input).
   */
  from_span?: { input?: string; output?: string };
}

export type ChatPart = 'input' | 'output';

export const REDACTED = '[redacted]';

function globToRegex(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

/** Compiled once per queue per config. */
export class QueueView {
  private readonly redact: RegExp[];
  private readonly parts: Set<string>;
  private readonly attrKeys: string[];
  private readonly resourceKeys: string[];
  /** Attributes in `show`: otherwise `fields` holds all attributes only because nothing else was found. */
  private readonly choosesFields: boolean;

  constructor(readonly spec: QueueSpec) {
    this.redact = spec.redact.map(globToRegex);
    this.parts = new Set(spec.show.filter((s) => !s.includes('.')));
    this.attrKeys = spec.show.filter((s) => s.startsWith('attributes.')).map((s) => s.slice('attributes.'.length));
    this.resourceKeys = spec.show.filter((s) => s.startsWith('resource.')).map((s) => s.slice('resource.'.length));
    this.choosesFields = this.parts.has('attributes') || this.attrKeys.length > 0 || this.resourceKeys.length > 0;
  }

  /** True when the queue shows `part` and the view has none: worth looking for in the span's descendants. */
  lacks(v: ItemView, part: ChatPart): boolean {
    return v[part] === undefined && this.parts.has(part);
  }

  /** Shows the chat input (output) of the descendant span `spanId`, seen through this queue, in `v`. */
  adopt(v: ItemView, part: ChatPart, from: ItemView, spanId: string): void {
    v[part] = from[part];
    if (part === 'input' && v.system === undefined && from.system !== undefined) v.system = from.system;
    (v.from_span ??= {})[part] = spanId;
    if (!this.choosesFields) delete v.fields;
  }

  private redacted(attrs: Attributes): Attributes {
    if (this.redact.length === 0) return attrs;
    let out: Attributes | undefined;
    for (const k in attrs) {
      if (this.redact.some((r) => r.test(k))) {
        out ??= { ...attrs };
        out[k] = REDACTED;
      }
    }
    return out ?? attrs;
  }

  view(span: Span): ItemView {
    const attributes = this.redacted(span.attributes);
    const s = attributes === span.attributes ? span : { ...span, attributes };
    const p = extractPayload(s);
    const v: ItemView = { source: p.source };
    if (this.parts.has('input') && p.input !== undefined) v.input = p.input;
    if (this.parts.has('output') && p.output !== undefined) v.output = p.output;
    if (this.parts.has('system') && p.system !== undefined) v.system = p.system;
    if (this.parts.has('model') && p.model !== undefined) v.model = p.model;
    if (this.parts.has('attributes') && p.attributes) v.fields = { ...p.attributes };
    if (this.attrKeys.length || this.resourceKeys.length) {
      const resource = this.redacted(span.resource.attributes);
      v.fields ??= {};
      for (const k of this.attrKeys) if (Object.hasOwn(attributes, k)) v.fields[`attributes.${k}`] = attrToString(attributes[k]);
      for (const k of this.resourceKeys) if (Object.hasOwn(resource, k)) v.fields[`resource.${k}`] = attrToString(resource[k]);
    }
    // Nothing recognisable and nothing chosen: the labeler still gets the attributes.
    if (v.input === undefined && v.output === undefined && !v.fields && p.attributes) v.fields = { ...p.attributes };
    return v;
  }
}


export function spanItemRow(span: Span, queue: string, itemId: string, view: ItemView, rule: string, source: 'rule' | 'backfill', now: number): QueueItemRow {
  return {
    queue,
    item_id: itemId,
    enqueued_at: msToDateTime64(now),
    source,
    rule,
    trace_id: span.traceId,
    span_id: span.spanId,
    idempotency_key: '',
    payload: stringifySafe(view),
    target: 'null',
    metadata: JSON.stringify({ service: span.resource.serviceName, span_name: span.name }),
    keep: keepFor(now),
  };
}

/** bigint and bytes have no JSON form of their own. */
export function jsonSafe(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

/**
 * JSON.stringify(v, jsonSafe), without the replacer when `v` holds no bigint or bytes (as
 * almost every item's payload does): JSON.stringify with a replacer calls it for every key
 * and value, and takes several times as long.
 */
export function stringifySafe(v: unknown): string {
  return needsReplacer(v, 0, { left: MAX_CHECKED_VALUES }) ? JSON.stringify(v, jsonSafe) : JSON.stringify(v);
}

/**
 * Past this nesting, or this many values, the check stops looking and the replacer is used
 * (a value that refers to itself is then refused by JSON.stringify, as before).
 */
const MAX_CHECKED_DEPTH = 64;
const MAX_CHECKED_VALUES = 100_000;

function needsReplacer(v: unknown, depth: number, budget: { left: number }): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  // toJSON's result is what gets written, and it is not looked at here.
  if (v instanceof Uint8Array || depth >= MAX_CHECKED_DEPTH || --budget.left < 0 || typeof (v as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (needsReplacer(v[i], depth + 1, budget)) return true;
    return false;
  }
  for (const k in v) if (needsReplacer((v as Record<string, unknown>)[k], depth + 1, budget)) return true;
  return false;
}
