/**
 * Graceful shutdown of `spansift start`: SIGTERM while an export waits for its insert. The
 * request in flight is answered with success only once its span is stored, the process
 * exits 0, and nothing that arrives after the signal is acknowledged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
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
  const text = await res.text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
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
  it('answers the request in flight after storing it, refuses new ones, and exits 0', async () => {
    // Rows wait up to 2s in the batcher: SIGTERM arrives while the insert is pending.
    const setup = await setupProcess({ storage: { clickhouse: { batch: { max_delay: '2s' } } } });
    proc = await startProcess(setup);

    const traceId = hex(16);
    const spanId = hex(8);
    const inflight = post(setup.httpUrl, protobufRequest([{ traceId, spanId, name: 'in-flight' }]), PB);
    // The server has the span and is waiting for its insert.
    await until('the span to be in flight', async () => (await metric(setup.uiUrl, setup.adminToken, 'spansift_inflight_spans')) > 0);

    proc.child.kill('SIGTERM');
    await until('spansift to begin stopping', () => proc!.output().includes('"msg":"stopping: finishing requests in flight and flushing"'));

    // From now on nothing is acknowledged: the connection is refused or the request is turned away.
    const lateTrace = hex(16);
    const late = await post(setup.httpUrl, protobufRequest([{ traceId: lateTrace, name: 'late' }]), PB).then(
      (r) => r.status,
      (e: Error) => (e.cause as { code?: string } | undefined)?.code ?? e.message,
    );
    expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(late);

    const res = await inflight;
    expect(res.status).toBe(200);
    expect(decodeResponse(res.body).partialSuccess).toBeUndefined();

    console.log("RESPONDED", Date.now());
    const code = await proc.exited;
    console.log("EXITED", Date.now(), proc.output());
    expect(code, proc.output()).toBe(0);
    expect(proc.output()).toContain('"msg":"stopped"');
    proc = undefined;

    const client = createClient({ connection: createChdbConnection({ path: join(setup.dir, 'clickhouse') }) as never });
    try {
      const rs = await client.query({
        query: 'SELECT TraceId, SpanId, SpanName FROM otel_traces WHERE TraceId IN ({ids:Array(String)}) ORDER BY SpanName',
        query_params: { ids: [traceId, lateTrace] },
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ TraceId: traceId, SpanId: spanId, SpanName: 'in-flight' }]);
    } finally {
      await client.close();
    }
  }, 120_000);
});
