/**
 * Failed TLS handshakes, counted and told to the log without a line each: a scanner or a
 * client without the right certificate can fail thousands a second. The first failure of
 * each reason is logged at once, the rest are summed into one line per reason every 10s.
 * The connection itself is dropped by Node; nothing here can throw.
 */
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import type { TlsMetrics } from './metrics.js';
import { SummedLog, type Summed } from '../summed-log.js';

export const HANDSHAKE_LOG_INTERVAL_MS = 10_000;

interface Pending extends Summed {
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
  private readonly summed: SummedLog<Pending>;

  constructor(
    /** The listener's config key (`receivers.otlp.http.tls`), for the log. */
    private readonly key: string,
    private readonly listener: string,
    private readonly log: Logger | undefined,
    private readonly metrics: TlsMetrics | undefined,
    private readonly intervalMs = HANDSHAKE_LOG_INTERVAL_MS,
  ) {
    this.summed = new SummedLog<Pending>({
      write: (reason, p) => this.write(reason, p),
      add: (sum, e) => {
        sum.count++;
        sum.message = e.message;
        sum.client = e.client;
      },
      restart: (last) => ({ ...last, count: 0 }),
      intervalMs,
    });
  }

  failed(err: Error, socket: TLSSocket | undefined): void {
    const reason = handshakeReason(err as NodeJS.ErrnoException);
    this.metrics?.handshakeFailures.inc({ listener: this.listener, reason });
    // A client that closes before finishing (a port scan, a health check by TCP) is counted only.
    if (!this.log || reason === 'client_closed') return;
    this.summed.note(reason, { count: 1, message: err.message.slice(0, 300), client: socket?.remoteAddress ?? 'unknown' });
  }

  flush(): void {
    this.summed.flush();
  }

  close(): void {
    this.summed.close();
  }

  private write(reason: string, p: Pending): void {
    this.log!.warn({ tls: this.key, reason, count: p.count, last_error: p.message, last_client: p.client, interval_s: this.intervalMs / 1000 }, 'TLS handshakes failed; the connections were dropped');
  }
}
