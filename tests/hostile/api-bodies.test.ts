/**
 * Hostile API bodies: over 16 MiB (declared, or chunked with no Content-Length) is a 413;
 * JSON nested deeper than 64 levels is a 400 naming the field, never a stack overflow (a
 * 100,000-deep `data` used to be a 500); nothing of a refused request is stored and the
 * process goes on answering.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from '../support/spansift.js';
import { ApiClient } from '../support/labeling.js';

const MiB = 1024 * 1024;
let sift: Running;
let admin: ApiClient;

/** `depth` nested arrays around a number, as JSON text (a JS value that deep cannot be stringified). */
const deepArray = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

async function raw(method: string, path: string, body: string, auth = true): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sift.uiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${sift.adminToken}` } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/** A body sent in chunks without Content-Length; resolves with the status, even if the server stops reading early. */
function chunked(path: string, chunks: number, chunkBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, sift.uiUrl);
    const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${sift.adminToken}`, 'content-type': 'application/json' } });
    let status: number | undefined;
    req.on('response', (res) => {
      status = res.statusCode;
      res.resume();
      res.on('end', () => resolve(status!));
    });
    req.on('error', (e) => (status !== undefined ? resolve(status) : reject(e)));
    const piece = Buffer.alloc(chunkBytes, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(sent === 1 ? Buffer.concat([Buffer.from('{"items":['), piece.subarray(10)]) : piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

async function itemCount(): Promise<number> {
  const rs = await sift.service.storage!.client.query({ query: 'SELECT toUInt32(count()) AS n FROM spansift_queue_items', format: 'JSONEachRow' });
  return (await rs.json<{ n: number }>())[0].n;
}

async function healthy(): Promise<void> {
  const res = await fetch(`${sift.uiUrl}/healthz`);
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  sift = await startSpansift({ queues: { review: { labels: [{ name: 'ok', type: 'boolean' }] } } });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
});

afterAll(async () => {
  await sift?.stop();
});

describe('body size', () => {
  it('17 MiB with Content-Length: 413', async () => {
    const res = await raw('POST', '/api/v1/queues/review/items', `{"items":[{"data":"${'x'.repeat(17 * MiB)}"}]}`);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('BODY_TOO_LARGE');
    await healthy();
  });

  it('17 MiB chunked, without Content-Length: 413', async () => {
    expect(await chunked('/api/v1/queues/review/items', 17, MiB)).toBe(413);
    await healthy();
  });

  it('a small chunked body is read as usual', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/v1/queues/review/items', sift.uiUrl), { method: 'POST', agent: false, headers: { authorization: `Bearer ${sift.adminToken}`, 'content-type': 'application/json' } });
      req.on('response', (r) => (r.resume(), resolve(r.statusCode!)));
      req.on('error', reject);
      req.write('{"items":[{"data":');
      req.end('{"input":"chunked"}}]}');
    });
    expect(res).toBe(201);
  });
});

describe('JSON depth', () => {
  it.each([
    { what: '100,000 nested arrays in data', field: 'items.0.data', body: `{"items":[{"data":${deepArray(100_000)}}]}` },
    { what: '100,000 nested objects in data', field: 'items.0.data', body: `{"items":[{"data":${deepObject(100_000)}}]}` },
    { what: '1,000 levels in target', field: 'items.0.target', body: `{"items":[{"data":1,"target":${deepArray(1000)}}]}` },
    { what: '1,000 levels in metadata', field: 'items.0.metadata', body: `{"items":[{"data":1,"metadata":{"m":${deepArray(1000)}}}]}` },
    { what: '65 levels in all', field: 'items.0.data', body: `{"items":[{"data":${deepArray(62)}}]}` },
  ])('push with $what: 400 naming $field', async ({ field, body }) => {
    const before = await itemCount();
    const res = await raw('POST', '/api/v1/queues/review/items', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', field });
    expect(res.body.error.message).toContain('nested deeper than 64 levels');
    expect(await itemCount()).toBe(before);
    await healthy();
  });

  it('64 levels in all are taken: 61 inside data', async () => {
    const res = await raw('POST', '/api/v1/queues/review/items', `{"items":[{"data":${deepArray(61)}}]}`);
    expect(res.status).toBe(201);
  });

  it.each([
    { method: 'PUT', path: '/api/v1/queues/review/items/x/labels', body: `{"values":{"ok":${deepArray(100_000)}}}`, field: 'values.ok' },
    { method: 'POST', path: '/api/v1/rules/r/backfill', body: `{"since":${deepArray(100_000)}}`, field: 'since' },
    { method: 'POST', path: '/api/v1/queues/review/items/x/skip', body: `{"reason":${deepObject(100_000)}}`, field: 'reason' },
  ])('$method $path with a 100,000-deep $field: 400 naming it', async ({ method, path, body, field }) => {
    const res = await raw(method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    await healthy();
  });

  it('dataset imports as JSON lines are limited the same way', async () => {
    expect((await admin.post('/api/v1/datasets', { name: 'deep' })).status).toBe(201);
    const res = await fetch(`${sift.uiUrl}/api/v1/datasets/deep/items`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sift.adminToken}`, 'content-type': 'application/x-ndjson' },
      body: `{"data":"fine"}\n{"data":${deepArray(100_000)}}\n`,
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe('items.1.data');
    expect((await admin.get('/api/v1/datasets/deep/items')).body.items).toEqual([]);
    await healthy();
  });

  it('signing in takes no credentials, and is limited the same way', async () => {
    const res = await raw('POST', '/api/v1/session', `{"user":"ann","password":${deepArray(100_000)}}`, false);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('password');
    await healthy();
  });
});
