/**
 * The in-memory form of one OTLP span after decoding, shared by both wire formats
 * (protobuf and OTLP JSON), the rules and the storage writer.
 *
 * Ids are lower-case hex ('' when absent). Times are nanoseconds since the epoch as
 * bigint, because OTLP's fixed64 nanosecond stamps do not fit a double.
 */

/** An OTLP AnyValue. Integers outside the safe range stay bigint so nothing is rounded. */
export type AttrValue =
  | string
  | number
  | boolean
  | bigint
  | Uint8Array
  | null
  | AttrValue[]
  | { [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

export interface Resource {
  attributes: Attributes;
  /** `service.name` in its string form (attrToString), '' when absent. */
  serviceName: string;
  schemaUrl: string;
  /** OTLP's dropped_attributes_count: attributes the sender (or spansift's limits) left out. 0 when absent. */
  droppedAttributesCount?: number;
}

export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
  /** OTLP's dropped_attributes_count: attributes the sender (or spansift's limits) left out. 0 when absent. */
  droppedAttributesCount?: number;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
}

/** OTLP Span.SpanKind numbers. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

/** OTLP Status.StatusCode numbers. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
  status: { code: number; message: string };
  /**
   * OTLP's dropped_*_count: what the sender's SDK left out, plus what spansift's span limits
   * cut on receipt. 0 when absent. otel_traces has no column for them, so a span read back
   * from storage has none.
   */
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
  /** Shared by every span of the same ResourceSpans. */
  resource: Resource;
  /** Shared by every span of the same ScopeSpans. */
  scope: Scope;
}

/** A decoded export request: the spans that passed validation and what was rejected. */
export interface DecodedExport {
  spans: Span[];
  rejected: number;
  /** Why spans were rejected, one line per distinct reason; '' when none were. */
  rejectReason: string;
  /**
   * The protobuf request the spans were decoded from, when they are all of it, unchanged
   * (nothing rejected, dropped or cut by the limits): forwarding sends these bytes rather
   * than encoding the spans again. Unset for OTLP JSON.
   */
  wire?: Uint8Array;
}
