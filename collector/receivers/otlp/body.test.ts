/**
 * readRaw over a real HTTP server: a body arrives whole and unchanged however it is sent
 * (declared or chunked, small or past the size at which it is copied as it arrives, in
 * uneven pieces), its bytes are counted as they arrive, and the size limit still holds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Admission } from '../../admission.js';
import { readRaw, type Held } from './body.js';

const LIMIT = 8 * 1024 * 1024;
let server: Server;
let port: number;
/** What the server's readRaw resolved or rejected with, and the bytes it held then, by request path. */
const seen = new Map<string, { body?: Buffer; error?: string; held: number }>();
const admission = new Admission({ maxBytes: 64 * 1024 * 1024, maxSpans: 1e9, memoryLimit: 0, retryAfterMs: 1000 });
/** Bytes held by requests still being read, by path (a request that never ends is checked mid-way). */
const holding = new Map<string, Held>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const held: Held = { bytes: 0 };
    holding.set(req.url!, held);
    readRaw(req, LIMIT, admission, held).then(
      (body) => {
        seen.set(req.url!, { body, held: held.bytes });
        admission.releaseBytes(held.bytes);
        res.end('ok');
      },
      (e: Error) => {
        seen.set(req.url!, { error: e.message, held: held.bytes });
        admission.releaseBytes(held.bytes);
        res.writeHead(413, { connection: 'close' }).end();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Sends `body` in pieces of uneven sizes (1 byte to 300 KiB), with or without Content-Length. */
function send(path: string, body: Buffer, declared: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: declared ? { 'content-length': body.length } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    let at = 0;
    let i = 0;
    const next = () => {
      while (at < body.length) {
        const n = Math.min(body.length - at, [1, 70_000, 300 * 1024, 4096, 1_000_003][i++ % 5]);
        const more = req.write(body.subarray(at, at + n));
        at += n;
        if (!more) return void req.once('drain', next);
      }
      req.end();
    };
    next();
  });
}

describe('readRaw', () => {
  for (const [name, size] of [
    ['a small body', 200_000],
    ['a body past the size copied as it arrives', 5 * 1024 * 1024 + 17],
    ['a body of exactly the limit', LIMIT],
  ] as const) {
    for (const declared of [true, false]) {
      it(`${name}, ${declared ? 'with Content-Length' : 'chunked'}, arrives whole and unchanged, every byte counted`, async () => {
        const body = randomBytes(size);
        const path = `/${size}/${declared}`;
        expect(await send(path, body, declared)).toBe(200);
        const got = seen.get(path)!;
        expect(got.error).toBeUndefined();
        expect(got.body!.length).toBe(size);
        expect(got.body!.equals(body)).toBe(true);
        expect(got.held).toBe(size);
      });
    }
  }

  it('refuses a body past the limit, declared or not, having held no more than the limit', async () => {
    for (const declared of [true, false]) {
      const path = `/over/${declared}`;
      const status = await send(path, randomBytes(LIMIT + 1), declared).catch(() => 0);
      // The answer may be cut off by the server closing while the client still sends.
      expect([413, 0]).toContain(status);
      await expect.poll(() => seen.get(path)?.error).toMatch(/larger than 8388608 bytes \(receivers\.otlp\.http\.max_request_body_size\)/);
      expect(seen.get(path)!.held).toBeLessThanOrEqual(LIMIT);
    }
  });

  /** Starts a request declaring `declared` bytes and sends `first` of them; the caller sends more or destroys it. */
  async function stalled(path: string, declared: number, first: number) {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-length': declared } });
    req.on('error', () => {});
    req.write(randomBytes(first));
    await expect.poll(() => holding.get(path)?.bytes, { timeout: 10_000 }).toBe(first);
    return req;
  }
  /** How many buffers of exactly `n` bytes were asked of Buffer.allocUnsafe. */
  const allocations = (spy: { mock: { calls: unknown[][] } }, n: number) => spy.mock.calls.filter(([size]) => size === n).length;
  afterEach(() => void vi.restoreAllMocks());

  it('a client that declares 6 MiB holds only what it sent; its buffer is set aside once 1 MiB is in, not before', async () => {
    const spy = vi.spyOn(Buffer, 'allocUnsafe');
    const declared = 6 * 1024 * 1024;
    const path = '/stalled';
    const req = await stalled(path, declared, 512 * 1024);
    expect(allocations(spy, declared)).toBe(0);
    req.write(randomBytes(1536 * 1024));
    await expect.poll(() => holding.get(path)?.bytes, { timeout: 10_000 }).toBe(2 * 1024 * 1024);
    expect(allocations(spy, declared)).toBe(1);
    req.destroy();
    await expect.poll(() => seen.get(path)?.error).toMatch(/closed the request before the body ended/);
    expect(seen.get(path)!.body).toBeUndefined();
  });

  it('bodies being read set aside 256 MiB at most between them; the rest are joined at their end, and what is set aside is given back', async () => {
    const spy = vi.spyOn(Buffer, 'allocUnsafe');
    const reqs = [];
    for (let i = 0; i < 33; i++) reqs.push(await stalled(`/many/${i}`, LIMIT, 1024 * 1024));
    expect(allocations(spy, LIMIT)).toBe(32);
    for (const r of reqs) r.destroy();
    await expect.poll(() => seen.get('/many/32')?.error).toMatch(/closed the request/);
    for (let i = 0; i < 33; i++) await expect.poll(() => seen.get(`/many/${i}`)?.error).toBeDefined();
    // All given back: the next body is copied as it arrives again, and arrives whole.
    const body = randomBytes(LIMIT);
    expect(await send('/after-many', body, true)).toBe(200);
    expect(allocations(spy, LIMIT)).toBe(33);
    expect(seen.get('/after-many')!.body!.equals(body)).toBe(true);
  });
});
