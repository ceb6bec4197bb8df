/**
 * CORS on the OTLP/HTTP receiver, with a real browser: a page served from another origin
 * runs @opentelemetry/exporter-trace-otlp-http (bundled for the browser with esbuild) in
 * Chromium and sends spans to spansift, which stores them. A page of an origin that is not
 * allowed cannot send; the ingest token still guards the POST but not the preflight; and
 * the preflight and response headers are what a browser needs.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launch } from '../support/browser.js';
import { startSpansift, type Running } from '../support/spansift.js';

const TOKEN = 'browser-ingest-token';

/** What the page's exporter reports for one span. */
interface PageExport {
  code: number;
  error: string;
  traceId: string;
}

/** The page's script: the OTLP/HTTP exporter as a web app bundles it, and a function to send one span. */
const PAGE_ENTRY = `
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

window.sendSpan = (url, token, name, timeoutMillis) => {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'web-page' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  provider.getTracer('web-page').startSpan(name).end();
  const span = memory.getFinishedSpans()[0];
  const exporter = new OTLPTraceExporter({ url, headers: token ? { Authorization: 'Bearer ' + token } : {}, timeoutMillis });
  return new Promise((resolve) =>
    exporter.export([span], (result) =>
      resolve({ code: result.code, error: String(result.error ?? ''), traceId: span.spanContext().traceId }),
    ),
  );
};
`;

