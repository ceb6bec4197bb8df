/**
 * Every error a client of spansift can receive, with its stable code and how it maps
 * to HTTP and gRPC. Receivers and the API turn errors into responses only here.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isStorageTrouble } from './storage/classify.js';

export interface ErrorSpec {
  http: number;
  grpc: GrpcStatus;
  /** A client may send the same data again later and expect it to succeed. */
  retryable: boolean;
  description: string;
}

export const ERRORS = {
  BAD_REQUEST: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, retryable: false, description: 'the request body cannot be decoded' },
  UNAUTHENTICATED: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, retryable: false, description: 'missing or wrong bearer token, or no valid session' },
  FORBIDDEN: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED, retryable: false, description: 'the caller is known but may not do this (another queue, an admin route)' },
  NOT_FOUND: { http: 404, grpc: GrpcStatus.NOT_FOUND, retryable: false, description: 'no such route or resource' },
  CONFLICT: { http: 409, grpc: GrpcStatus.ABORTED, retryable: false, description: 'the resource is not in a state that allows this (an item leased to others)' },
  METHOD_NOT_ALLOWED: { http: 405, grpc: GrpcStatus.UNIMPLEMENTED, retryable: false, description: 'the route does not take this method' },
  BODY_TOO_LARGE: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED, retryable: false, description: 'the request is larger than the configured limit' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: GrpcStatus.INVALID_ARGUMENT, retryable: false, description: 'the content type or encoding is not supported' },
  OVERLOADED: { http: 429, grpc: GrpcStatus.UNAVAILABLE, retryable: true, description: 'too much data in flight; retry after the given delay' },
  RATE_LIMITED: { http: 429, grpc: GrpcStatus.RESOURCE_EXHAUSTED, retryable: true, description: 'too many attempts (sign-in); retry after the given delay' },
  STORAGE_UNAVAILABLE: { http: 503, grpc: GrpcStatus.UNAVAILABLE, retryable: true, description: 'ClickHouse failed with an error that may pass; nothing was acknowledged' },
  STORAGE_REJECTED: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, retryable: false, description: 'ClickHouse rejected the data itself; sending it again cannot succeed' },
  SHUTTING_DOWN: { http: 503, grpc: GrpcStatus.UNAVAILABLE, retryable: true, description: 'spansift is shutting down' },
  INTERNAL: { http: 500, grpc: GrpcStatus.INTERNAL, retryable: false, description: 'an unexpected error inside spansift' },
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class SpansiftError extends Error {
  readonly spec: ErrorSpec;
  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'SpansiftError';
    this.spec = ERRORS[code];
    this.retryAfterMs = opts.retryAfterMs;
  }
  readonly retryAfterMs?: number;
  get retryable(): boolean {
    return this.spec.retryable;
  }
}

/**
 * An error about one field of a request (`values.quality`, `position`, `where`): a 400
 * unless another code fits better (`NOT_FOUND` for a queue that does not exist). `extra`
 * goes into the error body beside the message (a condition's position).
 */
export class FieldError extends SpansiftError {
  constructor(
    readonly field: string,
    message: string,
    opts: { code?: ErrorCode; extra?: Record<string, unknown> } = {},
  ) {
    super(opts.code ?? 'BAD_REQUEST', message);
    this.name = 'FieldError';
    this.extra = opts.extra ?? {};
  }
  readonly extra: Record<string, unknown>;
}

/** Any thrown value as a SpansiftError; storage trouble becomes STORAGE_UNAVAILABLE, other unknown errors INTERNAL. */
export function toSpansiftError(e: unknown): SpansiftError {
  if (e instanceof SpansiftError) return e;
  if (isStorageTrouble(e)) {
    const detail = e instanceof Error ? e.message.split('\n')[0].slice(0, 200) : String(e);
    return new SpansiftError('STORAGE_UNAVAILABLE', `storage is unavailable: ${detail}`, { cause: e, retryAfterMs: 1000 });
  }
  if (e && typeof e === 'object' && (e as { code?: unknown }).code === 'DECODE_ERROR') {
    return new SpansiftError('BAD_REQUEST', (e as Error).message, { cause: e });
  }
  return new SpansiftError('INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
}

/** `Retry-After` takes whole seconds; never advertise 0, which invites an instant retry storm. */
export function retryAfterSeconds(ms: number | undefined): string {
  return String(Math.max(1, Math.ceil((ms ?? 1000) / 1000)));
}
