/**
 * The local log's size limit, in a spansift process: while the log holds storage.log.max_size
 * of acknowledged rows not yet in ClickHouse, new exports are refused with 429 + Retry-After
 * (gRPC UNAVAILABLE) naming the limit, nothing is dropped, and what was acknowledged is in
 * ClickHouse after a stop.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { grpcExport } from './support/grpc.js';
import { setupProcess, startProcess, type Proc } from './support/process.js';
import { decodeStatus, hex, post, protobufRequest } from './support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };

let proc: Proc | undefined;
afterAll(() => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
});

describe('local log full', () => {
  it('refuses new exports with a retry delay until what it holds is in ClickHouse', async () => {
    // Rows wait up to 10 minutes in the log; 1 KiB holds one small request (one always fits an empty log).
    const setup = await setupProcess({ storage: { log: { max_size: '1KiB', batch: { max_delay: '10m' } } }, limits: { retry_after: '2s' } });
    proc = await startProcess(setup);
    const first = hex(16);
    const spans = (traceId: string) => Array.from({ length: 5 }, (_, i) => ({ traceId, name: `s${i}`, attributes: { text: 'x'.repeat(200) } }));
    expect((await post(setup.httpUrl, protobufRequest(spans(first)), PB)).status).toBe(200);

    const refused = await post(setup.httpUrl, protobufRequest(spans(hex(16))), PB);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(decodeStatus(refused.body).message).toContain('storage.log.max_size');
    const grpc = await grpcExport(setup.grpcUrl, protobufRequest(spans(hex(16))));
    expect(grpc.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(grpc.details).toContain('local log is full');

    proc.child.kill('SIGTERM');
    expect(await proc.exited, proc.output()).toBe(0);
    proc = undefined;
    const client = createClient({ connection: createChdbConnection({ path: join(setup.dir, 'clickhouse') }) as never });
    try {
      const rs = await client.query({ query: 'SELECT TraceId, count() AS n FROM otel_traces GROUP BY TraceId', format: 'JSONEachRow' });
      const rows = await rs.json<{ TraceId: string; n: string | number }>();
      expect(rows.map((r) => [r.TraceId, Number(r.n)])).toEqual([[first, 5]]);
    } finally {
      await client.close();
    }
  }, 60_000);
});
