import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { makeCerts } from '../../../tests/support/certs.js';
import { Metadata, Server, ServerCredentials, status as GrpcStatus, type ServerUnaryCall, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';
import { exporterSchema, type ExporterConfig } from '../../../config/exporters.js';
import { LOGS_EXPORT_METHOD_PATH, TRACE_EXPORT_METHOD_PATH } from '../../../proto/otlp.js';
import { encodeExportResponse, encodeStatus } from '../../receivers/otlp/encode.js';
import { HttpSender } from './http-sender.js';
import { GrpcSender } from './grpc-sender.js';
import { parseRetryAfter } from './outcome.js';

const payload = new Uint8Array([0x0a, 0x03, 0x0a, 0x01, 0x00]);
const never = new AbortController().signal;

function config(over: Record<string, unknown>): ExporterConfig {
  return exporterSchema.parse(over);
}

describe('HttpSender', () => {
  let server: HttpServer;
  let base = '';
  const seen: { path: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  /** What the server answers next, by path. */
  const answers: Record<string, (res: import('node:http').ServerResponse) => void> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        const answer = answers[req.url ?? ''];
        if (answer) answer(res);
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeExportResponse(null, 'protobuf'));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts the protobuf request gzipped, with the configured headers, to endpoint + the signal path', async () => {
    const sender = new HttpSender({ id: 'otlphttp', config: config({ endpoint: `${base}/`, headers: { 'x-api-key': 'k1' } }), timeoutMs: 5000, connections: 2 });
    expect(await sender.send('logs', payload, never)).toEqual({ kind: 'sent', rejected: 0, message: '' });
    const got = seen.at(-1)!;
    expect(got.path).toBe('/v1/logs');
    expect(got.headers['content-encoding']).toBe('gzip');
    expect(got.headers['content-type']).toBe('application/x-protobuf');
    expect(got.headers['x-api-key']).toBe('k1');
    expect(new Uint8Array(gunzipSync(got.body))).toEqual(payload);
    sender.close();
  });

  it('uses a signal’s own URL and sends uncompressed with compression: none', async () => {
    const sender = new HttpSender({ id: 'otlphttp', config: config({ traces_endpoint: `${base}/custom/traces`, compression: 'none' }), timeoutMs: 5000, connections: 1 });
    expect((await sender.send('traces', payload, never)).kind).toBe('sent');
    expect(seen.at(-1)!.path).toBe('/custom/traces');
    expect(seen.at(-1)!.headers['content-encoding']).toBeUndefined();
    expect(new Uint8Array(seen.at(-1)!.body)).toEqual(payload);
    sender.close();
  });

  it('reads 429 and 503 as retryable with the Retry-After delay, 400 as permanent with the status message', async () => {
    answers['/t429/v1/traces'] = (res) => res.writeHead(429, { 'retry-after': '3' }).end();
    answers['/t503/v1/traces'] = (res) => res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end();
    answers['/t400/v1/traces'] = (res) => res.writeHead(400, { 'content-type': 'application/x-protobuf' }).end(encodeStatus(3, 'span 7 has no trace id', 'protobuf'));
    const send = (path: string) => new HttpSender({ id: 'otlphttp', config: config({ endpoint: base + path }), timeoutMs: 5000, connections: 1 }).send('traces', payload, never);
    expect(await send('/t429')).toMatchObject({ kind: 'retryable', reason: 'HTTP 429', delayMs: 3000 });
    const r503 = await send('/t503');
    expect(r503.kind).toBe('retryable');
    expect(r503.kind === 'retryable' && r503.delayMs).toBeGreaterThan(55_000);
    expect(await send('/t400')).toEqual({ kind: 'permanent', reason: 'HTTP 400: span 7 has no trace id' });
  });

  it('reports the rejected count of a partial success', async () => {
    answers['/partial/v1/traces'] = (res) =>
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeExportResponse({ rejected: 2, message: 'two spans had no name' }, 'protobuf'));
    const sender = new HttpSender({ id: 'otlphttp', config: config({ endpoint: `${base}/partial` }), timeoutMs: 5000, connections: 1 });
    expect(await sender.send('traces', payload, never)).toEqual({ kind: 'sent', rejected: 2, message: 'two spans had no name' });
  });

  it('reads a refused connection and an answer slower than the timeout as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await new HttpSender({ id: 'otlphttp', config: config({ endpoint: `http://127.0.0.1:${port}` }), timeoutMs: 5000, connections: 1 }).send('traces', payload, never);
    expect(refused).toMatchObject({ kind: 'retryable' });
    expect(refused.kind === 'retryable' && refused.reason).toContain('ECONNREFUSED');
    answers['/slow/v1/traces'] = () => undefined;
    const slow = await new HttpSender({ id: 'otlphttp', config: config({ endpoint: `${base}/slow` }), timeoutMs: 200, connections: 1 }).send('traces', payload, never);
    expect(slow).toMatchObject({ kind: 'retryable' });
    expect(slow.kind === 'retryable' && slow.reason).toContain('timeout');
  });
});

