/**
 * Turns spans into queue items: the rules engine decides which queues, each queue's view
 * decides what the labeler sees. One Router per config; a reload builds a new one and
 * swaps it in whole, so a request is routed entirely by one config.
 *
 * The spans of one export are routed together, and two things look across them, both only
 * for the spans that rules route (the other spans pay nothing):
 * - a routed span with no input (output) of its own, such as a workflow function called
 *   without arguments, shows the chat input (output) of its nearest descendant in the export;
 * - when one rule routes a span and one of its ancestors into one queue and both show the
 *   same thing, only the ancestor becomes an item (the other counts as deduplicated).
 */
import { createHash } from 'node:crypto';
import type { Span } from '../../collector/model/span.js';
import type { QueueSpec, RuleSpec } from '../../config/queues.js';
import { Counter, type Registry } from 'prom-client';
import { RuleEngine, newCounters, type RuleCounters, type Routed } from '../../processors/rules/engine.js';
import { registerRuleMetrics } from '../../processors/rules/metrics.js';
import { QueueView, spanItemRow, stringifySafe, type ChatPart, type ItemView, type QueueItemRow } from './items.js';
import { extractPayload, isChat } from './extract.js';

export interface RoutingConfig {
  queues: Record<string, QueueSpec>;
  rules: RuleSpec[];
}

/** Counts that survive reloads, read by /metrics (registerRoutingMetrics). */
export class RoutingCounters {
  readonly rules = new Map<string, RuleCounters>();
  readonly queues = new Map<string, number>();
  rule(name: string): RuleCounters {
    let c = this.rules.get(name);
    if (!c) this.rules.set(name, (c = newCounters()));
    return c;
  }
}

/** The rules' counters and the per-queue count of items enqueued. */
export function registerRoutingMetrics(registry: Registry, counters: RoutingCounters): void {
  registerRuleMetrics(registry, counters.rules);
  new Counter({
    name: 'spansift_queue_enqueued_items_total',
    help: 'Items enqueued by rules and backfills, by queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [queue, n] of counters.queues) this.inc({ queue }, n);
    },
  });
}

export class Router {
  readonly engine: RuleEngine;
  readonly views: Map<string, QueueView>;

  constructor(
    readonly config: RoutingConfig,
    private readonly counters = new RoutingCounters(),
  ) {
    this.views = new Map(Object.entries(config.queues).map(([name, spec]) => [name, new QueueView(spec)]));
    this.engine = new RuleEngine(config.rules, {
      // A span with no input of its own is its own key: it cannot be a duplicate of another.
      // The system prompt is part of what is asked: the same question under another system prompt is another input.
      inputHash: (span) => {
        const { input, system } = extractPayload(span);
        if (input === undefined && system === undefined) return `span:${span.traceId}:${span.spanId}`;
        return createHash('sha256').update(stringifySafe(system === undefined ? input : { system, input })).digest('hex');
      },
      counters: (name) => this.counters.rule(name),
    });
  }

  get hasRules(): boolean {
    return this.engine.rules.length > 0;
  }

  /** Item rows for the spans that rules route; `source` says whether live ingest or a backfill routed them. */
  route(spans: Span[], now: number, source: 'rule' | 'backfill' = 'rule'): QueueItemRow[] {
    if (!this.hasRules) return [];
    let found: Found[] | undefined;
    for (const span of spans) {
      const routed = this.engine.route(span, now);
      for (const r of routed) {
        const queue = this.views.get(r.queue)!;
        (found ??= []).push({ span, routed: r, queue, view: queue.view(span), repeat: false });
      }
    }
    if (found === undefined) return [];
    const batch = new Batch(spans);
    for (const f of found) {
      if (f.queue.lacks(f.view, 'input') || f.queue.lacks(f.view, 'output')) fillFromDescendants(f, batch);
    }
    if (found.length > 1) markRepeats(found, batch);
    const out: QueueItemRow[] = [];
    for (const { span, routed: r, view, repeat } of found) {
      if (repeat) {
        // The engine counted it enqueued; an ancestor's item shows the same, so it is a duplicate instead.
        r.rule.counters.enqueued--;
        r.rule.counters.deduplicated++;
        continue;
      }
      out.push(spanItemRow(span, r.queue, r.itemId, view, r.rule.name, source, now));
      this.counters.queues.set(r.queue, (this.counters.queues.get(r.queue) ?? 0) + 1);
    }
    return out;
  }
}

