/**
 * TLS on every listener with certificates made for the test (openssl): real OTLP exporters
 * over HTTPS and gRPC trusting the test CA, the UI over HTTPS with a Secure session cookie,
 * mutual TLS refusing clients without a certificate, failed handshakes logged while the
 * process keeps serving, and certificate files rewritten under a running spansift, used
 * from the next handshake on while open connections and the servers carry on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { credentials } from '@grpc/grpc-js';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { startSpansift, type Running } from './support/spansift.js';
import { TestPki, type Issued } from './support/certs.js';
import { httpsRequest, presentedCertificate } from './support/https.js';
import { until } from './support/until.js';
import { hashPassword } from '../ui-lite/auth/passwords.js';
import { parseConfigText } from '../cli/config.js';
import { backfillCommand, CliError } from '../cli/cli-rules.js';

let pki: TestPki;
let server: Issued;
let client: Issued;
const certFile = () => join(pki.dir, 'server.crt');
const keyFile = () => join(pki.dir, 'server.key');

const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean).map((l) => JSON.parse(l))) });

let sift: Running;
let mutual: Running;

beforeAll(async () => {
  pki = new TestPki();
  server = pki.issue('spansift', { files: { cert: certFile(), key: keyFile() } });
  client = pki.issue('exporter', { client: true });
  const tls = { cert_file: certFile(), key_file: keyFile() };
  sift = await startSpansift(
    {
      receivers: { otlp: { http: { tls }, grpc: { tls } } },
      ui: { tls },
      users: { ann: { role: 'admin', password_hash: await hashPassword('ann-pw', 10) } },
      queues: { answers: { labels: [{ name: 'correct', type: 'boolean' }] } },
      rules: [{ name: 'gpt4o', when: 'attributes["gen_ai.request.model"] == "gpt-4o"', route_to: 'answers' }],
    },
    undefined,
    logger,
  );
  const mtls = { ...tls, client_ca_file: pki.ca.certFile };
  mutual = await startSpansift({ receivers: { otlp: { http: { tls: mtls }, grpc: { tls: mtls } } }, ui: { tls: mtls } }, undefined, logger);
});

afterAll(async () => {
  await sift?.stop();
  await mutual?.stop();
});

const port = (url: string) => Number(new URL(url).port);

function oneSpan(name: string): ReadableSpan {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'tls-test' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('tls-test').startSpan(name).end();
  return memory.getFinishedSpans()[0];
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** The trace as the UI's API gives it, over HTTPS trusting the test CA (and with the client certificate where the UI wants one). */
async function storedSpans(r: Running, traceId: string, withClientCert = false): Promise<string[]> {
  const res = await httpsRequest(`${r.uiUrl}/api/v1/traces/${traceId}`, {
    ca: pki.ca.cert,
    ...(withClientCert ? { cert: client.cert, key: client.key } : {}),
    headers: { authorization: `Bearer ${r.adminToken}` },
  });
  if (res.status !== 200) return [];
  return (JSON.parse(res.body) as { spans: { name: string }[] }).spans.map((s) => s.name);
}

describe('OTLP over TLS with real exporters', () => {
  it('OTLP/HTTP: the HTTP exporter trusting the CA sends over HTTPS, and the spans are stored', async () => {
    expect(sift.httpUrl.startsWith('https://')).toBe(true);
    const span = oneSpan('over https');
    const exporter = new JsonExporter({ url: `${sift.httpUrl}/v1/traces`, httpAgentOptions: { ca: pki.ca.cert } });
    const result = await exportWith(exporter, [span]);
    await exporter.shutdown();
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(await storedSpans(sift, span.spanContext().traceId)).toEqual(['over https']);
  });

  it('OTLP/gRPC: the gRPC exporter with SSL credentials sends over TLS, and the spans are stored', async () => {
    expect(sift.grpcUrl.startsWith('https://')).toBe(true);
    const span = oneSpan('over grpc tls');
    const exporter = new GrpcExporter({ url: sift.grpcUrl, credentials: credentials.createSsl(pki.ca.cert) });
    const result = await exportWith(exporter, [span]);
    await exporter.shutdown();
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(await storedSpans(sift, span.spanContext().traceId)).toEqual(['over grpc tls']);
  });

  it('an exporter that does not trust the certificate fails; the handshake is logged once and spansift serves on', async () => {
    const exporter = new JsonExporter({ url: `${sift.httpUrl}/v1/traces`, timeoutMillis: 5000 });
    const result = await exportWith(exporter, [oneSpan('untrusted')]);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(String(result.error?.cause ?? result.error)).toMatch(/self[- ]signed|unable to (verify|get local issuer)/i);
    // Plain HTTP to the HTTPS port: no answer in HTTP, a handshake failure on spansift's side.
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: port(sift.httpUrl), path: '/v1/traces', method: 'POST', agent: new Agent() }, () => resolve());
      req.on('error', () => resolve());
      req.end('{}');
    });
    const failures = await until('the handshake failures in the log', async () => {
      const l = lines.filter((x) => x.msg === 'TLS handshakes failed; the connections were dropped' && x.tls === 'receivers.otlp.http.tls');
      return l.some((x) => x.reason === 'plain_http') && l;
    });
    expect(failures.find((x) => x.reason === 'plain_http')).toMatchObject({ count: 1, last_client: '127.0.0.1' });
    const metrics = await httpsRequest(`${sift.uiUrl}/metrics`, { ca: pki.ca.cert, headers: { authorization: `Bearer ${sift.adminToken}` } });
    expect(metrics.body).toMatch(/spansift_tls_handshake_failures_total\{listener="otlp_http",reason="plain_http"\} [1-9]/);
    const after = oneSpan('after the bad handshakes');
    const ok = new JsonExporter({ url: `${sift.httpUrl}/v1/traces`, httpAgentOptions: { ca: pki.ca.cert } });
    expect((await exportWith(ok, [after])).code).toBe(ExportResultCode.SUCCESS);
    await ok.shutdown();
  });
});

