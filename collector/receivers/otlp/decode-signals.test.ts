import { describe, expect, it } from 'vitest';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest } from '../../../proto/otlp.js';
import { LOG_SPAN_ID, LOG_TRACE_ID, logsRequest, metricsRequest } from '../../../tests/support/signals.js';
import { countItems, topLevelRecords } from '../../model/otlp-frames.js';
import { readSignalRequest } from './decode-signals.js';
import { DecodeError } from './decode-error.js';

const logsObject = (body: Uint8Array) => ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), { longs: String, bytes: String }) as Record<string, unknown>;
const metricsObject = (body: Uint8Array) => ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), { longs: String, bytes: String }) as Record<string, unknown>;

describe('logs and metrics requests', () => {
  it('pass protobuf logs untouched and count their records', () => {
    const body = logsRequest(5, 'protobuf');
    const read = readSignalRequest('logs', body, 'protobuf');
    expect(read.body).toBe(body);
    expect(read.items).toBe(5);
  });

  it('read OTLP JSON logs into the protobuf the SDK writes for the same records', () => {
    const json = logsRequest(3, 'json');
    const read = readSignalRequest('logs', json, 'json');
    expect(read.items).toBe(3);
    const fromJson = logsObject(read.body) as { resourceLogs: { scopeLogs: { logRecords: { traceId?: string; spanId?: string; body: unknown }[] }[] }[] };
    const record = fromJson.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(Buffer.from(record.traceId!, 'base64').toString('hex')).toBe(LOG_TRACE_ID);
    expect(Buffer.from(record.spanId!, 'base64').toString('hex')).toBe(LOG_SPAN_ID);
    // The SDK's own protobuf for records of the same content decodes to the same messages
    // (times differ between the two recordings, so they are left out).
    const strip = (o: unknown): unknown => JSON.parse(JSON.stringify(o, (k, v) => (/timeunixnano$/i.test(k) ? undefined : v)));
    expect(strip(fromJson)).toEqual(strip(logsObject(logsRequest(3, 'protobuf'))));
  });

  it('count metric data points of every kind, from protobuf and from JSON alike', async () => {
    const proto = await metricsRequest(4, 'protobuf');
    expect(readSignalRequest('metrics', proto, 'protobuf').items).toBe(12);
    const json = readSignalRequest('metrics', await metricsRequest(4, 'json'), 'json');
    expect(json.items).toBe(12);
    const strip = (o: unknown): unknown => JSON.parse(JSON.stringify(o, (k, v) => (/timeunixnano$/i.test(k) ? undefined : v)));
    expect(strip(metricsObject(json.body))).toEqual(strip(metricsObject(proto)));
  });

  it('refuse bodies that are not OTLP, naming why', () => {
    const body = logsRequest(2, 'protobuf');
    expect(() => readSignalRequest('logs', body.subarray(0, body.length - 3), 'protobuf')).toThrow(DecodeError);
    expect(() => readSignalRequest('logs', new TextEncoder().encode('{"resourceLogs": ['), 'json')).toThrow(/not valid JSON/);
    expect(() => readSignalRequest('logs', new TextEncoder().encode('[1]'), 'json')).toThrow(/JSON object/);
    expect(() => readSignalRequest('logs', new TextEncoder().encode('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]}'), 'json')).toThrow(/traceId "xyz" is not hex/);
    expect(() => readSignalRequest('metrics', new TextEncoder().encode('{"resourceMetrics":"no"}'), 'json')).toThrow(/does not fit OTLP/);
  });

  it('split a request between its top-level records, each a request of its own', () => {
    const a = logsRequest(2, 'protobuf');
    const b = logsRequest(3, 'protobuf');
    const joined = Buffer.concat([a, b]);
    expect(countItems('logs', joined)).toBe(5);
    const parts = topLevelRecords(joined);
    expect(parts.map((p) => countItems('logs', p))).toEqual([2, 3]);
    expect(Buffer.concat(parts).equals(joined)).toBe(true);
  });
});
