/**
 * The interfaces between the collector's parts, as the OpenTelemetry Collector's
 * `consumer.Traces`: receivers hand decoded exports to a TracesConsumer and know nothing
 * of what is behind it; the pipeline hands spans to a SpanRouter (the labeling queues)
 * and knows nothing of queues, lets a SpanProcessor (redaction) change them first, and
 * stores what it has through an ExportWriter, which knows whether an acknowledgement waits
 * for the local log or for the insert.
 */
import type { DecodedExport, Span } from './model/span.js';
import type { Signal } from './model/otlp-frames.js';
import type { SerializedRows } from './storage/json-rows.js';

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
 * Takes the spans of an export inside its acknowledgement and returns what it made of them
 * (queue items) as rows serialized for their table, or undefined when it made nothing. They
 * are stored with the spans, in the same record: an acknowledged span that a rule routes
 * always becomes its item.
 */
export interface SpanRouter {
  route(spans: Span[], now: number): SerializedRows | undefined;
}

/** Stores the rows of one export: its spans and the items routed from them, together. */
export interface ExportWriter {
  /** Settles once both are durable (in the local log, or inserted), or rejects with why not. */
  write(spans: SerializedRows, items: SerializedRows | undefined): Promise<void>;
}

/**
 * What receives spans once they are stored (forwarding). Called by the pipeline after the
 * storage write and before the answer; it never rejects, and its failures never fail the
 * export (they are counted where they happen).
 */
export interface StoredSpansConsumer {
  /** `wire`: the spans as a protobuf request, when the receiver has them so (DecodedExport.wire). */
  spans(spans: readonly Span[], wire?: Uint8Array): Promise<void>;
}

/** Logs and metrics requests, which spansift forwards and does not store. */
export interface SignalConsumer {
  /** Something takes this signal; when nothing does, its route answers 404 (gRPC: UNIMPLEMENTED). */
  takes(signal: Signal): boolean;
  /** Settles once the request (protobuf) is queued; false when nothing could queue it. */
  request(signal: Signal, body: Uint8Array, items: number): Promise<boolean>;
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
