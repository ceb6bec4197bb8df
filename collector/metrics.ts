/**
 * spansift's own metrics, in Prometheus format on /metrics. The hot path only bumps
 * counters and histograms here; it never logs per span. Parts above the collector
 * register their own metrics on `registry` (rules, queues, labels).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event loop's delay is sampled for `spansift_nodejs_eventloop_lag_{min,max,mean,
 * stddev,p50,p90,p99}_seconds` (each sample includes this interval). prom-client's 10 ms wakes
 * an idle process 100 times a second, which took about 0.8% of a core on its own.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spansift_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
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
    refusedRequests: new Counter({
      name: 'spansift_receiver_refused_requests_total',
      help: 'Requests turned away before their spans were decoded (so not in refused_spans_total), by transport and reason.',
      labelNames: ['transport', 'reason'] as const,
      registers: [registry],
    }),
    refusedConnections: new Counter({
      name: 'spansift_receiver_refused_connections_total',
      help: 'Connections closed as they were accepted: over the total or the per-address cap, by transport and reason.',
      labelNames: ['transport', 'reason'] as const,
      registers: [registry],
    }),
    droppedAttributes: new Counter({
      name: 'spansift_receiver_dropped_attributes_total',
      help: 'Attributes (of spans, resources, scopes, events, links) dropped by the limits.* attribute counts, by transport.',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    droppedEvents: new Counter({
      name: 'spansift_receiver_dropped_events_total',
      help: 'Span events dropped by limits.max_events_per_span, by transport.',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    droppedLinks: new Counter({
      name: 'spansift_receiver_dropped_links_total',
      help: 'Span links dropped by limits.max_links_per_span, by transport.',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    truncatedValues: new Counter({
      name: 'spansift_receiver_truncated_values_total',
      help: 'String attribute values cut to limits.max_attribute_value_length, by transport.',
      labelNames: ['transport'] as const,
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
    memoryLimit: new Gauge({
      name: 'spansift_memory_limit_bytes',
      help: 'limits.memory_limit in force (0: none); above it less limits.memory_spike_limit, new requests are refused.',
      registers: [registry],
    }),
    inflightSpans: new Gauge({
      name: 'spansift_inflight_spans',
      help: 'Spans admitted and not yet stored.',
      registers: [registry],
    }),
    logBytes: new Gauge({
      name: 'spansift_log_bytes',
      help: 'Size of the local log on disk: acknowledged rows not yet all in ClickHouse, and the segments holding them.',
      registers: [registry],
    }),
    logPendingRecords: new Gauge({
      name: 'spansift_log_pending_records',
      help: 'Records (one per acknowledged export) in the local log not yet inserted into ClickHouse.',
      registers: [registry],
    }),
    logCommitSeconds: new Histogram({
      name: 'spansift_log_commit_duration_seconds',
      help: 'Duration of each group commit of the local log (its write and sync: O_DSYNC on Linux, else fdatasync).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    logCommitRecords: new Histogram({
      name: 'spansift_log_commit_records',
      help: 'Records (exports) per group commit of the local log.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    logRejectedRows: new Counter({
      name: 'spansift_log_rejected_rows_total',
      help: 'Acknowledged rows ClickHouse refused for their data, kept under <log dir>/rejected/, by table.',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    logReplayedRecords: new Counter({
      name: 'spansift_log_replayed_records_total',
      help: 'Records found in the local log at start (not known to be in ClickHouse), inserted again.',
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
 * `spansift_engine_memory_bytes`: what the embedded engine counts as in use, read at each
 * scrape. With process_resident_memory_bytes and the nodejs_heap metrics it says where
 * spansift's memory is: the engine, Node's heap, or neither (code pages, freed pages the
 * allocators keep).
 */
export function registerEngineMemory(registry: Registry, read: () => Promise<number>): void {
  if (registry.getSingleMetric('spansift_engine_memory_bytes')) return;
  new Gauge({
    name: 'spansift_engine_memory_bytes',
    help: "Memory the embedded ClickHouse engine counts as in use (its MemoryTracking): queries, inserts, merges and caches",
    registers: [registry],
    async collect() {
      try {
        this.set(await read());
      } catch {
        // The engine is stopping: the last value stands.
      }
    },
  });
}
