/**
 * OTLP/HTTP receiver: `POST /v1/traces` with protobuf or JSON bodies, optionally
 * compressed; `/v1/logs` and `/v1/metrics` too when something takes them (forwarding),
 * 404 otherwise. Plain node:http rather than a framework: this is the hot path, and it needs
 * to turn a request away (auth, size, overload) before reading its body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeJson, decodeProtobufAsync } from './decode.js';
import { encodeExportResponse, encodeStatus } from './encode.js';
import { decodeContent, readRaw, tooLarge, type Held } from './body.js';
import { ConnectionGate } from './connections.js';
import { Activity } from './drain.js';
import { closerFor, type Closer } from '../../http-close.js';
import { DEFAULT_SPAN_LIMITS, type SpanLimits } from './limits.js';
import { RequestReport } from './report.js';
import type { CorsPolicy } from './cors.js';
import type { ServerTls } from '../../tls/server-tls.js';
import { SpansiftError, retryAfterSeconds, toSpansiftError } from '../../errors.js';
import type { TokenSet } from '../../auth.js';
import type { Admission } from '../../admission.js';
import type { SignalConsumer, TracesConsumer } from '../../consumer.js';
import type { Signal } from '../../model/otlp-frames.js';
import { readSignalRequest } from './decode-signals.js';
import type { Metrics } from '../../metrics.js';
import type { Logger } from '../../log.js';

type Format = 'protobuf' | 'json';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Longest a request may take to arrive, headers and body (receivers.otlp.http.read_timeout). */
  readTimeoutMs?: number;
  /** Connections at once, in total and per client address; 0: no limit. */
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  limits?: SpanLimits;
  tokens: TokenSet;
  admission: Admission;
  pipeline: TracesConsumer;
  /** Logs and metrics; without it (or when it takes neither) their routes answer 404. */
  signals?: SignalConsumer;
  metrics?: Metrics;
  log?: Logger;
  /** HTTPS instead of HTTP (receivers.otlp.http.tls). */
  tls?: ServerTls;
  /** Cross-origin requests from web pages (receivers.otlp.http.cors); unset: no CORS headers. */
  cors?: CorsPolicy;
}

const CONTENT_TYPES: Record<string, Format> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

const MEDIA_TYPE = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

export class HttpReceiver {
  private server: Server | undefined;
  private closer: Closer | undefined;
  private draining = false;
  readonly activity = new Activity();
  private readonly report: RequestReport;
  private readonly readTimeoutMs: number;
  /** Sockets whose request body is being read by `handle` (a timeout there is its to account for). */
  private readonly reading = new WeakSet<Socket>();
  private readonly timedOut = new WeakSet<Socket>();
  /** Sockets answered early whose unread body Node is discarding (no second answer on them). */
  private readonly discarding = new WeakSet<Socket>();

  constructor(private readonly o: HttpReceiverOptions) {
    this.report = new RequestReport('http', o.metrics, o.log);
    this.readTimeoutMs = o.readTimeoutMs ?? 10_000;
  }

