/**
 * spansift's own metrics, in Prometheus format on /metrics. The hot path only bumps
 * counters and histograms here; it never logs per span.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RoutingCounters } from './queues/router.js';
import type { RuleCounters } from '../processors/rules/engine.js';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spansift_' });
  const m = {
    registry,
    acceptedSpans: new Counter({
      name: 'spansift_receiver_accepted_spans_total',
      help: 'Spans stored and acknowledged, by transport.',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    refusedSpans: new Counter({
      name: 'spansift_receiver_refused_spans_total',
      help: 'Spans turned away before storage (invalid, overload, auth), by transport and reason.',
      labelNames: ['transport', 'reason'] as const,
      registers: [registry],
    }),
    failedSpans: new Counter({
      name: 'spansift_receiver_failed_spans_total',
      help: 'Spans whose insert failed (the client was told and may retry), by transport.',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    requests: new Counter({
      name: 'spansift_receiver_requests_total',
      help: 'Export requests by transport and outcome (success, partial, a client error code, overloaded, storage_error).',
      labelNames: ['transport', 'outcome'] as const,
      registers: [registry],
    }),
    insertBatchRows: new Histogram({
      name: 'spansift_storage_insert_batch_rows',
      help: 'Rows per ClickHouse insert.',
      labelNames: ['table'] as const,
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 20000, 50000],
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'spansift_storage_insert_duration_seconds',
      help: 'Duration of each ClickHouse insert.',
      labelNames: ['table', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inflightBytes: new Gauge({
      name: 'spansift_inflight_bytes',
      help: 'Request bytes admitted and not yet answered.',
      registers: [registry],
    }),
    inflightSpans: new Gauge({
      name: 'spansift_inflight_spans',
      help: 'Spans admitted and not yet stored.',
      registers: [registry],
    }),
    configReloads: new Counter({
      name: 'spansift_config_reloads_total',
      help: 'Config reloads by outcome.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Per-rule and per-queue counts. The hot path bumps plain numbers in RoutingCounters;
 * they are copied into Prometheus counters only when /metrics is scraped.
 */
export function registerRoutingMetrics(m: Metrics, counters: RoutingCounters): void {
  const fields: [keyof RuleCounters, string, string][] = [
    ['matched', 'spansift_rule_matched_spans_total', 'Spans whose condition matched, by rule.'],
    ['sampledOut', 'spansift_rule_sampled_out_spans_total', 'Matching spans left out by sampling, by rule.'],
    ['rateLimited', 'spansift_rule_rate_limited_items_total', 'Items not enqueued because of the rule rate limit, by rule.'],
    ['deduplicated', 'spansift_rule_deduplicated_items_total', 'Items not enqueued because the dedupe window had one, by rule.'],
    ['enqueued', 'spansift_rule_enqueued_items_total', 'Items enqueued, by rule.'],
  ];
  for (const [field, name, help] of fields) {
    new Counter({
      name,
      help,
      labelNames: ['rule'] as const,
      registers: [m.registry],
      collect() {
        this.reset();
        for (const [rule, c] of counters.rules) this.inc({ rule }, c[field]);
      },
    });
  }
  new Counter({
    name: 'spansift_queue_enqueued_items_total',
    help: 'Items enqueued by rules and backfills, by queue.',
    labelNames: ['queue'] as const,
    registers: [m.registry],
    collect() {
      this.reset();
      for (const [queue, n] of counters.queues) this.inc({ queue }, n);
    },
  });
}
