/**
 * TLS of the listeners a config turns on: the OTLP receivers and the UI endpoint. Each
 * watches its own files; `close` stops the watching once the servers are closed.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { ServerTlsConfig } from '../config/tls.js';
import type { Logger } from '../collector/log.js';
import { ServerTls } from '../collector/tls/server-tls.js';

export class ListenerTls {
  readonly http: ServerTls | undefined;
  readonly grpc: ServerTls | undefined;
  readonly ui: ServerTls | undefined;

  /** Reads every certificate file; throws TlsFilesError (naming the key and the file) when one cannot be used. */
  constructor(config: Config, log: Logger, registry: Registry) {
    const otlp = config.receivers.otlp;
    const make = (tls: ServerTlsConfig | undefined, listener: string, key: string, handshakeTimeoutMs?: number) =>
      tls ? new ServerTls(tls, { listener, key, log, registry, handshakeTimeoutMs }) : undefined;
    this.http = otlp.http.enabled ? make(otlp.http.tls, 'otlp_http', 'receivers.otlp.http.tls', otlp.http.read_timeout) : undefined;
    this.grpc = otlp.grpc.enabled ? make(otlp.grpc.tls, 'otlp_grpc', 'receivers.otlp.grpc.tls') : undefined;
    this.ui = make(config.ui.tls, 'ui', 'ui.tls');
  }

  close(): void {
    for (const t of [this.http, this.grpc, this.ui]) t?.close();
  }
}
