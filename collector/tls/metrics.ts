/** The TLS listeners' metrics, registered once on a registry that any number of listeners share. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface TlsMetrics {
  handshakeFailures: Counter<'listener' | 'reason'>;
  reloads: Counter<'listener' | 'outcome'>;
  notAfter: Gauge<'listener'>;
}

const byRegistry = new WeakMap<Registry, TlsMetrics>();

export function tlsMetrics(registry: Registry): TlsMetrics {
  let m = byRegistry.get(registry);
  if (m) return m;
  m = {
    handshakeFailures: new Counter({
      name: 'spansift_tls_handshake_failures_total',
      help: 'TLS handshakes that failed (and whose connections were dropped), by listener (otlp_http, otlp_grpc, ui) and reason.',
      labelNames: ['listener', 'reason'] as const,
      registers: [registry],
    }),
    reloads: new Counter({
      name: 'spansift_tls_certificate_reloads_total',
      help: 'Certificate files that changed and were taken (success) or could not be used, keeping the current certificate (failure), by listener.',
      labelNames: ['listener', 'outcome'] as const,
      registers: [registry],
    }),
    notAfter: new Gauge({
      name: 'spansift_tls_certificate_expiry_timestamp_seconds',
      help: 'When the certificate in use expires (its notAfter), as a Unix time, by listener.',
      labelNames: ['listener'] as const,
      registers: [registry],
    }),
  };
  byRegistry.set(registry, m);
  return m;
}
