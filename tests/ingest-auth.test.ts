/** Ingest bearer tokens on both transports, and the admin token on the API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcExport } from './support/grpc.js';
import { startSpansift, type Running } from './support/spansift.js';
import { hex, post, protobufRequest } from './support/otlp.js';

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift({ receivers: { otlp: { auth: { bearer_tokens: ['ingest-secret', 'second-token'] } } } });
});
afterAll(async () => {
  await sift?.stop();
});

const PB = { 'content-type': 'application/x-protobuf' };

const call = async (token: string | undefined, body: Uint8Array) => grpcExport(sift.grpcUrl, body, { token });

describe('ingest auth', () => {
  it('HTTP: 401 without or with a wrong token, 200 with any configured token', async () => {
    const body = protobufRequest([{ traceId: hex(16) }]);
    expect((await post(sift.httpUrl, body, PB)).status).toBe(401);
    expect((await post(sift.httpUrl, body, { ...PB, authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(sift.httpUrl, body, { ...PB, authorization: 'Basic aW5nZXN0LXNlY3JldA==' })).status).toBe(401);
    expect((await post(sift.httpUrl, body, { ...PB, authorization: 'Bearer ingest-secret' })).status).toBe(200);
    expect((await post(sift.httpUrl, body, { ...PB, authorization: 'bearer second-token' })).status).toBe(200);
  });

  it('gRPC: UNAUTHENTICATED without or with a wrong token, OK with the token', async () => {
    const body = protobufRequest([{ traceId: hex(16) }]);
    expect((await call(undefined, body)).code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect((await call('nope', body)).code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect((await call('ingest-secret', body)).code).toBe(GrpcStatus.OK);
  });

  it('gRPC: a truncated message is INVALID_ARGUMENT', async () => {
    const body = protobufRequest([{ traceId: hex(16) }]);
    expect((await call('ingest-secret', body.subarray(0, body.length - 5))).code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  it('API: the trace route and /metrics need the admin token', async () => {
    const id = hex(16);
    expect((await fetch(`${sift.uiUrl}/api/v1/traces/${id}`)).status).toBe(401);
    expect((await fetch(`${sift.uiUrl}/api/v1/traces/${id}`, { headers: { authorization: 'Bearer ingest-secret' } })).status).toBe(401);
    expect((await fetch(`${sift.uiUrl}/metrics`)).status).toBe(401);
    const ok = await fetch(`${sift.uiUrl}/api/v1/traces/${id}`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
    expect(ok.status).toBe(404);
    const bad = await fetch(`${sift.uiUrl}/api/v1/traces/not-hex`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('traceId');
  });
});
