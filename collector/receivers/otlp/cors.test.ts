/**
 * The CORS policy's answers over real HTTP, for the settings the page test does not use: a
 * lone `*` origin, `*` headers, origins in another case, and requests that are not
 * preflights.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { corsSchema } from '../../../config/cors.js';
import { CorsPolicy } from './cors.js';
import { SpansiftError } from '../../errors.js';

let server: Server | undefined;

afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

/** A server that applies the policy, then answers 200 "handled" (or the policy's refusal as 403). */
async function serve(config: Record<string, unknown>): Promise<string> {
  const policy = CorsPolicy.from(corsSchema.parse(config));
  server = createServer((req, res) => {
    try {
      if (policy?.apply(req, res)) return;
      res.end('handled');
    } catch (e) {
      res.statusCode = e instanceof SpansiftError && e.code === 'FORBIDDEN' ? 403 : 500;
      res.end((e as Error).message);
    }
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
}

function send(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const preflight = (url: string, origin: string, headers = 'content-type') =>
  send(url, 'OPTIONS', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers });

describe('CORS policy', () => {
  it('is off without allowed origins: no headers, requests pass through', async () => {
    expect(CorsPolicy.from(corsSchema.parse({}))).toBeUndefined();
    const url = await serve({});
    const r = await send(url, 'POST', { origin: 'https://app.example.com' });
    expect(r.body).toBe('handled');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a lone * allows every origin, answering * and no credentials', async () => {
    const url = await serve({ allowed_origins: ['*'] });
    const r = await preflight(url, 'https://anything.test');
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    expect(r.headers['access-control-max-age']).toBeUndefined();
  });

  it('matches origins whatever their case, and echoes the origin as sent', async () => {
    const url = await serve({ allowed_origins: ['https://App.Example.com'] });
    const r = await preflight(url, 'https://app.EXAMPLE.com');
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.EXAMPLE.com');
  });

  it('Content-Type is always allowed; other headers only when listed, or with *', async () => {
    const listed = await serve({ allowed_origins: ['https://a.test'], allowed_headers: ['X-Tenant'] });
    expect((await preflight(listed, 'https://a.test', 'Content-Type, x-tenant')).status).toBe(204);
    const refused = await preflight(listed, 'https://a.test', 'authorization, x-other');
    expect(refused.status).toBe(403);
    expect(refused.body).toBe('request headers authorization, x-other not allowed: add them to receivers.otlp.http.cors.allowed_headers');
    await new Promise((r) => server!.close(r));
    const any = await serve({ allowed_origins: ['https://a.test'], allowed_headers: ['*'] });
    const r = await preflight(any, 'https://a.test', 'authorization, x-other');
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-headers']).toBe('authorization, x-other');
  });

  it('a preflight for another method than POST, or without Origin, is refused', async () => {
    const url = await serve({ allowed_origins: ['https://a.test'] });
    const put = await send(url, 'OPTIONS', { origin: 'https://a.test', 'access-control-request-method': 'PUT' });
    expect(put.status).toBe(403);
    expect(put.body).toBe('method PUT is not allowed cross-origin; OTLP/HTTP takes POST');
    const noOrigin = await send(url, 'OPTIONS', { 'access-control-request-method': 'POST' });
    expect(noOrigin.status).toBe(403);
  });

  it('an OPTIONS that is not a preflight, and requests without Origin, go on to the receiver', async () => {
    const url = await serve({ allowed_origins: ['https://a.test'], exposed_headers: ['X-Request-Id'] });
    expect((await send(url, 'OPTIONS', { origin: 'https://a.test' })).body).toBe('handled');
    const post = await send(url, 'POST', { origin: 'https://a.test' });
    expect(post.body).toBe('handled');
    expect(post.headers['access-control-expose-headers']).toBe('Retry-After, X-Request-Id');
    expect(post.headers.vary).toBe('Origin');
    const plain = await send(url, 'POST', {});
    expect(plain.body).toBe('handled');
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });
});
