/**
 * OTLP/HTTP export (the `otlphttp` exporter) on Node's own HTTP client: one POST of a
 * protobuf Export*ServiceRequest to the signal's URL (`endpoint` + `/v1/traces`, or
 * `traces_endpoint`), optionally compressed, with the configured headers and TLS. The answer
 * is read as the OTLP specification says (outcome.ts). One attempt per call: retries are the
 * exporter's, which holds the batch in its queue meanwhile.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { deflate, gzip } from 'node:zlib';
import type { ExporterConfig } from '../../../config/exporters.js';
import type { Signal } from '../../model/otlp-frames.js';
import { httpOutcome, type SendOutcome } from './outcome.js';
import { readTlsFiles } from './tls.js';
import type { Sender } from './sender.js';

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

/** What is read of an answer's body (a google.rpc.Status or a partial success is far smaller). */
const MAX_ANSWER_BYTES = 64 * 1024;

const PATHS: Record<Signal, string> = { traces: '/v1/traces', logs: '/v1/logs', metrics: '/v1/metrics' };

export interface HttpSenderOptions {
  id: string;
  config: ExporterConfig;
  timeoutMs: number;
  /** Requests at once (the exporter's consumers). */
  connections: number;
}

export class HttpSender implements Sender {
  private readonly urls: Record<Signal, URL | undefined>;
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(private readonly o: HttpSenderOptions) {
    const c = o.config;
    const base = c.endpoint?.replace(/\/+$/, '');
    const url = (own: string | undefined, signal: Signal) => (own ? new URL(own) : base ? new URL(base + PATHS[signal]) : undefined);
    this.urls = { traces: url(c.traces_endpoint, 'traces'), logs: url(c.logs_endpoint, 'logs'), metrics: url(c.metrics_endpoint, 'metrics') };
    const files = readTlsFiles(o.id, c.tls);
    this.http = new HttpAgent({ keepAlive: true, maxSockets: o.connections });
    this.https = new HttpsAgent({
      keepAlive: true,
      maxSockets: o.connections,
      ...files,
      rejectUnauthorized: !c.tls.insecure_skip_verify,
      servername: c.tls.server_name_override,
    });
  }

  /** Where a signal goes (for the log). */
  target(signal: Signal): string {
    return this.urls[signal]?.href ?? '';
  }

  async send(signal: Signal, payload: Uint8Array, abort: AbortSignal): Promise<SendOutcome> {
    const url = this.urls[signal];
    if (!url) return { kind: 'permanent', reason: `no URL for ${signal}` };
    const c = this.o.config;
    const headers: Record<string, string | number> = { ...c.headers, 'content-type': 'application/x-protobuf', 'user-agent': 'spansift' };
    let body = payload;
    // Level 1: compressing at the default level costs several times the CPU of everything else forwarding does.
    if (c.compression === 'gzip') body = await gzipAsync(payload, { level: 1 });
    else if (c.compression === 'deflate') body = await deflateAsync(payload, { level: 1 });
    if (c.compression === 'gzip' || c.compression === 'deflate') headers['content-encoding'] = c.compression;
    headers['content-length'] = body.length;
    const secure = url.protocol === 'https:';
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const done = (o: SendOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = (secure ? httpsRequest : httpRequest)(url, { method: 'POST', agent: secure ? this.https : this.http, headers, signal: abort }, (res) => {
        readAnswer(res).then(
          (answer) => done(httpOutcome(res.statusCode ?? 0, header(res, 'retry-after'), header(res, 'content-type') ?? '', answer)),
          (e: Error) => done({ kind: 'retryable', reason: `the answer from ${url.href} broke off: ${e.message}` }),
        );
      });
      const timer = setTimeout(() => {
        done({ kind: 'retryable', reason: `no answer from ${url.href} within the timeout (${this.o.timeoutMs} ms)` });
        req.destroy();
      }, this.o.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => done({ kind: 'retryable', reason: `sending to ${url.href} failed: ${e.code ?? e.message}${e.code && e.message && !e.message.includes(e.code) ? ` (${e.message})` : ''}` }));
      req.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readAnswer(res: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < MAX_ANSWER_BYTES) chunks.push(c);
      size += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES)));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('aborted')));
  });
}
