/**
 * Every error path of the OTLP/HTTP receiver, against a running spansift on the real
 * embedded engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createGzip, gzipSync } from 'node:zlib';
import { startSpansift, getTrace, type Running } from './support/spansift.js';
import { decodeResponse, decodeStatus, hex, jsonRequest, post, protobufRequest } from './support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift({ receivers: { otlp: { http: { max_request_body_size: '1MiB' } } } });
});
afterAll(async () => {
  await sift?.stop();
});

describe('OTLP/HTTP receiver', () => {
  it('stores the OTLP spec example trace as posted', async () => {
    const body = readFileSync(new URL('../collector/receivers/otlp/testdata/trace.json', import.meta.url), 'utf8');
    const res = await post(sift.httpUrl, body, JSON_CT);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(Buffer.from(res.body).toString())).toEqual({});
    const { status, body: trace } = await getTrace(sift, '5B8EFFF798038103D269B633813FC60C');
    expect(status).toBe(200);
    expect(trace.spans).toEqual([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        traceState: '',
        name: "I'm a server span",
        kind: 'Server',
        serviceName: 'my.service',
        startTimeUnixNano: '1544712660000000000',
        endTimeUnixNano: '1544712661000000000',
        durationNano: '1000000000',
        status: { code: 'Unset', message: '' },
        attributes: { 'my.span.attr': 'some value' },
        resource: { attributes: { 'service.name': 'my.service' } },
        scope: { name: 'my.library', version: '1.0.0' },
        events: [],
        links: [],
      },
    ]);
  });

  it('answers an empty request with success', async () => {
    const pb = await post(sift.httpUrl, new Uint8Array(), PB);
    expect(pb.status).toBe(200);
    expect(decodeResponse(pb.body).partialSuccess).toBeUndefined();
    const js = await post(sift.httpUrl, '{}', JSON_CT);
    expect(js.status).toBe(200);
  });

  it('rejects other methods with 405 and Allow: POST', async () => {
    const res = await fetch(`${sift.httpUrl}/v1/traces`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('answers 404 for other paths', async () => {
    const res = await fetch(`${sift.httpUrl}/v1/logs`, { method: 'POST', body: '{}', headers: JSON_CT });
    expect(res.status).toBe(404);
  });

  it('rejects other media types with 415', async () => {
    const res = await post(sift.httpUrl, 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(Buffer.from(res.body).toString()).toContain('text/plain');
  });

  it('rejects an unknown Content-Encoding with 415', async () => {
    const res = await post(sift.httpUrl, '{}', { ...JSON_CT, 'content-encoding': 'zstd' });
    expect(res.status).toBe(415);
  });

  it('rejects a truncated protobuf with 400 and a google.rpc.Status body', async () => {
    const full = protobufRequest([{ name: 'will be cut' }]);
    const res = await post(sift.httpUrl, full.subarray(0, full.length - 7), PB);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = decodeStatus(res.body);
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.message.length).toBeGreaterThan(0);
  });

  it('rejects invalid JSON with 400 naming the problem', async () => {
    const res = await post(sift.httpUrl, '{"resourceSpans": [', JSON_CT);
    expect(res.status).toBe(400);
    const status = JSON.parse(Buffer.from(res.body).toString());
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/json/i);
  });

  it('rejects JSON of the wrong shape with 400 naming the field', async () => {
    const res = await post(sift.httpUrl, '{"resourceSpans": {"not": "an array"}}', JSON_CT);
    expect(res.status).toBe(400);
    expect(JSON.parse(Buffer.from(res.body).toString()).message).toContain('resourceSpans');
  });

  it('reports spans with bad ids through partial_success and stores the rest', async () => {
    const traceId = hex(16);
    for (const format of ['protobuf', 'json'] as const) {
      const good = { traceId, spanId: hex(8), name: `good ${format}` };
      const spans = [good, { traceId: 'abc123', name: 'short trace id' }, { spanId: '0000000000000000', name: 'zero span id' }];
      const res =
        format === 'json'
          ? await post(sift.httpUrl, JSON.stringify(jsonRequest(spans)), JSON_CT)
          : await post(sift.httpUrl, protobufRequest(spans), PB);
      expect(res.status).toBe(200);
      const partial =
        format === 'json' ? JSON.parse(Buffer.from(res.body).toString()).partialSuccess : decodeResponse(res.body).partialSuccess;
      expect(Number(partial.rejectedSpans)).toBe(2);
      expect(partial.errorMessage).toMatch(/trace_id|traceId/);
      expect(partial.errorMessage).toMatch(/span_id|spanId/);
    }
    const { body } = await getTrace(sift, traceId);
    expect(body.spans.map((s: { name: string }) => s.name).sort()).toEqual(['good json', 'good protobuf']);
  });

  it('accepts gzip and answers in the request content type', async () => {
    const traceId = hex(16);
    const res = await post(sift.httpUrl, gzipSync(protobufRequest([{ traceId, name: 'zipped' }])), { ...PB, 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await getTrace(sift, traceId)).body.spans[0].name).toBe('zipped');
  });

  it('rejects a body over the limit with 413 before storing anything', async () => {
    const traceId = hex(16);
    const body = JSON.stringify(jsonRequest([{ traceId, attributes: { big: 'x'.repeat(1.5 * 1024 * 1024) } }]));
    const res = await post(sift.httpUrl, body, JSON_CT);
    expect(res.status).toBe(413);
    expect((await getTrace(sift, traceId)).status).toBe(404);
  });

  it('counts the limit after decompression', async () => {
    const body = gzipSync(JSON.stringify(jsonRequest([{ attributes: { big: 'y'.repeat(3 * 1024 * 1024) } }])));
    expect(body.length).toBeLessThan(1024 * 1024);
    const res = await post(sift.httpUrl, body, { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  });

  it('stops a gzip bomb early without inflating it', async () => {
    // 512 MiB of zeros, about 500 KB compressed: under the raw limit, far over the decompressed one.
    const bomb = await gzipZeros(512 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = peakRssBytes();
    const res = await post(sift.httpUrl, bomb, { ...PB, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(decodeStatus(res.body).message).toContain('larger than');
    // Inflating it would have raised this process's peak resident memory by ~512 MiB.
    expect(peakRssBytes() - before).toBeLessThan(64 * 1024 * 1024);
  });
});

function gzipZeros(total: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gz = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gz.on('data', (c: Buffer) => out.push(c));
    gz.on('end', () => resolve(Buffer.concat(out)));
    gz.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024);
    let left = total;
    const pump = () => {
      while (left > 0) {
        left -= chunk.length;
        if (!gz.write(chunk)) return gz.once('drain', pump);
      }
      gz.end();
    };
    pump();
  });
}

/** VmHWM: the highest resident set size this process has had. */
function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m![1]) * 1024;
}
