/**
 * readRaw over a real HTTP server: a body arrives whole and unchanged however it is sent
 * (declared or chunked, small or past the size at which it is copied as it arrives, in
 * uneven pieces), its bytes are counted as they arrive, and the size limit still holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('a client that declares 6 MiB and sends 2 MiB holds 2 MiB, and its body is never resolved', async () => {
    const path = '/stalled';
    const sent = 2 * 1024 * 1024;
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': 6 * 1024 * 1024 } });
    req.on('error', () => {});
    req.write(randomBytes(sent));
    await expect.poll(() => holding.get(path)?.bytes, { timeout: 10_000 }).toBe(sent);
    req.destroy();
    await expect.poll(() => seen.get(path)?.error).toMatch(/closed the request before the body ended/);
    expect(seen.get(path)!.body).toBeUndefined();
  });
});
