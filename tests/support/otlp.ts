/** Builders for raw OTLP requests, for tests that need bodies a real exporter never sends. */
import { randomBytes } from 'node:crypto';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, Status } from '../../proto/otlp.js';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export interface RawSpan {
  traceId?: string;
  spanId?: string;
  name?: string;
  attributes?: Record<string, string>;
}

/** An OTLP JSON request (hex ids, as the OTLP JSON mapping has them). */
export function jsonRequest(spans: RawSpan[], service = 'raw-test'): object {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'raw' },
            spans: spans.map((s, i) => ({
              traceId: s.traceId ?? hex(16),
              spanId: s.spanId ?? hex(8),
              name: s.name ?? `span-${i}`,
              kind: 1,
              startTimeUnixNano: String(now),
              endTimeUnixNano: String(now + 1_000_000n),
              attributes: Object.entries(s.attributes ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
            })),
          },
        ],
      },
    ],
  };
}

/** The same request as protobuf bytes. */
export function protobufRequest(spans: RawSpan[], service = 'raw-test'): Uint8Array {
  const json = jsonRequest(spans, service) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  const obj = {
    resourceSpans: json.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        spans: ss.spans.map((s) => ({
          ...s,
          traceId: Buffer.from(s.traceId as string, 'hex'),
          spanId: Buffer.from(s.spanId as string, 'hex'),
        })),
      })),
    })),
  };
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(obj)).finish();
}

export function decodeStatus(body: Uint8Array): { code: number; message: string; details: unknown[] } {
  return Status.toObject(Status.decode(body), { defaults: true }) as never;
}

export function decodeResponse(body: Uint8Array): { partialSuccess?: { rejectedSpans: string; errorMessage: string } } {
  return ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), { longs: String }) as never;
}

export async function post(url: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${url}/v1/traces`, { method: 'POST', body: body as BodyInit, headers });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}
