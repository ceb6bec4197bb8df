/**
 * OTLP/gRPC export (the `otlp` exporter) on @grpc/grpc-js: one unary Export call of the
 * signal's service with the request's protobuf bytes as they are, the configured headers as
 * metadata, compression, a deadline and TLS. TLS is on unless `tls.insecure` is set or the
 * endpoint says http://, as in the collector. Errors are read as the OTLP specification says
 * (outcome.ts); retries are the exporter's.
 */
import { Client, Metadata, credentials, type ChannelCredentials, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import type { ExporterConfig } from '../../../config/exporters.js';
import { LOGS_EXPORT_METHOD_PATH, METRICS_EXPORT_METHOD_PATH, TRACE_EXPORT_METHOD_PATH } from '../../../proto/otlp.js';
import type { Signal } from '../../model/otlp-frames.js';
import { grpcOutcome, grpcSent, type SendOutcome } from './outcome.js';
import { readTlsFiles } from './tls.js';
import type { Sender } from './sender.js';

const PATHS: Record<Signal, string> = { traces: TRACE_EXPORT_METHOD_PATH, logs: LOGS_EXPORT_METHOD_PATH, metrics: METRICS_EXPORT_METHOD_PATH };

/** grpc-js compression algorithm numbers. */
const COMPRESSION = { none: 0, '': 0, deflate: 1, gzip: 2 } as const;

const identity = (b: Buffer) => b;

export interface GrpcSenderOptions {
  id: string;
  config: ExporterConfig;
  timeoutMs: number;
}

export class GrpcSender implements Sender {
  private readonly client: Client;
  private readonly address: string;

  constructor(private readonly o: GrpcSenderOptions) {
    const c = o.config;
    const endpoint = c.endpoint ?? '';
    const scheme = /^(https?):\/\//i.exec(endpoint)?.[1]?.toLowerCase();
    this.address = endpoint.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
    const secure = scheme === 'https' || (scheme !== 'http' && !c.tls.insecure);
    let creds: ChannelCredentials = credentials.createInsecure();
    if (secure) {
      const files = readTlsFiles(o.id, c.tls);
      const verify = c.tls.insecure_skip_verify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {};
      creds = credentials.createSsl(files.ca ?? null, files.key ?? null, files.cert ?? null, verify);
    }
    const options: ChannelOptions = {
      'grpc.default_compression_algorithm': COMPRESSION[c.compression],
      'grpc.primary_user_agent': 'spansift',
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
    };
    if (c.tls.server_name_override) {
      options['grpc.ssl_target_name_override'] = c.tls.server_name_override;
      options['grpc.default_authority'] = c.tls.server_name_override;
    }
    this.client = new Client(this.address, creds, options);
  }

  target(signal: Signal): string {
    return `${this.address}${PATHS[signal]}`;
  }

  send(signal: Signal, payload: Uint8Array, abort: AbortSignal): Promise<SendOutcome> {
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(this.o.config.headers)) metadata.set(k.toLowerCase(), v);
    return new Promise<SendOutcome>((resolve) => {
      const call = this.client.makeUnaryRequest<Buffer, Buffer>(
        PATHS[signal],
        identity,
        identity,
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        metadata,
        { deadline: Date.now() + this.o.timeoutMs },
        (err: ServiceError | null, answer?: Buffer) => {
          abort.removeEventListener('abort', cancel);
          resolve(err ? grpcOutcome(err.code, err.details, err.metadata) : grpcSent(answer));
        },
      );
      const cancel = () => call.cancel();
      abort.addEventListener('abort', cancel, { once: true });
    });
  }

  close(): void {
    this.client.close();
  }
}
