/**
 * OTLP/gRPC receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export` on
 * @grpc/grpc-js. grpc-js handles compression (gzip, deflate) and the message size
 * limit; errors carry a google.rpc.Status (with RetryInfo when the client should retry)
 * in `grpc-status-details-bin`, as the OTLP spec asks.
 */
import { Metadata, Server, ServerCredentials, status as GrpcStatus, type ServerUnaryCall, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';
import { TRACE_EXPORT_METHOD_PATH } from '../../../proto/otlp.js';
import { decodeProtobuf } from './decode.js';
import { encodeExportResponse, encodeStatus } from './encode.js';
import { SpansiftError, toSpansiftError } from '../../errors.js';
import type { TokenSet } from '../../auth.js';
import type { Admission } from '../../admission.js';
import type { TracesConsumer } from '../../consumer.js';
import type { Metrics } from '../../metrics.js';
import type { Logger } from '../../log.js';

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxRecvBytes: number;
  tokens: TokenSet;
  admission: Admission;
  pipeline: TracesConsumer;
  metrics?: Metrics;
  log?: Logger;
}

const identity = (b: Buffer) => b;

/** TraceService with raw bytes in and out: decoding is ours, so its errors map to INVALID_ARGUMENT. */
export const traceService: ServiceDefinition = {
  Export: {
    path: TRACE_EXPORT_METHOD_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export class GrpcReceiver {
  private server: Server | undefined;

  constructor(private readonly o: GrpcReceiverOptions) {}

  async start(): Promise<number> {
    const server = new Server({
      'grpc.max_receive_message_length': this.o.maxRecvBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    server.addService(traceService, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => void this.export(call, cb),
    });
    const host = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${this.o.port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return port;
  }

  /** Stops taking calls and waits for those running to finish. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }

  private async export(call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>): Promise<void> {
    let reserved = 0;
    try {
      const auth = call.metadata.get('authorization')[0];
      if (!this.o.tokens.allows(typeof auth === 'string' ? auth : auth?.toString())) {
        throw new SpansiftError('UNAUTHENTICATED', 'missing or invalid bearer token in the authorization metadata');
      }
      const body = call.request;
      this.o.admission.takeBytes(body.length);
      reserved = body.length;
      const result = await this.o.pipeline.consume(decodeProtobuf(body), 'grpc');
      const partial = result.rejected > 0 ? { rejected: result.rejected, message: result.message } : null;
      this.o.metrics?.requests.inc({ transport: 'grpc', outcome: partial ? 'partial' : 'success' });
      cb(null, Buffer.from(encodeExportResponse(partial, 'protobuf') as Uint8Array));
    } catch (e) {
      const err = toSpansiftError(e);
      this.o.metrics?.requests.inc({ transport: 'grpc', outcome: GrpcStatus[err.spec.grpc] ?? String(err.spec.grpc) });
      if (err.code === 'INTERNAL') this.o.log?.error({ err: e }, 'export call failed');
      const retryMs = err.retryable ? (err.retryAfterMs ?? this.o.admission.retryAfterMs) : undefined;
      const metadata = new Metadata();
      metadata.set('grpc-status-details-bin', Buffer.from(encodeStatus(err.spec.grpc, err.message, 'protobuf', retryMs) as Uint8Array));
      cb({ code: err.spec.grpc, details: err.message, metadata });
    } finally {
      if (reserved) this.o.admission.releaseBytes(reserved);
    }
  }
}
