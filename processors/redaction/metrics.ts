/**
 * Redaction counts on /metrics. The hot path bumps plain numbers in RedactionCounters;
 * they are copied into Prometheus counters only when /metrics is scraped.
 */
import { Counter, type Registry } from 'prom-client';
import type { RedactionCounters } from './redactor.js';

const FIELDS: [keyof RedactionCounters, string, string][] = [
  ['deleted', 'spansift_redaction_deleted_attributes_total', 'Attributes (of spans, resources, scopes, events, links, and keys inside map values) deleted by processors.redaction.'],
  ['masked', 'spansift_redaction_masked_attributes_total', 'Attributes whose value processors.redaction masked, wholly (mask_keys) or in part (mask_values, blocked_values).'],
];

/** `counters` outlives config reloads, so the counts stay monotonic. */
export function registerRedactionMetrics(registry: Registry, counters: RedactionCounters): void {
  for (const [field, name, help] of FIELDS) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(counters[field]);
      },
    });
  }
}