describe('GrpcSender', () => {
  const identity = (b: Buffer) => b;
  const method = (path: string) => ({ path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity });
  const service: ServiceDefinition = { Traces: method(TRACE_EXPORT_METHOD_PATH), Logs: method(LOGS_EXPORT_METHOD_PATH) };
  let server: Server;
  let endpoint = '';
  const calls: { path: string; body: Buffer; key: unknown }[] = [];
  let next: ((cb: sendUnaryData<Buffer>) => void) | undefined;

  beforeAll(async () => {
    server = new Server();
    const handler = (path: string) => (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
      calls.push({ path, body: call.request, key: call.metadata.get('x-api-key')[0] });
      const answer = next;
      next = undefined;
      if (answer) answer(cb);
      else cb(null, Buffer.from(encodeExportResponse(null, 'protobuf')));
    };
    server.addService(service, { Traces: handler(TRACE_EXPORT_METHOD_PATH), Logs: handler(LOGS_EXPORT_METHOD_PATH) });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    endpoint = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  it('calls the signal’s Export with the request bytes and the headers as metadata', async () => {
    const sender = new GrpcSender({ id: 'otlp', config: config({ endpoint, tls: { insecure: true }, headers: { 'X-Api-Key': 'k2' } }), timeoutMs: 5000 });
    expect(await sender.send('logs', payload, never)).toEqual({ kind: 'sent', rejected: 0, message: '' });
    expect(calls.at(-1)).toMatchObject({ path: LOGS_EXPORT_METHOD_PATH, key: 'k2' });
    expect(new Uint8Array(calls.at(-1)!.body)).toEqual(payload);
    sender.close();
  });

  it('reads UNAVAILABLE with RetryInfo as retryable with its delay, INVALID_ARGUMENT as permanent', async () => {
    const sender = new GrpcSender({ id: 'otlp', config: config({ endpoint: `http://${endpoint}` }), timeoutMs: 5000 });
    next = (cb) => {
      const md = new Metadata();
      md.set('grpc-status-details-bin', Buffer.from(encodeStatus(GrpcStatus.UNAVAILABLE, 'busy', 'protobuf', 1500)));
      cb({ code: GrpcStatus.UNAVAILABLE, details: 'busy', metadata: md });
    };
    expect(await sender.send('traces', payload, never)).toEqual({ kind: 'retryable', reason: 'gRPC UNAVAILABLE: busy', delayMs: 1500 });
    next = (cb) => cb({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'too big' });
    expect(await sender.send('traces', payload, never)).toMatchObject({ kind: 'permanent', reason: 'gRPC RESOURCE_EXHAUSTED: too big' });
    next = (cb) => cb({ code: GrpcStatus.INVALID_ARGUMENT, details: 'bad span' });
    expect(await sender.send('traces', payload, never)).toEqual({ kind: 'permanent', reason: 'gRPC INVALID_ARGUMENT: bad span' });
    sender.close();
  });

  it('treats a signal the receiver does not serve as permanent (UNIMPLEMENTED)', async () => {
    const sender = new GrpcSender({ id: 'otlp', config: config({ endpoint, tls: { insecure: true } }), timeoutMs: 5000 });
    expect(await sender.send('metrics', payload, never)).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('UNIMPLEMENTED') });
    sender.close();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('TLS', () => {
  const certs = makeCerts();
  const tlsPayload = new Uint8Array([0x0a, 0x00]);

  it('otlphttp trusts tls.ca_file for an https endpoint, and refuses an unknown CA as a retryable failure', async () => {
    const server = createHttpsServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const trusted = new HttpSender({ id: 'otlphttp', config: config({ endpoint, tls: { ca_file: certs.caFile } }), timeoutMs: 5000, connections: 1 });
      expect(await trusted.send('traces', tlsPayload, never)).toMatchObject({ kind: 'sent' });
      const unknown = await new HttpSender({ id: 'otlphttp', config: config({ endpoint }), timeoutMs: 5000, connections: 1 }).send('traces', tlsPayload, never);
      expect(unknown).toMatchObject({ kind: 'retryable' });
      expect(unknown.kind === 'retryable' && unknown.reason).toMatch(/certificate/i);
      trusted.close();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('otlp uses TLS by default and trusts tls.ca_file', async () => {
    const server = new Server();
    const identity = (b: Buffer) => b;
    server.addService(
      { Export: { path: TRACE_EXPORT_METHOD_PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      { Export: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)) },
    );
    const creds = ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(certs.certFile), private_key: readFileSync(certs.keyFile) }]);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))));
    try {
      const sender = new GrpcSender({ id: 'otlp', config: config({ endpoint: `localhost:${port}`, tls: { ca_file: certs.caFile } }), timeoutMs: 5000 });
      expect(await sender.send('traces', tlsPayload, never)).toMatchObject({ kind: 'sent' });
      sender.close();
      // Plaintext to a TLS server fails (and is retryable: the server may be changing).
      const plain = new GrpcSender({ id: 'otlp', config: config({ endpoint: `localhost:${port}`, tls: { insecure: true } }), timeoutMs: 2000 });
      expect(await plain.send('traces', tlsPayload, never)).toMatchObject({ kind: 'retryable' });
      plain.close();
    } finally {
      server.forceShutdown();
    }
  });

  it('names the key of a TLS file that cannot be read', () => {
    expect(() => new HttpSender({ id: 'otlphttp/x', config: config({ endpoint: 'https://h:1', tls: { ca_file: '/nonexistent/ca.pem' } }), timeoutMs: 1000, connections: 1 })).toThrow(
      /^exporters\.otlphttp\/x\.tls\.ca_file: cannot read \/nonexistent\/ca\.pem/,
    );
  });
});
