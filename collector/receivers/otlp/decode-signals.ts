/**
 * OTLP logs and metrics requests, which spansift forwards and does not store: a protobuf
 * body is checked for sound framing and its items counted, and goes on untouched; an OTLP
 * JSON body is read into the protobuf messages of proto/ and goes on as protobuf.
 *
 * OTLP JSON differs from protobuf's own JSON mapping in that trace and span ids are hex,
 * not base64; those fields are converted before protobufjs reads the object.
 */
import type protobuf from 'protobufjs';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest } from '../../../proto/otlp.js';
import { countItems, FrameError } from '../../model/otlp-frames.js';
import { DecodeError } from './decode-error.js';

export type PassSignal = 'logs' | 'metrics';

export interface SignalRequest {
  /** The request as protobuf. */
  body: Uint8Array;
  /** Log records or metric data points in it. */
  items: number;
}

const TYPES: Record<PassSignal, protobuf.Type> = { logs: ExportLogsServiceRequest, metrics: ExportMetricsServiceRequest };

export function readSignalRequest(signal: PassSignal, body: Uint8Array, format: 'protobuf' | 'json'): SignalRequest {
  const protobufBody = format === 'json' ? fromJson(signal, body) : body;
  try {
    return { body: protobufBody, items: countItems(signal, protobufBody) };
  } catch (e) {
    if (e instanceof FrameError) throw new DecodeError(`the ${signal} request is not valid protobuf: ${e.message}`);
    throw e;
  }
}

function fromJson(signal: PassSignal, body: Uint8Array): Uint8Array {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new DecodeError(`the ${signal} request is not valid JSON: ${(e as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DecodeError(`the ${signal} request must be a JSON object`);
  try {
    hexIdsToBase64(value, 0);
    const type = TYPES[signal];
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`the ${signal} request does not fit OTLP: ${(e as Error).message}`);
  }
}

const ID_KEYS = new Set(['traceId', 'spanId', 'trace_id', 'span_id']);
const MAX_DEPTH = 64;

/** Every trace and span id of the request (log records, exemplars) from hex to base64. */
function hexIdsToBase64(v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new DecodeError(`the request is nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(v)) {
    for (const item of v) if (item && typeof item === 'object') hexIdsToBase64(item, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const x = o[key];
    if (ID_KEYS.has(key) && typeof x === 'string') {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(x)) throw new DecodeError(`${key} "${x.slice(0, 40)}" is not hex`);
      o[key] = Buffer.from(x, 'hex').toString('base64');
    } else if (x && typeof x === 'object') hexIdsToBase64(x, depth + 1);
  }
}
