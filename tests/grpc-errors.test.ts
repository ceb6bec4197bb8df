/**
 * OTLP/gRPC error details: UNAVAILABLE carries a google.rpc.Status with RetryInfo (as the
 * OTLP spec asks of a server that wants a retry), oversized messages are refused, and a
 * gzip-compressed call is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcExport } from './support/grpc.js';
import { startSpansift, testStorage, getTrace, type Running } from './support/spansift.js';
import { faulty, type Faults } from './support/faulty-connection.js';
import { hex, protobufRequest } from './support/otlp.js';
import { Status, RetryInfo } from '../proto/otlp.js';

const faults: Faults = { inserts: 0 };
const storage = testStorage(faulty(faults));
let sift: Running;

beforeAll(async () => {
  sift = await startSpansift({ limits: { retry_after: '3s' }, receivers: { otlp: { grpc: { max_recv_msg_size: '64KiB' } } } }, storage);
});
afterAll(async () => {
  await sift?.stop();
  await storage.client.close();
});

const exportCall = async (body: Uint8Array, channel: Record<string, unknown> = {}) => (await grpcExport(sift.grpcUrl, body, { channel })).error;

describe('OTLP/gRPC errors', () => {
  it('answers UNAVAILABLE with RetryInfo while storage is down', async () => {
    faults.insertError = new Error('connect ECONNREFUSED');
    const err = await exportCall(protobufRequest([{ name: 'down' }]));
    faults.insertError = undefined;
    expect(err?.code).toBe(GrpcStatus.UNAVAILABLE);
    const details = err!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const status = Status.toObject(Status.decode(details), { defaults: true }) as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
    expect(status.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(status.message).toContain('nothing was stored');
    const retry = status.details.find((d) => d.type_url === 'type.googleapis.com/google.rpc.RetryInfo');
    expect(retry).toBeDefined();
    const info = RetryInfo.toObject(RetryInfo.decode(retry!.value), { longs: Number, defaults: true }) as { retryDelay: { seconds: number; nanos: number } };
    expect(info.retryDelay.seconds).toBe(3);
  });

  it('refuses a message over max_recv_msg_size with RESOURCE_EXHAUSTED and stores nothing', async () => {
    const traceId = hex(16);
    const err = await exportCall(protobufRequest([{ traceId, attributes: { big: 'x'.repeat(100 * 1024) } }]));
    expect(err?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect((await getTrace(sift, traceId)).status).toBe(404);
  });

  it('accepts a gzip-compressed call', async () => {
    const traceId = hex(16);
    const err = await exportCall(protobufRequest([{ traceId, name: 'zipped over grpc' }]), { 'grpc.default_compression_algorithm': 2 });
    expect(err).toBeNull();
    expect((await getTrace(sift, traceId)).body.spans[0].name).toBe('zipped over grpc');
  });
});
