import { z } from 'zod';
import { duration, size } from './units.js';
import { redactionSchema } from './redaction.js';
import { exporterIdHint } from './collector-hints.js';

/**
 * `exporters`: where spansift forwards what it receives, in the OpenTelemetry Collector's
 * shape. An exporter's id is its type, optionally with a name after a slash (`otlphttp`,
 * `otlp/backup`): `otlphttp` sends OTLP/HTTP protobuf, `otlp` sends OTLP/gRPC. Checks that
 * depend on the type (which keys apply, the endpoint's form) are in cross-check.ts; the
 * exporters themselves are collector/exporters/.
 */

export const EXPORTER_ID = /^(otlp|otlphttp)(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;
export const SIGNALS = ['traces', 'logs', 'metrics'] as const;
export type Signal = (typeof SIGNALS)[number];

function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null || v === undefined ? {} : v), schema);
}

const tls = z.strictObject({
  /** gRPC only: plaintext instead of TLS (TLS is the default, as in the collector). otlphttp follows the URL's scheme. */
  insecure: z.boolean().default(false),
  /** Accept any server certificate (tests only: it gives up what TLS is for). */
  insecure_skip_verify: z.boolean().default(false),
  /** PEM file of the CA(s) to trust instead of the system's. */
  ca_file: z.string().min(1).optional(),
  /** PEM files of a client certificate and its key, for a server that asks for one (mTLS). */
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  /** The name the server's certificate must have, when it is not the endpoint's host. */
  server_name_override: z.string().min(1).optional(),
});

const retryOnFailure = z.strictObject({
  enabled: z.boolean().default(true),
  /** The wait before the first retry; each next one is `multiplier` times longer, up to `max_interval`. */
  initial_interval: duration().default(5000),
  /** Each wait is randomized by up to this fraction either way, so replicas do not retry in step. */
  randomization_factor: z.number().min(0).max(1).default(0.5),
  multiplier: z.number().min(1).default(1.5),
  max_interval: duration().default(30_000),
  /** A batch still failing this long after its first attempt is dropped (counted); 0: retry until it is sent. */
  max_elapsed_time: duration().default(300_000),
});

/** Smallest queue_size: the collector's default sizer counts requests, and `queue_size: 1000` must not mean 1000 bytes. */
export const MIN_QUEUE_BYTES = 1024 * 1024;

const sendingQueue = z.strictObject({
  /** Batches sent at once (each waits out its own retries). */
  num_consumers: z.number().int().min(1).max(256).default(10),
  /** Bytes the queue on disk may hold; when full, new data is dropped (counted), what is queued is kept. */
  queue_size: size()
    .default(256 * 1024 * 1024)
    .refine((n) => n >= MIN_QUEUE_BYTES, 'at least 1MiB: spansift sizes the sending queue in bytes (the collector counts requests by default)'),
  batch: section(
    z.strictObject({
      /** Largest request sent upstream (before compression); queued data is joined up to this, larger input is split. */
      max_size: size()
        .default(4 * 1024 * 1024)
        .refine((n) => n >= 1024, 'at least 1KiB'),
    }),
  ),
});

export const exporterSchema = z.strictObject({
  /**
   * otlphttp: the base URL (`https://collector:4318`); `/v1/traces`, `/v1/logs`, `/v1/metrics` are
   * appended. otlp: `host:port` (or `https://host:port`, `http://host:port` for plaintext).
   */
  endpoint: z.string().min(1).optional(),
  /** otlphttp only: a signal's full URL, instead of `endpoint` + its path. */
  traces_endpoint: z.string().url().optional(),
  logs_endpoint: z.string().url().optional(),
  metrics_endpoint: z.string().url().optional(),
  /** Sent with every request (HTTP headers, gRPC metadata), e.g. an API key. */
  headers: z.preprocess((v) => v ?? {}, z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a header name'), z.string())),
  /** `gzip` (default, as in the collector), `deflate` or `none`. */
  compression: z.enum(['gzip', 'deflate', 'none', '']).default('gzip'),
  /** One attempt's time limit. Default 30s for otlphttp, 5s for otlp, as in the collector. */
  timeout: duration().optional(),
  tls: section(tls),
  sending_queue: section(sendingQueue),
  retry_on_failure: section(retryOnFailure),
  /** What this exporter forwards: `traces` (the default), `logs`, `metrics`. */
  signals: z.array(z.enum(SIGNALS)).min(1, 'at least one signal').default(['traces']),
  /** Only spans matching this condition (the rules' language) are forwarded. */
  when: z.string().min(1, 'a condition must not be empty').optional(),
  /** Redaction of the forwarded copy only, after processors.redaction (which applies to everything). */
  redaction: redactionSchema.optional(),
});

export type ExporterConfig = z.output<typeof exporterSchema>;

export const exportersSchema = z.preprocess(
  (v) => v ?? {},
  z.record(
    z.string().superRefine((id, ctx) => {
      if (!EXPORTER_ID.test(id)) ctx.addIssue({ code: 'custom', message: exporterIdHint(id) });
    }),
    section(exporterSchema),
  ),
);

export type ExporterType = 'otlp' | 'otlphttp';

export function exporterType(id: string): ExporterType {
  return id.split('/')[0] === 'otlp' ? 'otlp' : 'otlphttp';
}

/** The collector's default timeouts: 30s for otlphttp, 5s for otlp. */
export function exporterTimeout(id: string, c: ExporterConfig): number {
  return c.timeout ?? (exporterType(id) === 'otlp' ? 5000 : 30_000);
}
