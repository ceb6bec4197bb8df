/**
 * OTTL's dropped_*_count paths in rules: what an SDK's span limits left out arrives with the
 * span (OTLP/HTTP protobuf and JSON, gRPC), what spansift's own limits cut is added to it,
 * and a rule on those counts routes the span, as the collector's filter processor would
 * answer the same condition.
 */
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, post } from './support/otlp.js';
import { startSpansift, type Running } from './support/spansift.js';
import { ExportTraceServiceRequest } from '../proto/otlp.js';

const LABELS = [{ name: 'ok', type: 'boolean' }];
const RULES = [
  { name: 'sdk-trimmed', when: 'dropped_attributes_count == 3 and dropped_events_count == 2 and span.dropped_links_count == 1', route_to: 'trimmed' },
  { name: 'envelope', when: 'resource.dropped_attributes_count == 4 and scope.dropped_attributes_count == 5', route_to: 'envelope' },
  { name: 'cut-here', when: 'dropped_attributes_count == 7', route_to: 'cut' },
];

let sift: Running;
const api = (path: string) => fetch(`${sift.uiUrl}${path}`, { headers: { authorization: `Bearer ${sift.adminToken}` } });

async function items(queue: string): Promise<{ spanId: string; traceId: string }[]> {
  const out = [];
  for (let p = 0; ; p++) {
    const res = await api(`/api/v1/queues/${queue}/items?position=${p}`);
    if (res.status === 404) return out;
    out.push((await res.json()).item);
  }
}

beforeAll(async () => {
  sift = await startSpansift({
    queues: { trimmed: { labels: LABELS }, envelope: { labels: LABELS }, cut: { labels: LABELS } },
    rules: RULES,
    limits: { max_attributes_per_span: 4 },
  });
});
afterAll(async () => {
  await sift?.stop();
});

describe('dropped counts', () => {
  const exporters: [string, () => SpanExporter][] = [
    ['OTLP/HTTP protobuf', () => new ProtoExporter({ url: `${sift.httpUrl}/v1/traces` })],
    ['OTLP/HTTP JSON', () => new JsonExporter({ url: `${sift.httpUrl}/v1/traces` })],
    ['OTLP/gRPC', () => new GrpcExporter({ url: sift.grpcUrl })],
  ];

  it.each(exporters)('routes on what the SDK left out (%s)', async (_name, make) => {
    const exporter = make();
    const provider = new BasicTracerProvider({
      spanLimits: { attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1 },
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('limits-test');
    const other = tracer.startSpan('other');
    const links = [0, 1].map(() => ({ context: other.spanContext() }));
    const trimmed = tracer.startSpan('trimmed', { attributes: { a: 1, b: 2, c: 3, d: 4, e: 5 }, links });
    for (const e of ['one', 'two', 'three']) trimmed.addEvent(e);
    trimmed.end();
    other.end();
    await provider.forceFlush();
    await provider.shutdown();

    const routed = await items('trimmed');
    expect(routed.map((i) => i.spanId)).toContain(trimmed.spanContext().spanId);
    // The span within its limits has no drops and matches no rule.
    for (const q of ['trimmed', 'envelope', 'cut']) expect((await items(q)).map((i) => i.spanId)).not.toContain(other.spanContext().spanId);
  });

  function request(spanAttrs: number, spanDropped: number, envelope: boolean) {
    const spanId = hex(8);
    const now = BigInt(Date.now()) * 1_000_000n;
    const json = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'drops' } }], ...(envelope ? { droppedAttributesCount: 4 } : {}) },
          scopeSpans: [
            {
              scope: { name: 'raw', ...(envelope ? { droppedAttributesCount: 5 } : {}) },
              spans: [
                {
                  traceId: hex(16),
                  spanId,
                  name: 'raw',
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 1000n),
                  attributes: Array.from({ length: spanAttrs }, (_, i) => ({ key: `k${i}`, value: { intValue: String(i) } })),
                  droppedAttributesCount: spanDropped,
                },
              ],
            },
          ],
        },
      ],
    };
    return { spanId, json };
  }

  function protobuf(json: ReturnType<typeof request>['json']): Uint8Array {
    const obj = structuredClone(json) as any;
    for (const rs of obj.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          s.traceId = Buffer.from(s.traceId, 'hex');
          s.spanId = Buffer.from(s.spanId, 'hex');
        }
    return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(obj)).finish();
  }

  it.each(['json', 'protobuf'])('adds what spansift cut to what the sender dropped, and reads resource and scope counts (%s)', async (format) => {
    // 6 attributes with max_attributes_per_span 4: 2 cut here, 5 reported by the sender.
    const cut = request(6, 5, false);
    const envelope = request(1, 0, true);
    const within = request(4, 0, false);
    for (const r of [cut, envelope, within]) {
      const res =
        format === 'json'
          ? await post(sift.httpUrl, JSON.stringify(r.json), { 'content-type': 'application/json' })
          : await post(sift.httpUrl, protobuf(r.json), { 'content-type': 'application/x-protobuf' });
      expect(res.status).toBe(200);
    }
    expect((await items('cut')).map((i) => i.spanId)).toContain(cut.spanId);
    expect((await items('envelope')).map((i) => i.spanId)).toContain(envelope.spanId);
    for (const q of ['trimmed', 'envelope', 'cut']) expect((await items(q)).map((i) => i.spanId)).not.toContain(within.spanId);
    expect((await items('cut')).map((i) => i.spanId)).not.toContain(envelope.spanId);
  });
});
