/**
 * The exporters' metrics, named as the collector's exporter metrics are (`otelcol_exporter_sent_spans`
 * and so on) under spansift's prefix, labelled by exporter id. Items are spans, log records
 * or metric data points depending on the signal. Queue size and capacity are in bytes, the
 * unit `sending_queue.queue_size` is given in.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Signal } from '../model/otlp-frames.js';

/** The collector's word for a signal's items in metric names. */
export const ITEM_NAMES: Record<Signal, string> = { traces: 'spans', logs: 'log_records', metrics: 'metric_points' };

type ItemCounters = Record<Signal, Counter<'exporter'>>;

export interface QueueReading {
  exporter: string;
  size: number;
  capacity: number;
}

export interface ExporterMetrics {
  /** Items the receiver took (a partial success's rejected items are counted as failed). */
  sent: ItemCounters;
  /** Items given up: refused by the receiver (a permanent error), or retried past max_elapsed_time. */
  sendFailed: ItemCounters;
  /** Items never queued: the sending queue was full, or its disk refused the write. */
  enqueueFailed: ItemCounters;
}

function counters(registry: Registry, what: string, help: string): ItemCounters {
  const make = (signal: Signal) =>
    new Counter({
      name: `spansift_exporter_${what}_${ITEM_NAMES[signal]}_total`,
      help: `${help} (${ITEM_NAMES[signal].replace('_', ' ')}), by exporter.`,
      labelNames: ['exporter'] as const,
      registers: [registry],
    });
  return { traces: make('traces'), logs: make('logs'), metrics: make('metrics') };
}

/** Registers the exporters' metrics; `queues` is read at each scrape. */
export function registerExporterMetrics(registry: Registry, queues: () => QueueReading[]): ExporterMetrics {
  new Gauge({
    name: 'spansift_exporter_queue_size',
    help: 'Bytes in the sending queue (waiting and being sent), by exporter.',
    labelNames: ['exporter'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const q of queues()) this.set({ exporter: q.exporter }, q.size);
    },
  });
  new Gauge({
    name: 'spansift_exporter_queue_capacity',
    help: 'Bytes the sending queue may hold (sending_queue.queue_size), by exporter.',
    labelNames: ['exporter'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const q of queues()) this.set({ exporter: q.exporter }, q.capacity);
    },
  });
  return {
    sent: counters(registry, 'sent', 'Items sent and taken by the receiver'),
    sendFailed: counters(registry, 'send_failed', 'Items given up after a permanent error or retries past max_elapsed_time'),
    enqueueFailed: counters(registry, 'enqueue_failed', 'Items not forwarded because the sending queue was full or could not be written'),
  };
}