async function bundle(): Promise<string> {
  const out = await build({
    stdin: { contents: PAGE_ENTRY, resolveDir: fileURLToPath(new URL('../..', import.meta.url)), loader: 'js' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/** A web server of its own origin (its own port) serving one page with the exporter on it. */
async function pageServer(script: string): Promise<{ server: Server; origin: string }> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>shop</title></head><body><p>a web app</p><script>${script.replaceAll('</script', '<\\/script')}</script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request as a browser would send it, with Origin set (Node's fetch would not send it as given). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let browser: Browser;
let allowed: { server: Server; origin: string };
let other: { server: Server; origin: string };
let sift: Running;

beforeAll(async () => {
  const script = await bundle();
  allowed = await pageServer(script);
  other = await pageServer(script);
  sift = await startSpansift({
    receivers: {
      otlp: {
        auth: { bearer_tokens: [TOKEN] },
        http: { cors: { allowed_origins: [allowed.origin, 'https://*.example.com'], allowed_headers: ['Authorization'], max_age: '10m' } },
      },
    },
  });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await sift?.stop();
  for (const s of [allowed, other]) if (s) await new Promise((r) => s.server.close(r));
});

async function openPage(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

/** Sends one span from the page; `timeoutMillis` bounds the exporter's retries when it cannot get through. */
function sendFrom(page: Page, token: string, name: string, timeoutMillis = 10_000): Promise<PageExport> {
  return page.evaluate(
    ([url, t, n, ms]) => (window as unknown as { sendSpan: (u: string, t: string, n: string, ms: number) => Promise<PageExport> }).sendSpan(url, t, n, ms),
    [`${sift.httpUrl}/v1/traces`, token, name, timeoutMillis] as const,
  );
}

async function stored(traceId: string): Promise<string[]> {
  const res = await fetch(`${sift.uiUrl}/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
  if (res.status !== 200) return [];
  return ((await res.json()) as { spans: { name: string }[] }).spans.map((s) => s.name);
}

describe('a web page of another origin sending spans with the OTLP/HTTP exporter', () => {
  it('an allowed origin with the ingest token: the span is stored', async () => {
    const page = await openPage(allowed.origin);
    expect(new URL(page.url()).origin).not.toBe(new URL(sift.httpUrl).origin);
    const sent = await sendFrom(page, TOKEN, 'checkout clicked');
    await page.close();
    expect(sent.code, sent.error).toBe(0);
    expect(await stored(sent.traceId)).toEqual(['checkout clicked']);
  });

  it('an allowed origin without the token: the preflight passes, the POST is refused 401 and nothing is stored', async () => {
    const page = await openPage(allowed.origin);
    // A plain fetch, to read the status the page gets.
    const sent = await page.evaluate(
      async ([url]) => {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}' });
        return { status: r.status, body: await r.text() };
      },
      [`${sift.httpUrl}/v1/traces`] as const,
    );
    const viaExporter = await sendFrom(page, 'wrong-token', 'no token');
    await page.close();
    // The page could read the answer (a response without Access-Control-Allow-Origin would be a network error to it): CORS let it through, auth refused it.
    expect(sent.status).toBe(401);
    expect(sent.body).toContain('bearer token');
    expect(viaExporter.code).toBe(1);
    expect(viaExporter.error).toMatch(/401|Unauthorized/i);
    expect(await stored(viaExporter.traceId)).toEqual([]);
  });

  it('an origin that is not allowed cannot send, and nothing is stored', async () => {
    const page = await openPage(other.origin);
    const sent = await sendFrom(page, TOKEN, 'from elsewhere', 2000);
    await page.close();
    expect(sent.code).toBe(1);
    expect(await stored(sent.traceId)).toEqual([]);
  });
});

describe('the CORS headers', () => {
  const preflight = (origin: string, extra: Record<string, string> = {}) =>
    raw(`${sift.httpUrl}/v1/traces`, 'OPTIONS', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type', ...extra });

  it('a preflight from an allowed origin is answered 204 without a token, with the methods, headers and max age', async () => {
    const r = await preflight(allowed.origin);
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(allowed.origin);
    expect(r.headers['access-control-allow-methods']).toBe('POST');
    expect(r.headers['access-control-allow-headers']).toBe('authorization, content-type');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(String(r.headers.vary)).toContain('Origin');
  });

  it('a wildcard origin matches any text in its place, and nothing else', async () => {
    expect((await preflight('https://shop.example.com')).status).toBe(204);
    expect((await preflight('https://a.b.example.com')).headers['access-control-allow-origin']).toBe('https://a.b.example.com');
    for (const o of ['https://example.com', 'http://shop.example.com', 'https://shop.example.com.evil.test', 'https://evilexample.com']) {
      const r = await preflight(o);
      expect(r.status, o).toBe(403);
      expect(r.headers['access-control-allow-origin'], o).toBeUndefined();
    }
  });

  it('a preflight from another origin, or asking for a header not allowed, is refused 403 saying which key to change', async () => {
    const denied = await preflight(other.origin);
    expect(denied.status).toBe(403);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    expect(denied.body).toContain(`origin ${other.origin} is not allowed: add it to receivers.otlp.http.cors.allowed_origins`);
    const header = await preflight(allowed.origin, { 'access-control-request-headers': 'x-tenant' });
    expect(header.status).toBe(403);
    expect(header.body).toContain('x-tenant not allowed: add it to receivers.otlp.http.cors.allowed_headers');
  });

  it('the POST itself needs the token and its answer carries Access-Control-Allow-Origin and exposes Retry-After', async () => {
    const body = JSON.stringify({ resourceSpans: [] });
    const ok = await raw(`${sift.httpUrl}/v1/traces`, 'POST', { origin: allowed.origin, 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body);
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(allowed.origin);
    expect(ok.headers['access-control-expose-headers']).toContain('Retry-After');
    const noToken = await raw(`${sift.httpUrl}/v1/traces`, 'POST', { origin: allowed.origin, 'content-type': 'application/json' }, body);
    expect(noToken.status).toBe(401);
    expect(noToken.headers['access-control-allow-origin']).toBe(allowed.origin);
    // Without Origin (an exporter in a service, not a page) nothing changes.
    const server = await raw(`${sift.httpUrl}/v1/traces`, 'POST', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body);
    expect(server.status).toBe(200);
    expect(server.headers['access-control-allow-origin']).toBeUndefined();
  });
});
