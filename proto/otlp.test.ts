import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest, PROTO_DIR, RetryInfo, Status, TRACE_EXPORT_METHOD_PATH, TracesData, otlpRoot } from './otlp.js';

/** Field numbers fixed by the OTLP and googleapis specs; a typo here would break every exporter. */
const EXPECTED: Record<string, Record<string, [number, string]>> = {
  'opentelemetry.proto.common.v1.AnyValue': {
    stringValue: [1, 'string'], boolValue: [2, 'bool'], intValue: [3, 'int64'], doubleValue: [4, 'double'],
    arrayValue: [5, 'ArrayValue'], kvlistValue: [6, 'KeyValueList'], bytesValue: [7, 'bytes'],
  },
  'opentelemetry.proto.common.v1.KeyValue': { key: [1, 'string'], value: [2, 'AnyValue'] },
  'opentelemetry.proto.common.v1.InstrumentationScope': {
    name: [1, 'string'], version: [2, 'string'], attributes: [3, 'KeyValue'], droppedAttributesCount: [4, 'uint32'],
  },
  'opentelemetry.proto.resource.v1.Resource': { attributes: [1, 'opentelemetry.proto.common.v1.KeyValue'], droppedAttributesCount: [2, 'uint32'] },
  'opentelemetry.proto.trace.v1.ResourceSpans': {
    resource: [1, 'opentelemetry.proto.resource.v1.Resource'], scopeSpans: [2, 'ScopeSpans'], schemaUrl: [3, 'string'],
  },
  'opentelemetry.proto.trace.v1.ScopeSpans': {
    scope: [1, 'opentelemetry.proto.common.v1.InstrumentationScope'], spans: [2, 'Span'], schemaUrl: [3, 'string'],
  },
  'opentelemetry.proto.trace.v1.Span': {
    traceId: [1, 'bytes'], spanId: [2, 'bytes'], traceState: [3, 'string'], parentSpanId: [4, 'bytes'], flags: [16, 'fixed32'],
    name: [5, 'string'], kind: [6, 'SpanKind'], startTimeUnixNano: [7, 'fixed64'], endTimeUnixNano: [8, 'fixed64'],
    attributes: [9, 'opentelemetry.proto.common.v1.KeyValue'], droppedAttributesCount: [10, 'uint32'], events: [11, 'Event'],
    droppedEventsCount: [12, 'uint32'], links: [13, 'Link'], droppedLinksCount: [14, 'uint32'], status: [15, 'Status'],
  },
  'opentelemetry.proto.trace.v1.Span.Event': {
    timeUnixNano: [1, 'fixed64'], name: [2, 'string'], attributes: [3, 'opentelemetry.proto.common.v1.KeyValue'], droppedAttributesCount: [4, 'uint32'],
  },
  'opentelemetry.proto.trace.v1.Span.Link': {
    traceId: [1, 'bytes'], spanId: [2, 'bytes'], traceState: [3, 'string'], attributes: [4, 'opentelemetry.proto.common.v1.KeyValue'],
    droppedAttributesCount: [5, 'uint32'], flags: [6, 'fixed32'],
  },
  'opentelemetry.proto.trace.v1.Status': { message: [2, 'string'], code: [3, 'StatusCode'] },
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest': { resourceSpans: [1, 'opentelemetry.proto.trace.v1.ResourceSpans'] },
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse': { partialSuccess: [1, 'ExportTracePartialSuccess'] },
  'opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess': { rejectedSpans: [1, 'int64'], errorMessage: [2, 'string'] },
  'google.rpc.Status': { code: [1, 'int32'], message: [2, 'string'], details: [3, 'google.protobuf.Any'] },
  'google.rpc.RetryInfo': { retryDelay: [1, 'google.protobuf.Duration'] },
};

describe('proto/otlp', () => {
  it('finds the .proto files from the project root', () => {
    expect(existsSync(join(PROTO_DIR, 'opentelemetry/proto/trace/v1/trace.proto'))).toBe(true);
  });

  it.each(Object.entries(EXPECTED))('%s has the upstream field names, numbers and types', (name, fields) => {
    const type = otlpRoot.lookupType(name);
    const actual = Object.fromEntries(Object.values(type.fields).map((f) => [f.name, [f.id, f.type]]));
    expect(actual).toStrictEqual(fields);
  });

  it('has the upstream enums and the reserved Status field', () => {
    expect({ ...otlpRoot.lookupEnum('opentelemetry.proto.trace.v1.Span.SpanKind').values }).toStrictEqual({
      SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5,
    });
    expect({ ...otlpRoot.lookupEnum('opentelemetry.proto.trace.v1.Status.StatusCode').values }).toStrictEqual({
      STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2,
    });
    expect(otlpRoot.lookupType('opentelemetry.proto.trace.v1.Status').reserved).toStrictEqual([[1, 1]]);
    expect(otlpRoot.lookupType('opentelemetry.proto.common.v1.AnyValue').oneofs.value.oneof).toHaveLength(7);
  });

  it('exports the message types and the gRPC method path', () => {
    const method = otlpRoot.lookupService('opentelemetry.proto.collector.trace.v1.TraceService').methods.Export;
    expect(method.requestType).toBe('ExportTraceServiceRequest');
    expect(method.responseType).toBe('ExportTraceServiceResponse');
    expect(TRACE_EXPORT_METHOD_PATH).toBe('/opentelemetry.proto.collector.trace.v1.TraceService/Export');
    expect(Status.fullName).toBe('.google.rpc.Status');
    expect(RetryInfo.fullName).toBe('.google.rpc.RetryInfo');
    // TracesData and ExportTraceServiceRequest are the same bytes on the wire.
    const msg = { resourceSpans: [{ schemaUrl: 'x' }] };
    expect(TracesData.encode(TracesData.fromObject(msg)).finish()).toStrictEqual(
      ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(msg)).finish(),
    );
  });
});
