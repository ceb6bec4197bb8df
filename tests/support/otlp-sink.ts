/**
 * An OTLP receiver for forwarding tests: OTLP/HTTP (node:http) and OTLP/gRPC (grpc-js) on
 * ephemeral ports, recording every request it takes (decoded with spansift's decoder for
 * traces, items counted for logs and metrics). `answer` scripts the next HTTP answers
 * (a status, Retry-After) before the sink takes requests again.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { logsService, metricsService, traceService } from '../../collector/receivers/otlp/grpc.js';
import { encodeExportResponse } from '../../collector/receivers/otlp/encode.js';
import { decodeProtobuf } from '../../collector/receivers/otlp/decode.js';
import { countItems, type Signal } from '../../collector/model/otlp-frames.js';
import type { Span } from '../../collector/model/span.js';

export interface Received {
  signal: Signal;
  transport: 'http' | 'grpc';
  body: Uint8Array;
  items: number;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface ScriptedAnswer {
  /** 0: take the request as usual. */
  status: number;
  headers?: Record<string, string>;
}

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

export class OtlpSink {
  readonly received: Received[] = [];
  /** HTTP requests answered with a scripted failure (not in `received`). */
  readonly refused: { status: number; at: number }[] = [];
  private script: ScriptedAnswer[] = [];
  private http: HttpServer | undefined;
  private grpc: Server | undefined;
  httpUrl = '';
  grpcEndpoint = '';

  async start(): Promise<this> {
    const http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const scripted = this.script.shift();
        if (scripted && scripted.status !== 0) {
          this.refused.push({ status: scripted.status, at: Date.now() });
          res.writeHead(scripted.status, scripted.headers ?? {}).end();
          return;
        }
        const signal = PATHS[req.url ?? ''];
        if (!signal) return void res.writeHead(404).end();
        let body: Uint8Array = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (req.headers['content-encoding'] === 'deflate') body = inflateSync(body);
        this.record(signal, 'http', body, req.headers);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeExportResponse(null, 'protobuf'));
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    this.http = http;
    this.httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const grpc = new Server();
    const handler = (signal: Signal) => (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
      this.record(signal, 'grpc', call.request, call.metadata.getMap() as Record<string, string>);
      cb(null, Buffer.from(encodeExportResponse(null, 'protobuf')));
    };
    grpc.addService(traceService, { Export: handler('traces') });
    grpc.addService(logsService, { Export: handler('logs') });
    grpc.addService(metricsService, { Export: handler('metrics') });
    const port = await new Promise<number>((resolve, reject) => grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    this.grpc = grpc;
    this.grpcEndpoint = `127.0.0.1:${port}`;
    return this;
  }

  /** The next HTTP requests get these answers, in order. */
  answer(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** Every span received, decoded. */
  spans(): Span[] {
    return this.received.filter((r) => r.signal === 'traces').flatMap((r) => decodeProtobuf(r.body).spans);
  }

  items(signal: Signal): number {
    return this.received.filter((r) => r.signal === signal).reduce((n, r) => n + r.items, 0);
  }

  async stop(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http) await new Promise<void>((r) => {
      http.close(() => r());
      http.closeAllConnections();
    });
    this.grpc?.forceShutdown();
  }

  private record(signal: Signal, transport: 'http' | 'grpc', body: Uint8Array, headers: Received['headers']): void {
    this.received.push({ signal, transport, body, items: countItems(signal, body), headers, at: Date.now() });
  }
}
