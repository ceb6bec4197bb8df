/**
 * The rules engine: conditions compiled once per config, rules indexed by their cheap
 * literal tests, and per span only the candidate rules evaluated.
 *
 * A rule whose condition requires `path == literal` (at the top level of an `and`) is
 * filed under that (path, value); a span looks up its own value for each indexed path
 * and evaluates only the rules found there, plus the rules that have no such test.
 */
import { compileCondition, pathReader, type Value } from '../condition/index.js';
import type { Span } from '../../collector/model/span.js';
import type { Config } from '../../config/schema.js';
import { itemIdForSpan } from '../../collector/model/ids.js';
import { sampledIn } from './sample.js';
import { DedupeWindow, RateLimiter, parseRate } from './limits.js';

export type RuleSpec = Config['rules'][number];

export interface RuleCounters {
  matched: number;
  sampledOut: number;
  rateLimited: number;
  deduplicated: number;
  enqueued: number;
}

export function newCounters(): RuleCounters {
  return { matched: 0, sampledOut: 0, rateLimited: 0, deduplicated: 0, enqueued: 0 };
}

export interface CompiledRule {
  index: number;
  name: string;
  spec: RuleSpec;
  match: (span: Span) => boolean;
  counters: RuleCounters;
  limiter?: RateLimiter;
  dedupe?: DedupeWindow;
}

/** One item to enqueue: a span routed by a rule into a queue. */
export interface Routed {
  rule: CompiledRule;
  queue: string;
  itemId: string;
}

export interface RouteOptions {
  /** The hash of what the labeler would see as input, for `dedupe.by: input`; computed only when asked. */
  inputHash?: (span: Span) => string;
  /** Counters that outlive this engine (a reload keeps a rule's counts monotonic). */
  counters?: (rule: string) => RuleCounters;
}

interface PathIndex {
  read: (span: Span) => Value;
  byValue: Map<unknown, CompiledRule[]>;
}

/**
 * Map keys compare by SameValueZero, but `==` compares an int and a double numerically: the
 * double 1e17 equals the int 100000000000000000, which is a bigint (beyond 2^53) on the
 * other side. Integer-valued doubles beyond 2^53 are filed and looked up as bigint.
 */
function indexKey(v: unknown): unknown {
  return typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) ? BigInt(v) : v;
}

export class RuleEngine {
  readonly rules: CompiledRule[];
  private readonly indexes: PathIndex[] = [];
  private readonly unindexed: CompiledRule[] = [];

  constructor(
    rules: RuleSpec[],
    private readonly opts: RouteOptions = {},
  ) {
    this.rules = rules
      .filter((r) => r.enabled)
      .map((spec, index) => {
        const rule: CompiledRule = {
          index,
          name: spec.name,
          spec,
          match: compileCondition(spec.when).match,
          counters: opts.counters?.(spec.name) ?? newCounters(),
        };
        if (spec.rate_limit) {
          const { count, perMs } = parseRate(spec.rate_limit);
          rule.limiter = new RateLimiter(count, perMs);
        }
        if (spec.dedupe) rule.dedupe = new DedupeWindow(spec.dedupe.within);
        return rule;
      });
    const byPath = new Map<string, PathIndex>();
    for (const rule of this.rules) {
      const req = compileCondition(rule.spec.when).required[0];
      if (!req) {
        this.unindexed.push(rule);
        continue;
      }
      const key = `${req.path}\0${req.key ?? ''}`;
      let idx = byPath.get(key);
      if (!idx) {
        idx = { read: pathReader(req), byValue: new Map() };
        byPath.set(key, idx);
      }
      const value = indexKey(req.value);
      const list = idx.byValue.get(value) ?? [];
      list.push(rule);
      idx.byValue.set(value, list);
    }
    this.indexes = [...byPath.values()];
  }

  /** The rules whose conditions match the span, in config order (before sampling and limits). */
  matching(span: Span): CompiledRule[] {
    let candidates: CompiledRule[] | undefined;
    for (const idx of this.indexes) {
      const v = idx.read(span);
      if (v === null || v === undefined) continue;
      const found = idx.byValue.get(indexKey(v));
      if (found) candidates = candidates ? candidates.concat(found) : found;
    }
    const out: CompiledRule[] = [];
    if (candidates) for (const r of candidates) if (r.match(span)) out.push(r);
    for (const r of this.unindexed) if (r.match(span)) out.push(r);
    if (candidates && out.length > 1) out.sort((a, b) => a.index - b.index);
    return out;
  }

  /** Routes one span: matching, then sampling, dedupe and rate limits per rule. */
  route(span: Span, now: number): Routed[] {
    const matched = this.matching(span);
    if (matched.length === 0) return [];
    const out: Routed[] = [];
    for (const rule of matched) {
      rule.counters.matched++;
      if (!sampledIn(span.traceId, rule.spec.sample)) {
        rule.counters.sampledOut++;
        continue;
      }
      for (const queue of rule.spec.route_to) {
        const itemId = itemIdForSpan(queue, span.traceId, span.spanId);
        const dedupeKey = rule.dedupe ? `${queue}\0${this.dedupeKey(rule, span)}` : '';
        if (rule.dedupe && !rule.dedupe.admits(dedupeKey, itemId, now)) {
          rule.counters.deduplicated++;
          continue;
        }
        if (rule.limiter && !rule.limiter.allow(itemId, now)) {
          rule.counters.rateLimited++;
          continue;
        }
        // Only an enqueued item takes the dedupe key: a rate-limited one must not shut out the rest of its trace.
        rule.dedupe?.record(dedupeKey, itemId, now);
        rule.counters.enqueued++;
        out.push({ rule, queue, itemId });
      }
    }
    return out;
  }

  private dedupeKey(rule: CompiledRule, span: Span): string {
    switch (rule.spec.dedupe!.by) {
      case 'trace_id':
        return span.traceId;
      case 'span_id':
        return `${span.traceId}:${span.spanId}`;
      case 'input':
        return this.opts.inputHash ? this.opts.inputHash(span) : `${span.traceId}:${span.spanId}`;
    }
  }
}
