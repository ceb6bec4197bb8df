/**
 * What one OTLP export attempt came to, and the OTLP specification's rules for telling a
 * retryable failure from a permanent one:
 * - HTTP: 429, 502, 503 and 504 are retryable, with the delay of `Retry-After` (seconds or
 *   an HTTP date) when given; any other status is permanent. A failure of the connection
 *   itself (refused, reset, a timeout, TLS) is retryable, as in the collector's exporters.
 * - gRPC: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are
 *   retryable; RESOURCE_EXHAUSTED only when the server sent a RetryInfo (it can recover);
 *   every other code is permanent. A RetryInfo's delay is the wait before the next attempt.
 */
import { status as GrpcStatus, type Metadata } from '@grpc/grpc-js';
import { ExportTraceServiceResponse, RETRY_INFO_TYPE_URL, RetryInfo, Status } from '../../../proto/otlp.js';

export type SendOutcome =
  | { kind: 'sent'; /** Items the receiver refused in partial_success (not sent again). */ rejected: number; message: string }
  | { kind: 'retryable'; reason: string; /** The receiver's own wait (Retry-After, RetryInfo). */ delayMs?: number }
  | { kind: 'permanent'; reason: string };

const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);

const RETRYABLE_GRPC = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** An HTTP answer: `body` is what was read of it (capped by the sender). */
export function httpOutcome(status: number, retryAfter: string | undefined, contentType: string, body: Uint8Array, now = Date.now()): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'sent', ...partialSuccess(body, contentType) };
  const reason = `HTTP ${status}${errorText(body, contentType)}`;
  if (RETRYABLE_HTTP.has(status)) return { kind: 'retryable', reason, delayMs: parseRetryAfter(retryAfter, now) };
  return { kind: 'permanent', reason };
}

/** A gRPC error (a ServiceError from @grpc/grpc-js). */
export function grpcOutcome(code: number, details: string, metadata: Metadata | undefined): SendOutcome {
  const name = GrpcStatus[code] ?? String(code);
  const reason = `gRPC ${name}${details ? `: ${details}` : ''}`;
  const delayMs = metadata ? retryInfoDelay(metadata) : undefined;
  if (RETRYABLE_GRPC.has(code) || (code === GrpcStatus.RESOURCE_EXHAUSTED && delayMs !== undefined)) return { kind: 'retryable', reason, delayMs };
  return { kind: 'permanent', reason };
}

/** A gRPC success: the response message's partial_success, when the server sent one. */
export function grpcSent(body: Uint8Array | undefined): SendOutcome {
  return { kind: 'sent', ...partialSuccess(body ?? new Uint8Array(0), 'application/x-protobuf') };
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The partial_success of an export response. Traces, logs and metrics responses share its
 * wire layout (field 1: a message of an int64 count and a string), so one type reads all three.
 */
function partialSuccess(body: Uint8Array, contentType: string): { rejected: number; message: string } {
  if (body.length === 0) return { rejected: 0, message: '' };
  try {
    if (contentType.includes('json')) {
      const p = (JSON.parse(Buffer.from(body).toString('utf8')) as { partialSuccess?: Record<string, unknown> }).partialSuccess ?? {};
      const count = Object.entries(p).find(([k]) => k.startsWith('rejected'))?.[1];
      return { rejected: Number(count ?? 0) || 0, message: typeof p.errorMessage === 'string' ? p.errorMessage : '' };
    }
    const r = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), { longs: Number }) as { partialSuccess?: { rejectedSpans?: number; errorMessage?: string } };
    return { rejected: r.partialSuccess?.rejectedSpans ?? 0, message: r.partialSuccess?.errorMessage ?? '' };
  } catch {
    // A success is a success even when its body cannot be read.
    return { rejected: 0, message: '' };
  }
}

/** The message of an error body (a google.rpc.Status, or text), for the log. */
function errorText(body: Uint8Array, contentType: string): string {
  if (body.length === 0) return '';
  let text = '';
  try {
    if (contentType.includes('protobuf')) text = (Status.decode(body) as unknown as { message: string }).message;
    else if (contentType.includes('json')) text = String((JSON.parse(Buffer.from(body).toString('utf8')) as { message?: unknown }).message ?? '');
    else text = Buffer.from(body).toString('utf8');
  } catch {
    text = '';
  }
  text = text.replace(/\s+/g, ' ').trim().slice(0, 300);
  return text ? `: ${text}` : '';
}

function retryInfoDelay(metadata: Metadata): number | undefined {
  const raw = metadata.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  try {
    const status = Status.decode(raw) as unknown as { details?: { type_url?: string; typeUrl?: string; value: Uint8Array }[] };
    for (const d of status.details ?? []) {
      if ((d.type_url ?? d.typeUrl) !== RETRY_INFO_TYPE_URL) continue;
      const info = RetryInfo.toObject(RetryInfo.decode(d.value), { longs: Number }) as { retryDelay?: { seconds?: number; nanos?: number } };
      return (info.retryDelay?.seconds ?? 0) * 1000 + Math.round((info.retryDelay?.nanos ?? 0) / 1e6);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
