import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { ExportTraceServiceResponse, RETRY_INFO_TYPE_URL, RetryInfo, Status } from '../../../proto/otlp.js';
import { encodeExportResponse, encodeStatus } from './encode.js';

describe('encodeExportResponse', () => {
  it('encodes full success as an empty message', () => {
    expect(encodeExportResponse(null, 'protobuf')).toStrictEqual(new Uint8Array(0));
    expect(encodeExportResponse({ rejected: 0, message: '' }, 'protobuf')).toHaveLength(0);
    expect(encodeExportResponse(null, 'json')).toBe('{}');
    expect(encodeExportResponse({ rejected: 0, message: '' }, 'json')).toBe('{}');
  });

  it('encodes a partial success that protobufjs and the OpenTelemetry exporters read back', () => {
    const partial = { rejected: 3, message: 'trace_id must be 16 bytes, got 3 (3 spans)' };
    const pb = encodeExportResponse(partial, 'protobuf');
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(pb), { longs: Number });
    expect(decoded).toStrictEqual({ partialSuccess: { rejectedSpans: 3, errorMessage: partial.message } });
    expect(ProtobufTraceSerializer.deserializeResponse(pb).partialSuccess).toMatchObject({ errorMessage: partial.message });

    const json = encodeExportResponse(partial, 'json');
    expect(json).toBe('{"partialSuccess":{"rejectedSpans":"3","errorMessage":"trace_id must be 16 bytes, got 3 (3 spans)"}}');
    expect(JsonTraceSerializer.deserializeResponse(new TextEncoder().encode(json))).toStrictEqual(JSON.parse(json));
  });

  it('keeps a warning message with zero rejected spans', () => {
    const json = encodeExportResponse({ rejected: 0, message: 'slow down' }, 'json');
    expect(JSON.parse(json)).toStrictEqual({ partialSuccess: { rejectedSpans: '0', errorMessage: 'slow down' } });
  });
});

describe('encodeStatus', () => {
  it('encodes google.rpc.Status without details', () => {
    const pb = encodeStatus(3, 'invalid protobuf', 'protobuf');
    expect(Status.toObject(Status.decode(pb), { defaults: true })).toStrictEqual({ code: 3, message: 'invalid protobuf', details: [] });
    expect(encodeStatus(3, 'bad "input"', 'json')).toBe('{"code":3,"message":"bad \\"input\\""}');
  });

  it('packs a RetryInfo into Any when a retry delay is given', () => {
    const status = Status.decode(encodeStatus(14, 'busy', 'protobuf', 1500)) as unknown as {
      code: number;
      message: string;
      details: { type_url: string; value: Uint8Array }[];
    };
    expect(status.code).toBe(14);
    expect(status.message).toBe('busy');
    expect(status.details).toHaveLength(1);
    expect(status.details[0].type_url).toBe(RETRY_INFO_TYPE_URL);
    const retry = RetryInfo.toObject(RetryInfo.decode(status.details[0].value), { longs: Number });
    expect(retry).toStrictEqual({ retryDelay: { seconds: 1, nanos: 500_000_000 } });
  });

  it('writes the retry delay as a protobuf JSON Duration', () => {
    const body = (ms: number) => JSON.parse(encodeStatus(8, 'slow down', 'json', ms));
    expect(body(1500)).toStrictEqual({
      code: 8,
      message: 'slow down',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.500s' }],
    });
    expect(body(30_000).details[0].retryDelay).toBe('30s');
    expect(body(0.25).details[0].retryDelay).toBe('0.000250s');
    expect(body(-5).details[0].retryDelay).toBe('0s');
  });
});