describe('the UI over HTTPS', () => {
  it('serves the API and the page, and the session cookie is Secure', async () => {
    expect(sift.uiUrl.startsWith('https://')).toBe(true);
    expect((await httpsRequest(`${sift.uiUrl}/healthz`, { ca: pki.ca.cert })).status).toBe(200);
    const signIn = await httpsRequest(`${sift.uiUrl}/api/v1/session`, {
      ca: pki.ca.cert,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ann', password: 'ann-pw' }),
    });
    expect(signIn.status).toBe(200);
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    const me = await httpsRequest(`${sift.uiUrl}/api/v1/session`, { ca: pki.ca.cert, headers: { cookie: cookie.split(';')[0] } });
    expect(JSON.parse(me.body)).toMatchObject({ user: 'ann', role: 'admin' });
    const page = await httpsRequest(`${sift.uiUrl}/sign-in`, { ca: pki.ca.cert });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form');
  });
});

describe('commands over HTTPS', () => {
  /** The config a command on the same machine reads: the UI's endpoint and its tls section. */
  const cliConfig = (tls: Record<string, string>) =>
    parseConfigText(stringify({ data_dir: mkdtempSync(join(tmpdir(), 'spansift-cli-')), ui: { endpoint: `127.0.0.1:${port(sift.uiUrl)}`, admin_token: sift.adminToken, tls } }), 'cli.yaml', {});

  it('backfill reaches the API over HTTPS, knowing the server by the certificate in ui.tls.cert_file', async () => {
    const out: string[] = [];
    const code = await backfillCommand(cliConfig({ cert_file: certFile(), key_file: keyFile() }), { rule: 'gpt4o', since: '1h', dryRun: true }, (s) => out.push(s));
    expect(out).toEqual(['dry run: 0 span(s) match rule "gpt4o"; 0 new item(s) would be enqueued']);
    expect(code).toBe(0);
  });

  it('refuses a server that shows another certificate than the config names', async () => {
    const other = pki.issue('impostor');
    const run = backfillCommand(cliConfig({ cert_file: other.certFile, key_file: other.keyFile }), { rule: 'gpt4o', since: '1h', dryRun: true }, () => {});
    await expect(run).rejects.toBeInstanceOf(CliError);
    await expect(run).rejects.toThrow(`cannot reach spansift at https://127.0.0.1:${port(sift.uiUrl)} (ui.endpoint): the server there shows another certificate than ui.tls.cert_file (${other.certFile})`);
  });
});

