/**
 * Turns spans into queue items: the rules engine decides which queues, each queue's view
 * decides what the labeler sees. One Router per config; a reload builds a new one and
 * swaps it in whole, so a request is routed entirely by one config.
 */
import { createHash } from 'node:crypto';
import type { Span } from '../../collector/model/span.js';
import type { QueueSpec, RuleSpec } from '../../config/queues.js';
import { Counter, type Registry } from 'prom-client';
import { RuleEngine, newCounters, type RuleCounters } from '../../processors/rules/engine.js';
import { registerRuleMetrics } from '../../processors/rules/metrics.js';
import { QueueView, spanItemRow, jsonSafe, type QueueItemRow } from './items.js';
import { extractPayload } from './extract.js';

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
      inputHash: (span) => {
        const input = extractPayload(span).input;
        return input === undefined ? `span:${span.traceId}:${span.spanId}` : createHash('sha256').update(JSON.stringify(input, jsonSafe)).digest('hex');
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
    const out: QueueItemRow[] = [];
    for (const span of spans) {
      const routed = this.engine.route(span, now);
      for (const r of routed) {
        const view = this.views.get(r.queue)!.view(span);
        out.push(spanItemRow(span, r.queue, r.itemId, view, r.rule.name, source, now));
        this.counters.queues.set(r.queue, (this.counters.queues.get(r.queue) ?? 0) + 1);
      }
    }
    return out;
  }
}