/** A span a rule routes into a queue, with what the labeler will see. */
interface Found {
  span: Span;
  routed: Routed;
  queue: QueueView;
  view: ItemView;
  /** An ancestor routed by the same rule into the same queue shows the same: no item of its own. */
  repeat: boolean;
}

const PARTS: readonly ChatPart[] = ['input', 'output'];

/** A descendant with a chat part, `depth` levels below the span it was looked for from. */
interface Near {
  span: Span;
  view: ItemView;
  depth: number;
}
const PENDING = Symbol('pending');

interface Walked {
  in: number;
  out: number;
}

/**
 * The spans of one export, indexed on first need: only when a routed span lacks its input or
 * output, or when one rule routes several spans of a trace into one queue. Every walk through
 * parent links is memoized, so an export costs time about linear in its size, whatever its
 * shape (deep chains, cycles, spans that are their own parent, every span routed).
 */
class Batch {
  private children?: Map<string, Span[]>;
  private order?: Map<Span, Walked>;
  private readonly views = new Map<QueueView, Map<Span, ItemView>>();
  private readonly nearMemo = new Map<QueueView, Record<ChatPart, Map<Span, Near | null | typeof PENDING>>>();

  constructor(private readonly spans: Span[]) {}

  childrenOf(span: Span): Span[] {
    if (this.children === undefined) {
      this.children = new Map();
      for (const s of this.spans) {
        if (s.parentSpanId === '') continue;
        const key = `${s.traceId}\0${s.parentSpanId}`;
        const list = this.children.get(key);
        if (list === undefined) this.children.set(key, [s]);
        else list.push(s);
      }
    }
    return this.children.get(`${span.traceId}\0${span.spanId}`) ?? [];
  }

  /** What `queue` shows of a span of the export (extracted once per queue). */
  view(queue: QueueView, span: Span): ItemView {
    let memo = this.views.get(queue);
    if (memo === undefined) this.views.set(queue, (memo = new Map()));
    let v = memo.get(span);
    if (v === undefined) memo.set(span, (v = queue.view(span)));
    return v;
  }

  /**
   * The nearest descendant of `root` that shows a chat `part` through `queue`: the fewest levels
   * down; among those, the earliest-starting span for the input and the latest-ending one for the
   * output (the question asked first, the answer given last). Computed children first, without
   * recursion, each span once per queue and part; below a span with such a child nothing is looked at.
   */
  nearest(queue: QueueView, part: ChatPart, root: Span): Near | null {
    let memos = this.nearMemo.get(queue);
    if (memos === undefined) this.nearMemo.set(queue, (memos = { input: new Map(), output: new Map() }));
    const memo = memos[part];
    const stack = [root];
    while (stack.length > 0) {
      const s = stack[stack.length - 1];
      const known = memo.get(s);
      if (known === undefined) {
        const child = this.closestChild(queue, part, s);
        if (child !== null) {
          memo.set(s, child);
          stack.pop();
          continue;
        }
        memo.set(s, PENDING);
        for (const c of this.childrenOf(s)) if (!memo.has(c)) stack.push(c);
        continue;
      }
      stack.pop();
      if (known !== PENDING) continue;
      let best: Near | null = null;
      for (const c of this.childrenOf(s)) {
        const below = memo.get(c);
        // PENDING: a cycle in the parent links leads back here.
        if (below === undefined || below === PENDING || below === null) continue;
        const near = { span: below.span, view: below.view, depth: below.depth + 1 };
        if (best === null || closer(near, best, part)) best = near;
      }
      memo.set(s, best);
    }
    const found = memo.get(root);
    return found === undefined || found === PENDING ? null : found;
  }

