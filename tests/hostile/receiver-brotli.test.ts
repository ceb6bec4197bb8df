/**
 * `Content-Encoding: br` works: a real brotli body (zlib.brotliCompressSync, as clients
 * compress) is stored. Before, every brotli body got 400 "Initialization failed": the
 * decoder was given an encoder parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brotliCompressSync } from 'node:zlib';
import { startSpansift, getTrace, type Running } from '../support/spansift.js';
import { hex, jsonRequest, post, protobufRequest } from '../support/otlp.js';

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift();
});
afterAll(() => sift?.stop());

describe('Content-Encoding: br', () => {
  it('stores the spans of a brotli-compressed protobuf and JSON body', async () => {
    const pbTrace = hex(16);
    const jsonTrace = hex(16);
    const pb = await post(sift.httpUrl, brotliCompressSync(protobufRequest([{ traceId: pbTrace, name: 'br-protobuf' }])), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'br',
    });
    const json = await post(sift.httpUrl, brotliCompressSync(JSON.stringify(jsonRequest([{ traceId: jsonTrace, name: 'br-json' }]))), {
      'content-type': 'application/json',
      'content-encoding': 'br',
    });
    expect([pb.status, json.status]).toEqual([200, 200]);
    expect((await getTrace(sift, pbTrace)).body.spans[0].name).toBe('br-protobuf');
    expect((await getTrace(sift, jsonTrace)).body.spans[0].name).toBe('br-json');
  });

  it('still refuses a brotli bomb at the body limit with 413', async () => {
    const bomb = brotliCompressSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024);
    const res = await post(sift.httpUrl, bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' });
    expect(res.status).toBe(413);
  });
});
