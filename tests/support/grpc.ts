/** A raw OTLP/gRPC client, for calls a real exporter never makes (bad bodies, no token). */
import { credentials, makeGenericClientConstructor, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { traceService } from '../../collector/receivers/otlp/grpc.js';

const Client = makeGenericClientConstructor(traceService, 'TraceService');

export interface GrpcReply {
  code: number;
  details?: string;
  error: ServiceError | null;
}

/** Calls TraceService/Export on `grpcUrl` (http://host:port) with raw request bytes. */
export function grpcExport(grpcUrl: string, body: Uint8Array, opts: { token?: string; channel?: Record<string, unknown> } = {}): Promise<GrpcReply> {
  const client = new Client(grpcUrl.replace('http://', ''), credentials.createInsecure(), opts.channel ?? {});
  const md = new Metadata();
  if (opts.token) md.set('authorization', `Bearer ${opts.token}`);
  return new Promise((resolve) => {
    (client as unknown as { Export: (b: Buffer, m: Metadata, cb: (e: ServiceError | null) => void) => void }).Export(Buffer.from(body), md, (err) => {
      client.close();
      resolve({ code: err ? err.code : GrpcStatus.OK, details: err?.details, error: err });
    });
  });
}
