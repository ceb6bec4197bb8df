/**
 * evaluate() when things go wrong between it and spansift: a real spansift behind a proxy
 * on 127.0.0.1 that injects failures into the data point writes (503s with Retry-After, a
 * 413 for large batches, a refusal), and inputs a run cannot send as they are.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, SpansiftError } from 'spansift/sdk';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient } from './support/labeling.js';

let sift: Running;
let admin: ApiClient;
let proxy: Server;
let proxyUrl: string;
/** What the proxy does to the next data point writes. */
let fault: (body: { datapoints: unknown[] }, n: number) => { status: number; headers?: Record<string, string> } | undefined = () => undefined;
let writes = 0;

beforeAll(async () => {
  sift = await startSpansift({});
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  const target = new URL(sift.uiUrl);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && /\/datapoints$/.test(req.url ?? '')) {
        const f = fault(JSON.parse(body.toString('utf8')), writes++);
        if (f) {
          res.writeHead(f.status, { 'content-type': 'application/json', ...f.headers });
          res.end(JSON.stringify({ error: { code: 'INJECTED', message: `injected ${f.status}` } }));
          return;
        }
      }
      const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  proxy?.close();
  await sift?.stop();
});

const data = (n: number) => Array.from({ length: n }, (_, i) => ({ data: i, target: i * 2 }));
const stored = async (id: string) => (await admin.get(`/api/v1/evaluations/${id}`)).body.datapoints as Array<{ index: number; executor_output: unknown; has_output: boolean }>;

describe('evaluate() and a spansift that fails', () => {
  it('rides out 503s (honouring Retry-After) and records every data point', async () => {
    writes = 0;
    fault = (_b, n) => (n < 3 ? { status: 503, headers: { 'retry-after': '0' } } : undefined);
    const r = await evaluate({ data: data(50), executor: (x: number) => x * 2, evaluators: { exact: (o: number, t?: number) => Number(o === t) }, baseUrl: proxyUrl, apiKey: sift.adminToken, output: false, tracing: false });
    expect(writes).toBeGreaterThan(3);
    const points = await stored(r.id);
    expect(points.map((p) => p.index)).toEqual(data(50).map((_, i) => i));
    expect(points.every((p) => p.has_output)).toBe(true);
  });

  it('splits a batch spansift finds too large (413) until each part goes through', async () => {
    writes = 0;
    const sizes: number[] = [];
    fault = (b) => {
      sizes.push(b.datapoints.length);
      return b.datapoints.length > 4 ? { status: 413 } : undefined;
    };
    const r = await evaluate({ data: data(40), executor: async (x: number) => x * 2, evaluators: { exact: () => 1 }, baseUrl: proxyUrl, apiKey: sift.adminToken, output: false, tracing: false, concurrency: 8 });
    expect(sizes.some((n) => n > 4)).toBe(true);
    expect((await stored(r.id)).map((p) => p.index)).toEqual(data(40).map((_, i) => i));
  });

  it('stops running data points once they cannot be recorded, and says what it did', async () => {
    writes = 0;
    fault = () => ({ status: 400 });
    let ran = 0;
    const err = await evaluate({
      data: data(500),
      executor: async (x: number) => {
        ran++;
        await new Promise((r) => setTimeout(r, 2));
        return x;
      },
      evaluators: { x: () => 1 },
      baseUrl: proxyUrl,
      apiKey: sift.adminToken,
      output: false,
      tracing: false,
      concurrency: 2,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpansiftError);
    expect((err as Error).message).toMatch(/stopped after \d+ of 500 data points: (data point|\d+ data points) from index 0 could not be recorded: spansift answered 400 to POST \/api\/v1\/evaluations\/[\w-]+\/datapoints: injected 400$/);
    expect(ran).toBeLessThan(500);
    const partial = (err as SpansiftError).partial as { id: string; results: unknown[] };
    expect(partial.results.length).toBe(ran);
  });
});

describe('evaluate() and inputs it cannot send as they are', () => {
  const count = async () => (await admin.get('/api/v1/evaluations')).body.evaluations.length;

  it('refuses a bad concurrency, a missing executor and a data point that is not an object, before creating anything', async () => {
    const before = await count();
    const run = (o: Record<string, unknown>) => evaluate({ data: data(2), executor: (x: number) => x, evaluators: { x: () => 1 }, baseUrl: sift.uiUrl, apiKey: sift.adminToken, output: false, ...o } as never).catch((e: unknown) => (e as Error).message);
    expect(await run({ concurrency: Number.NaN })).toBe('concurrency: expected a whole number of 1 or more, got NaN');
    expect(await run({ executor: undefined })).toBe('executor: expected a function');
    expect(await run({ data: [{ data: 1 }, null] })).toBe('data[1]: expected {data, target?, metadata?}, got null');
    expect(await count()).toBe(before);
  });

  it('sends values JSON cannot hold as their text: bigints, cycles', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const r = await evaluate({ data: [{ data: { big: 2n ** 70n }, metadata: { seen: cyclic } }], executor: () => ({ total: 10n }), evaluators: { x: () => 1 }, baseUrl: sift.uiUrl, apiKey: sift.adminToken, output: false, tracing: false, metadata: { run: 1n } });
    const [p] = await stored(r.id);
    expect(p).toMatchObject({ data: { big: '1180591620717411303424' }, executor_output: { total: '10' }, metadata: { seen: { name: 'loop', self: '[Circular]' } } });
  });
});
