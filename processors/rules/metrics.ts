/**
 * Per-rule counts on /metrics. The hot path bumps plain numbers in RuleCounters; they are
 * copied into Prometheus counters only when /metrics is scraped.
 */
import { Counter, type Registry } from 'prom-client';
import type { RuleCounters } from './engine.js';

const FIELDS: [keyof RuleCounters, string, string][] = [
  ['matched', 'spansift_rule_matched_spans_total', 'Spans whose condition matched, by rule.'],
  ['sampledOut', 'spansift_rule_sampled_out_spans_total', 'Matching spans left out by sampling, by rule.'],
  ['rateLimited', 'spansift_rule_rate_limited_items_total', 'Items not enqueued because of the rule rate limit, by rule.'],
  ['deduplicated', 'spansift_rule_deduplicated_items_total', 'Items not enqueued because the dedupe window had one, by rule.'],
  ['enqueued', 'spansift_rule_enqueued_items_total', 'Items enqueued, by rule.'],
];

/** `rules` outlives config reloads, so each rule's counts stay monotonic. */
export function registerRuleMetrics(registry: Registry, rules: ReadonlyMap<string, RuleCounters>): void {
  for (const [field, name, help] of FIELDS) {
    new Counter({
      name,
      help,
      labelNames: ['rule'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [rule, c] of rules) this.inc({ rule }, c[field]);
      },
    });
  }
}
