/**
 * Idle connections cannot exhaust the process: about 22,000 idle connections from one client
 * used up the file descriptors (ingest answered 503 "Too many open files", the API 500).
 * Connections are capped per client address and in total, on both OTLP ports; excess ones
 * are closed as they are accepted, while other addresses still get in. (On loopback a client
 * can bind 127.0.0.2 and up.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { grpcExport } from '../support/grpc.js';
import { startSpansift, getTrace, type Running } from '../support/spansift.js';
import { hex, protobufRequest } from '../support/otlp.js';
import { postRaw, rawConnect } from './receiver-support.js';

const PER_ADDRESS = 20;
const TOTAL = 50;
const caps = { max_connections: TOTAL, max_connections_per_address: PER_ADDRESS };

let sift: Running;
const opened: Socket[] = [];
beforeAll(async () => {
  sift = await startSpansift({ receivers: { otlp: { http: caps, grpc: caps } } });
});
afterAll(async () => {
  for (const s of opened) s.destroy();
  await sift?.stop();
});

/** Opens `n` idle connections from `address`; resolves, after a moment, with how many are still open. */
async function idle(url: string, address: string, n: number): Promise<number> {
  const mine: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = await rawConnect(url, address).catch(() => undefined);
    if (!s) continue;
    s.on('error', () => undefined);
    mine.push(s);
    opened.push(s);
  }
  await new Promise((r) => setTimeout(r, 300));
  return mine.filter((s) => !s.destroyed && !s.readableEnded).length;
}

async function refused(transport: string, reason: string): Promise<number> {
  const text = await (await fetch(`${sift.uiUrl}/metrics`, { headers: { authorization: `Bearer ${sift.adminToken}` } })).text();
  const m = new RegExp(`^spansift_receiver_refused_connections_total\\{transport="${transport}",reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('connection caps', () => {
  it('caps idle connections from one address on both ports, and another address still gets in', async () => {
    expect(await idle(sift.httpUrl, '127.0.0.2', 3 * PER_ADDRESS)).toBe(PER_ADDRESS);
    expect(await idle(sift.grpcUrl, '127.0.0.2', 3 * PER_ADDRESS)).toBe(PER_ADDRESS);
    expect(await refused('http', 'connections_per_address')).toBe(2 * PER_ADDRESS);
    expect(await refused('grpc', 'connections_per_address')).toBe(2 * PER_ADDRESS);

    // The hoarding address is turned away; another one is served, over HTTP and gRPC.
    await expect(postRaw(sift.httpUrl, protobufRequest([{ name: 'hoarder' }]), { localAddress: '127.0.0.2' })).rejects.toThrow();
    const traceId = hex(16);
    expect((await postRaw(sift.httpUrl, protobufRequest([{ traceId, name: 'http' }]), { localAddress: '127.0.0.1' })).status).toBe(200);
    expect((await grpcExport(sift.grpcUrl, protobufRequest([{ traceId, name: 'grpc' }]))).code).toBe(0);
    expect((await getTrace(sift, traceId)).body.spans).toHaveLength(2);
  });

  it('caps connections in total, whatever their addresses', async () => {
    // 20 are open from 127.0.0.2 already; 127.0.0.4 and .5 may open 20 each, the total stops at 50.
    const a = await idle(sift.httpUrl, '127.0.0.4', PER_ADDRESS);
    const b = await idle(sift.httpUrl, '127.0.0.5', PER_ADDRESS);
    expect(PER_ADDRESS + a + b).toBe(TOTAL);
    expect(await refused('http', 'connections_total')).toBe(2 * PER_ADDRESS + PER_ADDRESS - TOTAL);
  });
});
