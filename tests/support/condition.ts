import type { Attributes, Span, SpanEvent } from '../../collector/model/span.js';

/** Span fixtures for the condition tests. */
export const T0 = 1_700_000_000_000_000_000n;

export interface SpanSpec {
  id?: string;
  name?: string;
  kind?: number;
  attrs?: Attributes;
  resource?: Attributes;
  /** Nanoseconds; the span starts at `start` (default T0). */
  duration?: bigint;
  start?: bigint;
  status?: { code: number; message: string };
  events?: string[];
  scope?: { name: string; version: string };
  parentSpanId?: string;
  traceState?: string;
}

export function makeSpan(spec: SpanSpec = {}): Span {
  const start = spec.start ?? T0;
  const id = spec.id ?? '00000000000000aa';
  const resource = spec.resource ?? { 'service.name': 'chat-api' };
  const serviceName = typeof resource['service.name'] === 'string' ? resource['service.name'] : '';
  const events: SpanEvent[] = (spec.events ?? []).map((name, i) => ({
    timeUnixNano: start + BigInt(i),
    name,
    attributes: {},
  }));
  return {
    traceId: id.padStart(32, '0'),
    spanId: id,
    parentSpanId: spec.parentSpanId ?? '',
    traceState: spec.traceState ?? '',
    flags: 1,
    name: spec.name ?? 'chat gpt-4o',
    kind: spec.kind ?? 3,
    startTimeUnixNano: start,
    endTimeUnixNano: start + (spec.duration ?? 1_500_000_000n),
    attributes: spec.attrs ?? {},
    events,
    links: [],
    status: spec.status ?? { code: 0, message: '' },
    resource: { attributes: resource, serviceName, schemaUrl: '' },
    scope: { ...(spec.scope ?? { name: 'openai', version: '1.2.0' }), attributes: {} },
  };
}