  async start(): Promise<AddressInfo> {
    const t = this.readTimeoutMs;
    const server = (this.o.tls ? this.o.tls.httpServer.bind(this.o.tls) : createServer)(
      {
        // One bound for headers and body together. Node checks it every
        // connectionsCheckingInterval, which is 30 s unless set: a fraction of the bound.
        requestTimeout: t,
        headersTimeout: t,
        connectionsCheckingInterval: Math.max(100, Math.min(1000, t / 4)),
        keepAliveTimeout: 65_000,
      },
      (req, res) => void this.handle(req, res),
    );
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    new ConnectionGate(
      {
        maxConnections: this.o.maxConnections ?? 0,
        maxPerAddress: this.o.maxConnectionsPerAddress ?? 0,
        keys: { total: 'receivers.otlp.http.max_connections', perAddress: 'receivers.otlp.http.max_connections_per_address' },
      },
      'http',
      this.report.refusals,
      this.o.metrics,
    ).attach(server);
    this.server = server;
    this.closer = closerFor(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** From now on every answer closes its connection; the admission answers new exports 503. */
  drain(): void {
    this.draining = true;
  }

  /**
   * Stops accepting connections; requests already admitted finish and are answered. A
   * connection still open 5 s later with no answer under way (half a request sent) is cut.
   */
  async stop(): Promise<void> {
    if (!this.server) return;
    this.server = undefined;
    await this.closer?.close();
    this.report.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.activity.begin();
    this.discarding.delete(req.socket);
    const path = (req.url ?? '/').split('?')[0];
    let format: Format = 'json';
    const held: Held = { bytes: 0 };
    let spans: number | undefined;
    try {
      if (this.o.cors?.apply(req, res)) return;
      const signal = Object.hasOwn(PATHS, path) ? PATHS[path] : undefined;
      if (!signal || (signal !== 'traces' && !this.o.signals?.takes(signal))) throw new SpansiftError('NOT_FOUND', this.notFound(path, signal));
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        throw new SpansiftError('METHOD_NOT_ALLOWED', `method ${req.method} is not allowed on ${path}; use POST`);
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const f = CONTENT_TYPES[type];
      if (!f) throw new SpansiftError('UNSUPPORTED_MEDIA_TYPE', `Content-Type "${type}" is not supported; use application/x-protobuf or application/json`);
      format = f;
      if (!this.o.tokens.allows(req.headers.authorization)) throw new SpansiftError('UNAUTHENTICATED', 'missing or invalid bearer token in the Authorization header');
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > this.o.maxBodyBytes) throw tooLarge(this.o.maxBodyBytes);
      this.o.admission.admit(declared);
      this.reading.add(req.socket);
      const raw = await readRaw(req, this.o.maxBodyBytes, this.o.admission, held);
      this.reading.delete(req.socket);
      const body = await decodeContent(raw, req.headers['content-encoding'], this.o.maxBodyBytes);
      if (body.length > held.bytes) {
        this.o.admission.takeBytes(body.length - held.bytes, held.bytes);
        held.bytes = body.length;
      }
      if (signal !== 'traces') {
        await this.forward(signal, body, format);
        this.o.metrics?.requests.inc({ transport: 'http', outcome: 'success' });
        this.send(res, 200, format, encodeExportResponse(null, format));
        return;
      }
      const limits = this.o.limits ?? DEFAULT_SPAN_LIMITS;
      const decoded = format === 'protobuf' ? await decodeProtobufAsync(body, limits) : decodeJson(body, limits);
      if (format === 'protobuf' && decoded.rejected === 0 && !decoded.dropped.any) decoded.wire = body;
      spans = decoded.spans.length + decoded.rejected;
      this.report.decoded(decoded);
      const result = await this.o.pipeline.consume(decoded, 'http');
      const partial = result.rejected > 0 ? { rejected: result.rejected, message: result.message } : null;
      this.o.metrics?.requests.inc({ transport: 'http', outcome: partial ? 'partial' : 'success' });
      this.send(res, 200, format, encodeExportResponse(partial, format));
    } catch (e) {
      this.fail(res, format, e, req, spans);
    } finally {
      this.reading.delete(req.socket);
      if (held.bytes) this.o.admission.releaseBytes(held.bytes);
      this.activity.end();
    }
  }

  /** A logs or metrics request, queued for forwarding as protobuf; 429 when no exporter's queue has room. */
  private async forward(signal: 'logs' | 'metrics', body: Uint8Array, format: Format): Promise<void> {
    const request = readSignalRequest(signal, body, format);
    if (!(await this.o.signals!.request(signal, request.body, request.items))) {
      throw new SpansiftError('OVERLOADED', `the sending queue of every exporter of ${signal} is full; retry later`);
    }
  }

  private notFound(path: string, signal: Signal | undefined): string {
    const routes = ['/v1/traces', ...(['logs', 'metrics'] as const).filter((s) => this.o.signals?.takes(s)).map((s) => `/v1/${s}`)];
    const why = signal ? `no exporter forwards ${signal} (exporters.*.signals), so spansift does not take them` : `no route ${path}`;
    return `${why}; OTLP goes to POST ${routes.join(', ')}`;
  }

  private fail(res: ServerResponse, format: Format, e: unknown, req: IncomingMessage, spans: number | undefined): void {
    if (this.timedOut.has(req.socket)) {
      // clientError answered 408 and closed the connection; this is what it cut short.
      this.o.metrics?.requests.inc({ transport: 'http', outcome: '408' });
      this.report.connectionError('read_timeout', this.timeoutMessage());
      return;
    }
    const err = toSpansiftError(e);
    this.o.metrics?.requests.inc({ transport: 'http', outcome: outcomeOf(err) });
    this.report.failed(err, spans);
    if (err.code === 'INTERNAL') this.o.log?.error({ err: e }, 'export request failed');
    if (err.retryable) res.setHeader('Retry-After', retryAfterSeconds(err.retryAfterMs ?? this.o.admission.retryAfterMs));
    // Node reads and discards an unread body after the answer (within the read timeout),
    // keeping the connection, and the client reads the answer without a reset. A body over the
    // limit, or one whose reading stopped midway, is not worth reading: that connection closes.
    const drop = !req.complete && (err.code === 'BODY_TOO_LARGE' || req.readableFlowing === false);
    if (drop) res.setHeader('Connection', 'close');
    else if (!req.complete) this.discarding.add(req.socket);
    this.send(res, err.spec.http, format, encodeStatus(err.spec.grpc, err.message, format, err.retryable ? (err.retryAfterMs ?? this.o.admission.retryAfterMs) : undefined));
    if (drop) res.once('finish', () => req.destroy());
  }

  /**
   * Errors of the connection rather than of a request: a malformed request, or one that did
   * not arrive within the read timeout. Answered as Node answers them when no listener is
   * set (400 or 408), then the connection is closed.
   */
  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (timeout && this.reading.has(socket)) this.timedOut.add(socket);
    else if (timeout) this.report.connectionError('read_timeout', this.timeoutMessage());
    else if (err.code !== 'ECONNRESET') this.report.connectionError('malformed', `a request that is not valid HTTP: ${err.message}`);
    if (socket.writable && err.code !== 'ECONNRESET' && !this.discarding.has(socket)) {
      socket.write(timeout ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
    socket.destroy();
  }

  private timeoutMessage(): string {
    return `the request did not arrive within receivers.otlp.http.read_timeout (${this.readTimeoutMs} ms)`;
  }

  private send(res: ServerResponse, status: number, format: Format, body: Uint8Array | string): void {
    if (res.headersSent) return;
    // While draining or stopped, close the connection with the answer: the client opens its
    // next one elsewhere (or after the restart), and an idle keep-alive connection would
    // otherwise be reset when the port closes.
    if (this.draining || !this.server) res.setHeader('Connection', 'close');
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
