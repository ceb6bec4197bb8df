/**
 * OTLP/HTTP receiver: `POST /v1/traces` with protobuf or JSON bodies, optionally
 * compressed. Plain node:http rather than a framework: this is the hot path, and it needs
 * to turn a request away (auth, size, overload) before reading its body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJson, decodeProtobuf } from './decode.js';
import { encodeExportResponse, encodeStatus } from './encode.js';
import { decodeContent, readRaw, tooLarge } from './body.js';
import { SpansiftError, retryAfterSeconds, toSpansiftError } from '../../errors.js';
import type { TokenSet } from '../../auth.js';
import type { Admission } from '../../admission.js';
import type { TracesConsumer } from '../../consumer.js';
import type { Metrics } from '../../metrics.js';
import type { Logger } from '../../log.js';

type Format = 'protobuf' | 'json';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  tokens: TokenSet;
  admission: Admission;
  pipeline: TracesConsumer;
  metrics?: Metrics;
  log?: Logger;
}

const CONTENT_TYPES: Record<string, Format> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

const MEDIA_TYPE = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

export class HttpReceiver {
  private server: Server | undefined;

  constructor(private readonly o: HttpReceiverOptions) {}

  async start(): Promise<AddressInfo> {
    const server = createServer({ requestTimeout: 60_000, headersTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) => {
      void this.handle(req, res);
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** Stops accepting connections; requests already admitted finish and are answered. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    let format: Format = 'json';
    let reserved = 0;
    try {
      if (path !== '/v1/traces') throw new SpansiftError('NOT_FOUND', `no route ${path}; OTLP traces go to POST /v1/traces`);
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        throw new SpansiftError('METHOD_NOT_ALLOWED', `method ${req.method} is not allowed on /v1/traces; use POST`);
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const f = CONTENT_TYPES[type];
      if (!f) throw new SpansiftError('UNSUPPORTED_MEDIA_TYPE', `Content-Type "${type}" is not supported; use application/x-protobuf or application/json`);
      format = f;
      if (!this.o.tokens.allows(req.headers.authorization)) throw new SpansiftError('UNAUTHENTICATED', 'missing or invalid bearer token in the Authorization header');
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > this.o.maxBodyBytes) throw tooLarge(this.o.maxBodyBytes);
      this.o.admission.takeBytes(declared);
      reserved = declared;
      const raw = await readRaw(req, this.o.maxBodyBytes);
      const body = await decodeContent(raw, req.headers['content-encoding'], this.o.maxBodyBytes);
      if (body.length > reserved) {
        this.o.admission.takeBytes(body.length - reserved);
        reserved = body.length;
      }
      const decoded = format === 'protobuf' ? decodeProtobuf(body) : decodeJson(body);
      const result = await this.o.pipeline.consume(decoded, 'http');
      const partial = result.rejected > 0 ? { rejected: result.rejected, message: result.message } : null;
      this.o.metrics?.requests.inc({ transport: 'http', outcome: partial ? 'partial' : 'success' });
      this.send(res, 200, format, encodeExportResponse(partial, format));
    } catch (e) {
      this.fail(res, format, e, req);
    } finally {
      if (reserved) this.o.admission.releaseBytes(reserved);
    }
  }

  private fail(res: ServerResponse, format: Format, e: unknown, req: IncomingMessage): void {
    const err = toSpansiftError(e);
    this.o.metrics?.requests.inc({ transport: 'http', outcome: outcomeOf(err) });
    if (err.code === 'INTERNAL') this.o.log?.error({ err: e }, 'export request failed');
    if (err.retryable) res.setHeader('Retry-After', retryAfterSeconds(err.retryAfterMs ?? this.o.admission.retryAfterMs));
    // Node discards an unread body after the response, keeping the connection; a body over
    // the limit is not worth reading, so that connection is closed instead.
    const drop = !req.complete && err.code === 'BODY_TOO_LARGE';
    if (drop) res.setHeader('Connection', 'close');
    this.send(res, err.spec.http, format, encodeStatus(err.spec.grpc, err.message, format, err.retryable ? (err.retryAfterMs ?? this.o.admission.retryAfterMs) : undefined));
    if (drop) res.once('finish', () => req.destroy());
  }

  private send(res: ServerResponse, status: number, format: Format, body: Uint8Array | string): void {
    if (res.headersSent) return;
    // Once stopping, close the connection with the answer: an idle keep-alive connection
    // would otherwise hold the shutdown until keepAliveTimeout.
    if (!this.server) res.setHeader('Connection', 'close');
    res.statusCode = status;
    res.setHeader('Content-Type', MEDIA_TYPE[format]);
    res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    res.end(body);
  }
}

function outcomeOf(err: SpansiftError): string {
  switch (err.code) {
    case 'OVERLOADED':
    case 'SHUTTING_DOWN':
      return 'overloaded';
    case 'STORAGE_UNAVAILABLE':
    case 'STORAGE_REJECTED':
      return 'storage_error';
    default:
      return String(err.spec.http);
  }
}