describe('mutual TLS', () => {
  it('refuses an HTTP client without a certificate and takes an exporter with one', async () => {
    await expect(httpsRequest(`${mutual.httpUrl}/v1/traces`, { ca: pki.ca.cert, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).rejects.toThrow(/certificate required|alert|socket hang up|ECONNRESET/i);
    const noCert = new JsonExporter({ url: `${mutual.httpUrl}/v1/traces`, httpAgentOptions: { ca: pki.ca.cert }, timeoutMillis: 5000 });
    expect((await exportWith(noCert, [oneSpan('no client certificate')])).code).toBe(ExportResultCode.FAILED);
    await noCert.shutdown();
    const span = oneSpan('mutual https');
    const exporter = new JsonExporter({ url: `${mutual.httpUrl}/v1/traces`, httpAgentOptions: { ca: pki.ca.cert, cert: client.cert, key: client.key } });
    const result = await exportWith(exporter, [span]);
    await exporter.shutdown();
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(await storedSpans(mutual, span.spanContext().traceId, true)).toEqual(['mutual https']);
    await until('the refused handshakes in the log', async () => lines.some((x) => x.tls === 'receivers.otlp.http.tls' && x.reason === 'no_client_certificate'));
  });

  it('refuses a gRPC exporter without a certificate and takes one with it', async () => {
    const noCert = new GrpcExporter({ url: mutual.grpcUrl, credentials: credentials.createSsl(pki.ca.cert), timeoutMillis: 5000 });
    const refused = await exportWith(noCert, [oneSpan('grpc without certificate')]);
    await noCert.shutdown();
    expect(refused.code).toBe(ExportResultCode.FAILED);
    const span = oneSpan('mutual grpc');
    const exporter = new GrpcExporter({ url: mutual.grpcUrl, credentials: credentials.createSsl(pki.ca.cert, client.key, client.cert) });
    const result = await exportWith(exporter, [span]);
    await exporter.shutdown();
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(await storedSpans(mutual, span.spanContext().traceId, true)).toEqual(['mutual grpc']);
  });

  it('the UI wants a client certificate too', async () => {
    await expect(httpsRequest(`${mutual.uiUrl}/healthz`, { ca: pki.ca.cert })).rejects.toThrow();
    expect((await httpsRequest(`${mutual.uiUrl}/healthz`, { ca: pki.ca.cert, cert: client.cert, key: client.key })).status).toBe(200);
  });
});

describe('certificate reload', () => {
  it('rewritten files are used from the next handshake on every listener; open connections and the servers carry on', async () => {
    const ports = { http: port(sift.httpUrl), grpc: port(sift.grpcUrl), ui: port(sift.uiUrl) };
    // A keep-alive connection opened before the change.
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: pki.ca.cert });
    const before = await httpsRequest(`${sift.uiUrl}/healthz`, { agent });
    expect(before.peer.fingerprint256).toBe(server.fingerprint256);
    for (const p of Object.values(ports)) expect(await presentedCertificate(p, { ca: pki.ca.cert, alpn: p === ports.grpc ? ['h2'] : undefined })).toEqual({ fingerprint256: server.fingerprint256 });

    const renewed = pki.issue('spansift-renewed', { files: { cert: certFile(), key: keyFile() } });
    expect(renewed.fingerprint256).not.toBe(server.fingerprint256);
    for (const [name, p] of Object.entries(ports)) {
      await until(`the ${name} listener to present the renewed certificate`, async () => {
        const seen = await presentedCertificate(p, { ca: pki.ca.cert, alpn: name === 'grpc' ? ['h2'] : undefined });
        return 'fingerprint256' in seen && seen.fingerprint256 === renewed.fingerprint256;
      });
    }
    // The connection from before still works, with the certificate it was opened with.
    const again = await httpsRequest(`${sift.uiUrl}/healthz`, { agent });
    expect(again).toMatchObject({ status: 200, reused: true });
    expect(again.peer.fingerprint256).toBe(server.fingerprint256);
    agent.destroy();
    // Same ports, same servers: exporters on the renewed certificate work.
    const span = oneSpan('after reload');
    const exporter = new GrpcExporter({ url: sift.grpcUrl, credentials: credentials.createSsl(pki.ca.cert) });
    expect((await exportWith(exporter, [span])).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    expect(await storedSpans(sift, span.spanContext().traceId)).toEqual(['after reload']);
    expect(lines.filter((x) => x.msg === 'TLS certificate reloaded; new connections use it').map((x) => x.tls).sort()).toEqual(
      expect.arrayContaining(['receivers.otlp.grpc.tls', 'receivers.otlp.http.tls', 'ui.tls']),
    );
    server = renewed;
  });

  it('files that cannot be used are logged and the current certificate stays', async () => {
    const other = pki.issue('unrelated');
    // A key of another certificate: the pair is refused as a whole.
    writeFileSync(keyFile(), other.key);
    await until('the refused reload in the log', async () => lines.some((x) => x.msg === 'the certificate files changed but cannot be used; the current certificate stays' && x.tls === 'receivers.otlp.http.tls'));
    const refused = lines.find((x) => x.msg === 'the certificate files changed but cannot be used; the current certificate stays' && x.tls === 'receivers.otlp.http.tls');
    expect(String(refused?.err)).toContain(`the key in ${keyFile()} does not belong to the certificate in ${certFile()}`);
    expect(await presentedCertificate(port(sift.httpUrl), { ca: pki.ca.cert })).toEqual({ fingerprint256: server.fingerprint256 });
    // Put right, the next change is taken.
    const fixed = pki.issue('spansift-fixed', { files: { cert: certFile(), key: keyFile() } });
    await until('the fixed certificate', async () => {
      const seen = await presentedCertificate(port(sift.httpUrl), { ca: pki.ca.cert });
      return 'fingerprint256' in seen && seen.fingerprint256 === fixed.fingerprint256;
    });
    const metrics = await httpsRequest(`${sift.uiUrl}/metrics`, { ca: pki.ca.cert, headers: { authorization: `Bearer ${sift.adminToken}` } });
    expect(metrics.body).toMatch(/spansift_tls_certificate_reloads_total\{listener="otlp_http",outcome="failure"\} [1-9]/);
    expect(metrics.body).toMatch(/spansift_tls_certificate_reloads_total\{listener="otlp_http",outcome="success"\} [2-9]/);
    expect(metrics.body).toMatch(/spansift_tls_certificate_expiry_timestamp_seconds\{listener="ui"\} \d{10}/);
  });
});
