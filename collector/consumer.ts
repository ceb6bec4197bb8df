/**
 * The interfaces between the collector's parts, as the OpenTelemetry Collector's
 * `consumer.Traces`: receivers hand decoded exports to a TracesConsumer and know nothing
 * of what is behind it; the pipeline hands spans to a SpanRouter (the labeling queues)
 * and knows nothing of queues, and lets a SpanProcessor (redaction) change them first.
 */
import type { DecodedExport, Span } from './model/span.js';

export type Transport = 'http' | 'grpc';

export interface ExportResult {
  /** Spans refused as invalid (reported to the client via partial_success). */
  rejected: number;
  message: string;
}

export interface TracesConsumer {
  /** Settles once every accepted span is stored (and routed), or rejects with why not. */
  consume(decoded: DecodedExport, transport: Transport): Promise<ExportResult>;
}

/**
 * Takes the spans of an export along with their storage, inside its acknowledgement.
 * Returns a promise that settles once what it made of them is stored, or undefined when
 * it made nothing of them.
 */
export interface SpanRouter {
  route(spans: Span[], now: number): Promise<void> | undefined;
}

/**
 * Changes the spans of an export in place before anything else sees them (storage, rules,
 * queues, forwarding). `stepper` is called once per export and returns the function applied
 * to each span in order; undefined when the processor in force changes nothing, so an
 * empty configuration costs nothing per span.
 */
export interface SpanProcessor {
  stepper(): ((span: Span) => void) | undefined;
}
