/**
 * OTLP/gRPC receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export` on
 * @grpc/grpc-js, and LogsService and MetricsService when something takes them (forwarding;
 * otherwise their calls answer UNIMPLEMENTED). grpc-js handles compression (gzip, deflate) and the message size
 * limit; errors carry a google.rpc.Status (with RetryInfo when the client should retry)
 * in `grpc-status-details-bin`, as the OTLP spec asks.
 *
 * spansift listens itself and hands each connection to grpc-js (its connection injector),
 * so that the connections can be capped as the HTTP receiver's are: grpc-js has no cap.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Metadata, Server, ServerCredentials, status as GrpcStatus, type ServerUnaryCall, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';
import { LOGS_EXPORT_METHOD_PATH, METRICS_EXPORT_METHOD_PATH, TRACE_EXPORT_METHOD_PATH } from '../../../proto/otlp.js';
import { readSignalRequest } from './decode-signals.js';
import { decodeProtobufAsync } from './decode.js';
import { encodeExportResponse, encodeStatus } from './encode.js';
import { ConnectionGate } from './connections.js';
import { Activity } from './drain.js';
import { DEFAULT_SPAN_LIMITS, type SpanLimits } from './limits.js';
import { RequestReport } from './report.js';
import type { ServerTls } from '../../tls/server-tls.js';
import { SpansiftError, toSpansiftError } from '../../errors.js';
import type { TokenSet } from '../../auth.js';
import type { Admission } from '../../admission.js';
import type { SignalConsumer, TracesConsumer } from '../../consumer.js';
import type { Metrics } from '../../metrics.js';
import type { Logger } from '../../log.js';

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxRecvBytes: number;
  /** Connections at once, in total and per client address; 0: no limit. */
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  limits?: SpanLimits;
  tokens: TokenSet;
  admission: Admission;
  pipeline: TracesConsumer;
  /** Logs and metrics; LogsService and MetricsService are served only for a signal it takes. */
  signals?: SignalConsumer;
  metrics?: Metrics;
  log?: Logger;
  /**
   * gRPC over TLS (receivers.otlp.grpc.tls). spansift ends TLS on its own listener and hands
   * grpc-js the decrypted connection, so certificates reload and failed handshakes are
   * counted and logged as on the other listeners.
   */
  tls?: ServerTls;
}

const identity = (b: Buffer) => b;

function rawService(path: string): ServiceDefinition {
  return {
    Export: { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  };
}

/** TraceService with raw bytes in and out: decoding is ours, so its errors map to INVALID_ARGUMENT. */
export const traceService: ServiceDefinition = rawService(TRACE_EXPORT_METHOD_PATH);
export const logsService: ServiceDefinition = rawService(LOGS_EXPORT_METHOD_PATH);
export const metricsService: ServiceDefinition = rawService(METRICS_EXPORT_METHOD_PATH);

export class GrpcReceiver {
  private server: Server | undefined;
  private listener: NetServer | undefined;
  readonly activity = new Activity();
  private readonly report: RequestReport;

  constructor(private readonly o: GrpcReceiverOptions) {
    this.report = new RequestReport('grpc', o.metrics, o.log);
  }

  async start(): Promise<number> {
    const server = new Server({
      'grpc.max_receive_message_length': this.o.maxRecvBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    server.addService(traceService, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => void this.export(call, cb),
    });
    for (const [signal, service] of [['logs', logsService], ['metrics', metricsService]] as const) {
      if (!this.o.signals?.takes(signal)) continue;
      server.addService(service, { Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => void this.export(call, cb, signal) });
    }
    const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
    const gate = new ConnectionGate(
      {
        maxConnections: this.o.maxConnections ?? 0,
        maxPerAddress: this.o.maxConnectionsPerAddress ?? 0,
        keys: { total: 'receivers.otlp.grpc.max_connections', perAddress: 'receivers.otlp.grpc.max_connections_per_address' },
      },
      'grpc',
      this.report.refusals,
      this.o.metrics,
    );
    const accept = (socket: Socket) => {
      if (gate.admitted(socket)) injector.injectConnection(socket);
    };
    // gRPC clients negotiate HTTP/2 by ALPN; a TLS client that offers nothing else is refused in the handshake.
    const listener = this.o.tls ? this.o.tls.tlsServer(accept, ['h2']) : createServer(accept);
    gate.attach(listener);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.o.port, this.o.host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.listener = listener;
    const address = listener.address();
    return typeof address === 'object' && address ? address.port : this.o.port;
  }

  /** Stops taking connections and calls, and waits for those running to finish. */
  async stop(): Promise<void> {
    const server = this.server;
    const listener = this.listener;
    if (!server || !listener) return;
    this.server = undefined;
    this.listener = undefined;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await closed;
    this.report.close();
  }

  private async export(call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>, signal?: 'logs' | 'metrics'): Promise<void> {
    this.activity.begin();
    let held = 0;
    let spans: number | undefined;
    try {
      const auth = call.metadata.get('authorization')[0];
      if (!this.o.tokens.allows(typeof auth === 'string' ? auth : auth?.toString())) {
        throw new SpansiftError('UNAUTHENTICATED', 'missing or invalid bearer token in the authorization metadata');
      }
      const body = call.request;
      this.o.admission.admit(body.length);
      this.o.admission.takeBytes(body.length);
      held = body.length;
      if (signal) {
        const request = readSignalRequest(signal, body, 'protobuf');
        if (!(await this.o.signals!.request(signal, request.body, request.items))) {
          throw new SpansiftError('OVERLOADED', `the sending queue of every exporter of ${signal} is full; retry later`);
        }
        this.o.metrics?.requests.inc({ transport: 'grpc', outcome: 'success' });
        cb(null, Buffer.from(encodeExportResponse(null, 'protobuf') as Uint8Array));
        return;
      }
      const decoded = await decodeProtobufAsync(body, this.o.limits ?? DEFAULT_SPAN_LIMITS);
      if (decoded.rejected === 0 && !decoded.dropped.any) decoded.wire = body;
      spans = decoded.spans.length + decoded.rejected;
      this.report.decoded(decoded);
      const result = await this.o.pipeline.consume(decoded, 'grpc');
      const partial = result.rejected > 0 ? { rejected: result.rejected, message: result.message } : null;
      this.o.metrics?.requests.inc({ transport: 'grpc', outcome: partial ? 'partial' : 'success' });
      cb(null, Buffer.from(encodeExportResponse(partial, 'protobuf') as Uint8Array));
    } catch (e) {
      const err = toSpansiftError(e);
      this.o.metrics?.requests.inc({ transport: 'grpc', outcome: GrpcStatus[err.spec.grpc] ?? String(err.spec.grpc) });
      this.report.failed(err, spans);
      if (err.code === 'INTERNAL') this.o.log?.error({ err: e }, 'export call failed');
      const retryMs = err.retryable ? (err.retryAfterMs ?? this.o.admission.retryAfterMs) : undefined;
      const metadata = new Metadata();
      metadata.set('grpc-status-details-bin', Buffer.from(encodeStatus(err.spec.grpc, err.message, 'protobuf', retryMs) as Uint8Array));
      cb({ code: err.spec.grpc, details: err.message, metadata });
    } finally {
      if (held) this.o.admission.releaseBytes(held);
      this.activity.end();
    }
  }
}
