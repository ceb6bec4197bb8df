/**
 * What the protobuf and the OTLP/JSON decoders share: the span factory (one object shape for
 * every span, so the hot code downstream stays monomorphic), attribute assignment, id rules
 * and the tally of rejected spans.
 */
import type { AttrValue, Attributes, DecodedExport, Resource, Scope, Span } from '../../model/span.js';
import type { Dropped } from './limits.js';
import { serviceNameOf } from '../../model/attributes.js';

/** A decoded export and what the span limits took out of it (for the receivers' metrics). */
export interface DecodedRequest extends DecodedExport {
  dropped: Dropped;
}

/** Deeper AnyValue nesting than this is refused, so that hostile input cannot blow the stack. */
export const MAX_VALUE_DEPTH = 64;

export const ZERO_TRACE_ID = '0'.repeat(32);
export const ZERO_SPAN_ID = '0'.repeat(16);

export function newResource(): Resource {
  return { attributes: {}, serviceName: '', schemaUrl: '' };
}

export function newScope(): Scope {
  return { name: '', version: '', attributes: {} };
}

export function newSpan(resource: Resource, scope: Scope): Span {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    traceState: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    events: [],
    links: [],
    status: { code: 0, message: '' },
    resource,
    scope,
  };
}

type DroppedCounts = { droppedAttributesCount?: number; droppedEventsCount?: number; droppedLinksCount?: number };

/**
 * Adds to a dropped count (OTLP's dropped_*_count): what the sender reports and what
 * spansift's span limits cut. Nothing is set while the count stays 0, so a span without
 * drops carries no count at all.
 */
export function addDropped(target: DroppedCounts, n: number, key: keyof DroppedCounts = 'droppedAttributesCount'): void {
  if (n > 0) target[key] = (target[key] ?? 0) + n;
}

/**
 * Called once a ResourceSpans is complete, since its attributes may arrive in any order.
 * A `service.name` that is not a string is taken in its string form, as the
 * clickhouseexporter takes it (AsString: `42`, `true`, a list as JSON).
 */
export function finishResource(resource: Resource): void {
  resource.serviceName = serviceNameOf(resource.attributes);
}

/**
 * Attribute keys are untrusted: a plain assignment of '__proto__' would replace the object's
 * prototype instead of storing the value. A duplicate key keeps the last value, as pdata does.
 */
export function setAttr(target: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** The problem with a required id of `bytes` bytes given as lower-case hex, or null. */
export function requiredIdProblem(field: string, hex: string, bytes: number, zero: string): string | null {
  if (hex.length !== bytes * 2) return `${field} must be ${bytes} bytes, got ${hex.length / 2}`;
  if (hex === zero) return `${field} must not be all zero`;
  return null;
}

export function idLengthProblem(field: string, bytes: number, got: number): string {
  return `${field} must be ${bytes} bytes, got ${got}`;
}

/** Counts rejected spans per distinct reason, so one bad client does not flood the message. */
export class RejectTally {
  rejected = 0;
  private readonly reasons = new Map<string, number>();

  constructor(private readonly dropped: Dropped) {}

  add(reason: string): void {
    this.rejected++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  result(spans: Span[]): DecodedRequest {
    if (this.rejected === 0) return { spans, rejected: 0, rejectReason: '', dropped: this.dropped };
    const lines: string[] = [];
    for (const [reason, n] of this.reasons) lines.push(`${reason} (${n} span${n === 1 ? '' : 's'})`);
    return { spans, rejected: this.rejected, rejectReason: lines.join('\n'), dropped: this.dropped };
  }
}
