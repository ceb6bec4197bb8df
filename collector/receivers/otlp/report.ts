/**
 * What a receiver tells the metrics and the log about a request beyond its outcome: what the
 * span limits dropped, requests refused before their spans were known, and every refusal or
 * storage failure in the rate-limited log. The hot path only counts; see refusals.ts.
 */
import type { SpansiftError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { Transport } from '../../consumer.js';
import type { DecodedRequest } from './decode-shared.js';
import { RefusalLog } from './refusals.js';

export class RequestReport {
  readonly refusals: RefusalLog;

  constructor(
    private readonly transport: Transport,
    private readonly metrics: Metrics | undefined,
    log: Logger | undefined,
  ) {
    this.refusals = new RefusalLog(transport, log);
  }

  /** A request decoded: what its limits dropped, and the spans it had rejected as invalid. */
  decoded(d: DecodedRequest): void {
    const { dropped } = d;
    if (dropped.any && this.metrics) {
      const labels = { transport: this.transport };
      if (dropped.attributes) this.metrics.droppedAttributes.inc(labels, dropped.attributes);
      if (dropped.events) this.metrics.droppedEvents.inc(labels, dropped.events);
      if (dropped.links) this.metrics.droppedLinks.inc(labels, dropped.links);
      if (dropped.truncatedValues) this.metrics.truncatedValues.inc(labels, dropped.truncatedValues);
    }
    if (d.rejected > 0) this.refusals.note('invalid_spans', d.rejectReason, d.rejected);
  }

  /**
   * A request answered with an error. `spans` is undefined when it failed before decoding:
   * such a request is counted in refused_requests_total, as its spans are in no span counter.
   */
  failed(err: SpansiftError, spans: number | undefined): void {
    const reason = err.code.toLowerCase();
    if (spans === undefined) this.metrics?.refusedRequests.inc({ transport: this.transport, reason });
    // INTERNAL is a bug: the receivers log each one with its stack.
    if (err.code === 'INTERNAL') return;
    const storage = err.code === 'STORAGE_UNAVAILABLE' || err.code === 'STORAGE_REJECTED';
    this.refusals.note(reason, err.message, spans ?? 0, storage ? 'error' : 'warn');
  }

  /** A request that failed as a connection (HTTP: `read_timeout`, `malformed`), without an OTLP answer. */
  connectionError(reason: string, message: string): void {
    this.metrics?.refusedRequests.inc({ transport: this.transport, reason });
    this.refusals.note(reason, message);
  }

  close(): void {
    this.refusals.close();
  }
}
