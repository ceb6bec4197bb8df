/**
 * SIGTERM under load drains instead of answering nobody. Before, the ports closed at once:
 * new requests got connection refused and keep-alive connections were reset, so a client
 * that does not retry network errors lost its spans. Now, for limits.shutdown_grace, every
 * new export gets 503 + Retry-After + Connection: close (gRPC: UNAVAILABLE), the requests in
 * flight are answered success once stored, and then the process exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { grpcExport } from '../support/grpc.js';
import { setupProcess, startProcess, type Proc } from '../support/process.js';
import { hex, protobufRequest } from '../support/otlp.js';
import { postRaw } from './receiver-support.js';

const GRACE_MS = 3000;
const SENDERS = 8;

let proc: Proc | undefined;
afterAll(() => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
});

interface Outcome {
  /** performance.now() when the request was sent; ms after SIGTERM (negative: before) once known. */
  sentAt: number;
  status?: number;
  retryAfter?: string;
  connection?: string;
  error?: string;
  traceId: string;
}

describe('SIGTERM under load', () => {
  it('answers new exports 503 + Retry-After for the grace period, stores those in flight, exits 0', async () => {
    // Rows wait up to 300 ms for others: at the signal, requests are in flight.
    const setup = await setupProcess({ limits: { shutdown_grace: `${GRACE_MS}ms` }, storage: { clickhouse: { batch: { max_delay: '300ms' } } } });
    proc = await startProcess(setup);
    const running = proc;
    let signalled = 0;
    let exited = false;
    void running.exited.then(() => (exited = true));

    const http: Outcome[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: SENDERS });
    const sender = async () => {
      while (!exited) {
        const traceId = hex(16);
        const o: Outcome = { sentAt: performance.now(), traceId };
        try {
          const a = await postRaw(setup.httpUrl, protobufRequest([{ traceId, name: 'load' }, { traceId, name: 'load' }]), { agent });
          Object.assign(o, { status: a.status, retryAfter: a.headers['retry-after'], connection: a.headers.connection });
        } catch (e) {
          o.error = (e as NodeJS.ErrnoException).code ?? String(e);
          await new Promise((r) => setTimeout(r, 20));
        }
        http.push(o);
      }
    };
    const grpc: { sentAt: number; code: number; details?: string }[] = [];
    const grpcSender = async () => {
      while (!exited) {
        const sentAt = performance.now();
        const r = await grpcExport(setup.grpcUrl, protobufRequest([{ name: 'load-grpc' }]), { channel: { 'grpc.initial_reconnect_backoff_ms': 50 } });
        grpc.push({ sentAt, code: r.code, details: r.details });
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    const senders = [...Array.from({ length: SENDERS }, sender), grpcSender()];
    await new Promise((r) => setTimeout(r, 1500));
    signalled = performance.now();
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    await Promise.all(senders);
    agent.destroy();
    proc = undefined;
    for (const o of [...http, ...grpc]) o.sentAt -= signalled;

    // Within the grace period (less a margin for the clock), every request got an answer.
    const during = http.filter((o) => o.sentAt > 100 && o.sentAt < GRACE_MS - 500);
    const tally = (os: Outcome[]) => os.reduce<Record<string, number>>((t, o) => ({ ...t, [o.error ?? o.status!]: (t[o.error ?? o.status!] ?? 0) + 1 }), {});
    console.log(`after SIGTERM: within the grace ${JSON.stringify(tally(during))}; after it ${JSON.stringify(tally(http.filter((o) => o.sentAt >= GRACE_MS)))}`);
    expect(during.length).toBeGreaterThan(20);
    expect(during.filter((o) => o.error)).toEqual([]);
    const refused = during.filter((o) => o.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) {
      expect(o.status).toBe(503);
      expect(Number(o.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(o.connection).toBe('close');
    }
    const grpcDuring = grpc.filter((o) => o.sentAt > 100 && o.sentAt < GRACE_MS - 500);
    expect(grpcDuring.length).toBeGreaterThan(0);
    for (const o of grpcDuring) {
      expect(o.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(o.details).toContain('shutting down');
    }

    // Every export answered success is stored; in flight at the signal ones among them.
    const acked = http.filter((o) => o.status === 200);
    expect(acked.filter((o) => o.sentAt > -300 && o.sentAt < 0).length).toBeGreaterThan(0);
    const client = createClient({ connection: createChdbConnection({ path: join(setup.dir, 'clickhouse') }) as never });
    try {
      const rs = await client.query({
        query: 'SELECT TraceId, count() AS n FROM otel_traces WHERE TraceId IN ({ids:Array(String)}) GROUP BY TraceId',
        query_params: { ids: acked.map((o) => o.traceId) },
        format: 'JSONEachRow',
      });
      const rows = await rs.json<{ TraceId: string; n: string }>();
      expect(rows.length).toBe(acked.length);
      for (const r of rows) expect(Number(r.n)).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
  }, 120_000);
});
