/**
 * Failed TLS handshakes, counted and told to the log without a line each: a scanner or a
 * client without the right certificate can fail thousands a second. The first failure of
 * each reason is logged at once, the rest are summed into one line per reason every 10s.
 * The connection itself is dropped by Node; nothing here can throw.
 */
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import type { TlsMetrics } from './metrics.js';

export const HANDSHAKE_LOG_INTERVAL_MS = 10_000;

interface Pending {
  count: number;
  message: string;
  client: string;
}

/** A short, stable reason for the metric label: the OpenSSL or Node error code when there is one. */
export function handshakeReason(err: NodeJS.ErrnoException & { reason?: string }): string {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'client_closed';
  if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (err.code === 'ERR_SSL_HTTP_REQUEST') return 'plain_http';
  if (err.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return 'no_client_certificate';
  return (err.code ?? 'other').replace(/^ERR_SSL_/, '').toLowerCase();
}

export class HandshakeLog {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** The listener's config key (`receivers.otlp.http.tls`), for the log. */
    private readonly key: string,
    private readonly listener: string,
    private readonly log: Logger | undefined,
    private readonly metrics: TlsMetrics | undefined,
    private readonly intervalMs = HANDSHAKE_LOG_INTERVAL_MS,
  ) {}

  failed(err: Error, socket: TLSSocket | undefined): void {
    const reason = handshakeReason(err as NodeJS.ErrnoException);
    this.metrics?.handshakeFailures.inc({ listener: this.listener, reason });
    // A client that closes before finishing (a port scan, a health check by TCP) is counted only.
    if (!this.log || reason === 'client_closed') return;
    const client = socket?.remoteAddress ?? 'unknown';
    const message = err.message.slice(0, 300);
    const p = this.pending.get(reason);
    if (p) {
      p.count++;
      p.message = message;
      p.client = client;
      return;
    }
    this.write(reason, { count: 1, message, client });
    this.pending.set(reason, { count: 0, message, client });
    this.timer ??= setInterval(() => this.flush(), this.intervalMs).unref();
  }

  flush(): void {
    for (const [reason, p] of this.pending) {
      if (p.count === 0) this.pending.delete(reason);
      else {
        this.write(reason, p);
        p.count = 0;
      }
    }
    if (this.pending.size === 0) this.stop();
  }

  close(): void {
    this.flush();
    this.pending.clear();
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private write(reason: string, p: Pending): void {
    this.log!.warn({ tls: this.key, reason, count: p.count, last_error: p.message, last_client: p.client, interval_s: this.intervalMs / 1000 }, 'TLS handshakes failed; the connections were dropped');
  }
}