  /** The first child with a chat `part`, children taken in the order `closer` prefers (only those before it are extracted). */
  private closestChild(queue: QueueView, part: ChatPart, span: Span): Near | null {
    const children = this.childrenOf(span);
    if (children.length === 0) return null;
    const ordered = children.length === 1 ? children : [...children].sort(part === 'input' ? byStart : byEndDescending);
    for (const c of ordered) {
      const v = this.view(queue, c);
      if (isChat(v[part])) return { span: c, view: v, depth: 1 };
    }
    return null;
  }

  /**
   * Entry and exit positions of a depth-first walk from every span whose parent is not in the
   * export: `a` is an ancestor of `s` when s's positions lie between a's. Spans in a cycle of
   * parent links are reached from no such span and have none.
   */
  walkOrder(): Map<Span, Walked> {
    if (this.order !== undefined) return this.order;
    const order = (this.order = new Map<Span, Walked>());
    const ids = new Set<string>();
    for (const s of this.spans) ids.add(`${s.traceId}\0${s.spanId}`);
    let t = 0;
    for (const root of this.spans) {
      if (root.parentSpanId !== '' && ids.has(`${root.traceId}\0${root.parentSpanId}`)) continue;
      const stack: { s: Span; exit: boolean }[] = [{ s: root, exit: false }];
      while (stack.length > 0) {
        const { s, exit } = stack.pop()!;
        if (exit) {
          order.get(s)!.out = t++;
          continue;
        }
        if (order.has(s)) continue;
        order.set(s, { in: t++, out: -1 });
        stack.push({ s, exit: true });
        for (const c of this.childrenOf(s)) if (!order.has(c)) stack.push({ s: c, exit: false });
      }
    }
    return order;
  }
}

function closer(a: Near, b: Near, part: ChatPart): boolean {
  if (a.depth !== b.depth) return a.depth < b.depth;
  return part === 'input' ? byStart(a.span, b.span) < 0 : byEndDescending(a.span, b.span) < 0;
}

/** Sort orders (stable: spans that tie keep their order in the export). */
function byStart(a: Span, b: Span): number {
  return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0;
}
function byEndDescending(a: Span, b: Span): number {
  return a.endTimeUnixNano > b.endTimeUnixNano ? -1 : a.endTimeUnixNano < b.endTimeUnixNano ? 1 : 0;
}

/** Fills the input (output) a routed span lacks from its nearest descendant with a chat input (output). */
function fillFromDescendants(f: Found, batch: Batch): void {
  for (const part of PARTS) {
    if (!f.queue.lacks(f.view, part)) continue;
    const near = batch.nearest(f.queue, part, f.span);
    if (near !== null) f.queue.adopt(f.view, part, near.view, near.span.spanId);
  }
}

/**
 * Marks the routed spans that an ancestor routed by the same rule into the same queue (found
 * through the export's parent links) shows the same input, output and system as: the
 * outermost span stays. Spans that show neither input nor output are never the same.
 */
function markRepeats(found: Found[], batch: Batch): void {
  const groups = new Map<string, Found[]>();
  let shared = false;
  for (const f of found) {
    const key = `${f.routed.rule.name}\0${f.routed.queue}\0${f.span.traceId}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [f]);
    else {
      g.push(f);
      shared = true;
    }
  }
  if (!shared) return;
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const same = new Map<string, Found[]>();
    for (const f of g) {
      const { input, output, system } = f.view;
      if (input === undefined && output === undefined) continue;
      const key = stringifySafe([input, output, system]);
      const list = same.get(key);
      if (list === undefined) same.set(key, [f]);
      else list.push(f);
    }
    for (const list of same.values()) if (list.length > 1) markNested(list, batch.walkOrder());
  }
}

/** Marks the spans of `list` that lie inside another's walk positions (a sweep in walk order). */
function markNested(list: Found[], order: Map<Span, Walked>): void {
  const walked = list.filter((f) => order.has(f.span)).sort((a, b) => order.get(a.span)!.in - order.get(b.span)!.in);
  const open: Walked[] = [];
  for (const f of walked) {
    const w = order.get(f.span)!;
    while (open.length > 0 && open[open.length - 1].out < w.in) open.pop();
    if (open.length > 0) f.repeat = true;
    open.push(w);
  }
}
