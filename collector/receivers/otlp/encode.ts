/**
 * OTLP trace export responses and google.rpc.Status error bodies, in the two encodings of
 * OTLP/HTTP (the gRPC receiver uses the protobuf forms). JSON is written by hand because it
 * is tiny and its shape is fixed by the OTLP spec (int64 as a string, zero values omitted).
 */
import { Any, ExportTraceServiceResponse, RETRY_INFO_TYPE_URL, RetryInfo, Status } from '../../../proto/otlp.js';

export type WireFormat = 'protobuf' | 'json';

export interface PartialSuccess {
  rejected: number;
  message: string;
}

/**
 * The ExportTraceServiceResponse. `partial` null (or nothing rejected and no message) means
 * full success, which the spec encodes with partial_success unset: empty bytes, or `{}`.
 * A message with zero rejected spans is kept: the spec uses that form for warnings.
 */
export function encodeExportResponse(partial: PartialSuccess | null, format: 'protobuf'): Uint8Array;
export function encodeExportResponse(partial: PartialSuccess | null, format: 'json'): string;
export function encodeExportResponse(partial: PartialSuccess | null, format: WireFormat): Uint8Array | string;
export function encodeExportResponse(partial: PartialSuccess | null, format: WireFormat): Uint8Array | string {
  const empty = partial === null || (partial.rejected === 0 && partial.message === '');
  if (format === 'json') {
    if (empty) return '{}';
    return JSON.stringify({
      partialSuccess: { rejectedSpans: String(partial.rejected), errorMessage: partial.message },
    });
  }
  if (empty) return new Uint8Array(0);
  return ExportTraceServiceResponse.encode({
    partialSuccess: { rejectedSpans: partial.rejected, errorMessage: partial.message },
  }).finish();
}

/**
 * A google.rpc.Status body: `code` is a gRPC status code (e.g. 3 INVALID_ARGUMENT, 8
 * RESOURCE_EXHAUSTED, 14 UNAVAILABLE). With `retryDelayMs`, a google.rpc.RetryInfo detail
 * tells OTLP exporters how long to back off, which they honour before their own schedule.
 */
export function encodeStatus(code: number, message: string, format: 'protobuf', retryDelayMs?: number): Uint8Array;
export function encodeStatus(code: number, message: string, format: 'json', retryDelayMs?: number): string;
export function encodeStatus(code: number, message: string, format: WireFormat, retryDelayMs?: number): Uint8Array | string;
export function encodeStatus(code: number, message: string, format: WireFormat, retryDelayMs?: number): Uint8Array | string {
  const delay = retryDelayMs === undefined ? null : toDuration(retryDelayMs);
  if (format === 'json') {
    const body: { code: number; message: string; details?: { '@type': string; retryDelay: string }[] } = { code, message };
    if (delay !== null) body.details = [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: durationJson(delay) }];
    return JSON.stringify(body);
  }
  // protobufjs's bundled any.proto keeps the proto field name `type_url` (it is not camel-cased).
  const details =
    delay === null
      ? []
      : [Any.create({ type_url: RETRY_INFO_TYPE_URL, value: RetryInfo.encode({ retryDelay: delay }).finish() })];
  return Status.encode({ code, message, details }).finish();
}

interface Duration {
  seconds: number;
  nanos: number;
}

function toDuration(ms: number): Duration {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  let seconds = Math.floor(safe / 1000);
  let nanos = Math.round((safe - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return { seconds, nanos };
}

/** google.protobuf.Duration in JSON: seconds with 0, 3, 6 or 9 fractional digits, then "s". */
function durationJson(d: Duration): string {
  if (d.nanos === 0) return `${d.seconds}s`;
  const digits = d.nanos % 1e6 === 0 ? 3 : d.nanos % 1e3 === 0 ? 6 : 9;
  const frac = String(d.nanos).padStart(9, '0').slice(0, digits);
  return `${d.seconds}.${frac}s`;
}
