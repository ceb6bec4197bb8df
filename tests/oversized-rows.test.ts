/**
 * A request within the body limit whose rows are too large to build: every stored row
 * repeats its resource's attributes, so a small body can stand for far more than one
 * request's rows may take (512 MiB; as JSON, escaping would grow the text six-fold past the
 * longest string JavaScript has). The client is told at once that sending it again cannot
 * help (413, not a retryable 503), and spansift goes on storing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest } from '../proto/otlp.js';
import { startSpansift, getTrace, type Running } from './support/spansift.js';
import { decodeStatus, hex, post, protobufRequest } from './support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift({ receivers: { otlp: { http: { max_request_body_size: '2MiB' } } } });
});
afterAll(async () => {
  await sift?.stop();
});

/** 600 spans sharing one resource whose attribute is 1 MiB of control characters: 600 MiB of rows. */
function explosiveRequest(traceId: string): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 600 }, (_, i) => ({
    traceId: Buffer.from(traceId, 'hex'),
    spanId: Buffer.from(hex(8), 'hex'),
    name: `s${i}`,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1000n),
  }));
  return ExportTraceServiceRequest.encode(
    ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'blob', value: { stringValue: '\u0001'.repeat(1024 * 1024) } }] },
          scopeSpans: [{ scope: { name: 'big' }, spans }],
        },
      ],
    }),
  ).finish();
}

describe('rows too large to build', () => {
  it('answers 413 naming the problem, stores nothing of it, and keeps storing other requests', async () => {
    const traceId = hex(16);
    const body = explosiveRequest(traceId);
    expect(body.length).toBeLessThan(2 * 1024 * 1024);
    const res = await post(sift.httpUrl, body, PB);
    expect(res.status).toBe(413);
    expect(decodeStatus(res.body).message).toContain('send fewer spans or items per request');
    expect((await getTrace(sift, traceId)).status).toBe(404);

    const metrics = await (await fetch(`${sift.uiUrl}/metrics`, { headers: { authorization: `Bearer ${sift.adminToken}` } })).text();
    expect(metrics).toMatch(/spansift_receiver_refused_spans_total\{transport="http",reason="too_large"\} 600/);

    const next = hex(16);
    expect((await post(sift.httpUrl, protobufRequest([{ traceId: next, name: 'after' }]), PB)).status).toBe(200);
    expect((await getTrace(sift, next)).body.spans[0].name).toBe('after');
  });
});
