/**
 * OTLP trace request decoding, the entry point for the receivers. Both wire formats produce
 * the same collector/span.ts objects; see decode-protobuf.ts and decode-json.ts.
 *
 * Throws DecodeError when the body cannot be read at all (the whole request gets a 400 /
 * INVALID_ARGUMENT). Spans with invalid ids are not an error: they are left out of `spans`
 * and counted in `rejected` / `rejectReason`, for an OTLP partial success response.
 */
export { decodeProtobuf, decodeProtobufAsync } from './decode-protobuf.js';
export { decodeJson } from './decode-json.js';
export { DecodeError, isDecodeError } from './decode-error.js';
export type { DecodedExport } from '../../model/span.js';
export type { DecodedRequest } from './decode-shared.js';
export { DEFAULT_SPAN_LIMITS, type SpanLimits } from './limits.js';
