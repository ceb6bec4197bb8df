/**
 * Slow and lying clients cannot take what others need. Before: a declared Content-Length
 * reserved in-flight bytes before the body came, so seven connections declaring 20 MiB and
 * sending one byte made every other client (HTTP and gRPC) get 429 for 60 to 90 s; and a body
 * could take up to about 90 s. Now bytes count as they arrive, and a request that does not
 * arrive within receivers.otlp.http.read_timeout is answered 408 and its connection closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { grpcExport } from '../support/grpc.js';
import { startSpansift, getTrace, type Running } from '../support/spansift.js';
import { hex, post, protobufRequest } from '../support/otlp.js';
import { closed, rawConnect } from './receiver-support.js';

const READ_TIMEOUT_MS = 3000;
const PB = { 'content-type': 'application/x-protobuf' };
const HEAD = (length: number) => `POST /v1/traces HTTP/1.1\r\nHost: spansift\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${length}\r\n\r\n`;

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift({ receivers: { otlp: { http: { read_timeout: `${READ_TIMEOUT_MS}ms` } } } });
});
afterAll(() => sift?.stop());

/** A 9 MiB export: big, but well within the 20 MiB body limit. */
function bigRequest(traceId: string): Uint8Array {
  return protobufRequest(Array.from({ length: 9 }, (_, i) => ({ traceId, name: `big-${i}`, attributes: { 'gen_ai.prompt': 'x'.repeat(1024 * 1024) } })));
}

describe('bodies that never come', () => {
  it('seven connections declaring 20 MiB and sending one byte make nobody else get 429', async () => {
    const liars: Socket[] = [];
    for (let i = 0; i < 7; i++) {
      const s = await rawConnect(sift.httpUrl, '127.0.0.3');
      s.write(HEAD(20 * 1024 * 1024) + 'x');
      liars.push(s);
    }
    const answers = liars.map(closed);
    await new Promise((r) => setTimeout(r, 200));
    const traces = Array.from({ length: 6 }, () => hex(16));
    const results = await Promise.all([
      ...traces.slice(0, 3).map((t) => post(sift.httpUrl, bigRequest(t), PB).then((r) => r.status)),
      ...traces.slice(3).map((t) => grpcExport(sift.grpcUrl, bigRequest(t)).then((r) => (r.code === 0 ? 200 : `grpc ${r.code} ${r.details}`))),
    ]);
    expect(results).toEqual([200, 200, 200, 200, 200, 200]);
    for (const t of traces) expect((await getTrace(sift, t)).body.spans).toHaveLength(9);
    // And the liars are cut off at the read timeout, told why.
    for (const text of await Promise.all(answers)) expect(text).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('cuts off a body that trickles in, at the read timeout, while others are served', async () => {
    const slow = await rawConnect(sift.httpUrl);
    const t0 = performance.now();
    slow.write(HEAD(100_000));
    const trickle = setInterval(() => slow.writable && slow.write('x'), 100);
    const answer = closed(slow);
    // Meanwhile, an ordinary export goes through.
    const traceId = hex(16);
    expect((await post(sift.httpUrl, protobufRequest([{ traceId, name: 'meanwhile' }]), PB)).status).toBe(200);
    const text = await answer;
    clearInterval(trickle);
    const after = performance.now() - t0;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(after).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 100);
    expect(after).toBeLessThan(READ_TIMEOUT_MS + 2500);
    expect((await getTrace(sift, traceId)).body.spans).toHaveLength(1);
  }, 30_000);

  it('cuts off headers that never end, at the read timeout', async () => {
    const slow = await rawConnect(sift.httpUrl);
    const t0 = performance.now();
    slow.write('POST /v1/traces HTTP/1.1\r\nHost: spansift\r\n');
    const trickle = setInterval(() => slow.writable && slow.write('X-Slow: 1\r\n'), 200);
    const text = await closed(slow);
    clearInterval(trickle);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(performance.now() - t0).toBeLessThan(READ_TIMEOUT_MS + 2500);
    const metrics = await (await fetch(`${sift.uiUrl}/metrics`, { headers: { authorization: `Bearer ${sift.adminToken}` } })).text();
    expect(Number(/^spansift_receiver_refused_requests_total\{transport="http",reason="read_timeout"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(9);
  }, 30_000);
});
