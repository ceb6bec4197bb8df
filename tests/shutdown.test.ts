/**
 * Graceful shutdown of `spansift start`: SIGTERM while exports wait for their insert. The
 * requests in flight are answered with success once their spans are stored, the process
 * exits 0 promptly, and nothing that arrives after the signal is acknowledged. With the
 * local log, what it acknowledged is inserted before the process exits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcExport } from './support/grpc.js';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { setupProcess, startProcess, type Proc } from './support/process.js';
import { decodeResponse, hex, post, protobufRequest } from './support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };

let proc: Proc | undefined;
afterAll(() => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
});

/** The value of an unlabelled gauge or counter on /metrics. */
async function metric(uiUrl: string, token: string, name: string): Promise<number> {
  const res = await fetch(`${uiUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(await res.text());
  return m ? Number(m[1]) : 0;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}


describe('graceful shutdown (SIGTERM)', () => {
  it('answers the requests in flight after storing them, refuses new ones, and exits 0', async () => {
    // Acknowledged after the insert (no local log). Rows would wait up to 10 minutes for
    // others to share their insert. SIGTERM arrives while they wait; stopping must send
    // them at once rather than wait that out.
    const setup = await setupProcess({ storage: { clickhouse: { batch: { max_delay: '10m' } }, log: { enabled: false } } });
    proc = await startProcess(setup);

    const httpTrace = hex(16);
    const grpcTrace = hex(16);
    const httpSpan = hex(8);
    const grpcSpan = hex(8);
    const httpInflight = post(setup.httpUrl, protobufRequest([{ traceId: httpTrace, spanId: httpSpan, name: 'in-flight-http' }]), PB);
    const grpcInflight = grpcExport(setup.grpcUrl, protobufRequest([{ traceId: grpcTrace, spanId: grpcSpan, name: 'in-flight-grpc' }]));
    // The server holds both spans and is waiting for their insert.
    await until('both spans to be in flight', async () => (await metric(setup.uiUrl, setup.adminToken, 'spansift_inflight_spans')) === 2);

    const signalled = Date.now();
    proc.child.kill('SIGTERM');
    await until('spansift to begin stopping', () => proc!.output().includes('"msg":"stopping: finishing requests in flight and flushing"'));

    // From now on nothing is acknowledged: the connection is refused or the request is turned away.
    const lateTrace = hex(16);
    const late = await post(setup.httpUrl, protobufRequest([{ traceId: lateTrace, name: 'late' }]), PB).then(
      (r) => r.status,
      (e: Error) => (e.cause as { code?: string } | undefined)?.code ?? e.message,
    );
    expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(late);
    const lateGrpc = await grpcExport(setup.grpcUrl, protobufRequest([{ traceId: lateTrace, name: 'late-grpc' }]));
    expect(lateGrpc.code).toBe(GrpcStatus.UNAVAILABLE);

    const res = await httpInflight;
    expect(res.status).toBe(200);
    expect(decodeResponse(res.body).partialSuccess).toBeUndefined();
    expect((await grpcInflight).code).toBe(GrpcStatus.OK);

    const code = await proc.exited;
    expect(code, proc.output()).toBe(0);
    expect(proc.output()).toContain('"msg":"stopped"');
    // Within Kubernetes' default grace period: neither max_delay (10 minutes) nor the
    // client's idle keep-alive connection (65s keep-alive timeout) holds the exit.
    expect(Date.now() - signalled).toBeLessThan(30_000);
    proc = undefined;

    const client = createClient({ connection: createChdbConnection({ path: join(setup.dir, 'clickhouse') }) as never });
    try {
      const rs = await client.query({
        query: 'SELECT TraceId, SpanId, SpanName FROM otel_traces WHERE TraceId IN ({ids:Array(String)}) ORDER BY SpanName',
        query_params: { ids: [httpTrace, grpcTrace, lateTrace] },
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([
        { TraceId: grpcTrace, SpanId: grpcSpan, SpanName: 'in-flight-grpc' },
        { TraceId: httpTrace, SpanId: httpSpan, SpanName: 'in-flight-http' },
      ]);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('with the local log, inserts what it acknowledged before it exits', async () => {
    // Acknowledged rows would wait up to 10 minutes in the log for others to share their insert.
    const setup = await setupProcess({ storage: { log: { batch: { max_delay: '10m' } } } });
    proc = await startProcess(setup);
    const traceId = hex(16);
    const res = await post(setup.httpUrl, protobufRequest([{ traceId, name: 'logged' }]), PB);
    expect(res.status).toBe(200);
    expect(await metric(setup.uiUrl, setup.adminToken, 'spansift_log_pending_records')).toBe(1);
    const signalled = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited, proc.output()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    proc = undefined;

    const client = createClient({ connection: createChdbConnection({ path: join(setup.dir, 'clickhouse') }) as never });
    try {
      const rs = await client.query({ query: 'SELECT SpanName FROM otel_traces WHERE TraceId = {id:String}', query_params: { id: traceId }, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ SpanName: 'logged' }]);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('exits while clients poll the UI over keep-alive connections', async () => {
    // Dashboards or scrapers asking back to back: requests are being answered when the UI
    // closes, and each client asks again on the same connection before it goes idle.
    const setup = await setupProcess();
    proc = await startProcess(setup);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let answers = 0;
    let polling = true;
    const poll = async () => {
      while (polling) {
        const ok = await new Promise<boolean>((resolve) => {
          const req = request(`${setup.uiUrl}/metrics`, { agent, headers: { authorization: `Bearer ${setup.adminToken}` } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode === 200));
          });
          req.on('error', () => resolve(false));
          req.end();
        });
        if (!ok) break;
        answers++;
      }
    };
    const pollers = Promise.all([poll(), poll(), poll(), poll()]);
    await until('a few answers', () => answers >= 20);
    const signalled = Date.now();
    const before = answers;
    proc.child.kill('SIGTERM');
    const code = await Promise.race([proc.exited, new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
    polling = false;
    await pollers;
    agent.destroy();
    expect(code, proc.output()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    // The clients were still being answered while spansift stopped.
    expect(answers).toBeGreaterThan(before);
    proc = undefined;
  }, 120_000);

  it('exits when a client sent half a request to the OTLP port', async () => {
    // Node stops its header timeout once the port closes: the connection is cut instead.
    const setup = await setupProcess({ limits: { shutdown_grace: '1s' } });
    proc = await startProcess(setup);
    const url = new URL(setup.httpUrl);
    const half = connect(Number(url.port), url.hostname);
    half.on('error', () => undefined);
    await new Promise((r) => half.once('connect', r));
    half.write('POST /v1/traces HTTP/1.1\r\nHost: spansift\r\nContent-Type: application/x-protobuf\r\n');
    const cut = new Promise((r) => half.once('close', r));
    const signalled = Date.now();
    proc.child.kill('SIGTERM');
    const code = await Promise.race([proc.exited, new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
    expect(code, proc.output()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    await cut;
    proc = undefined;
  }, 120_000);
});
