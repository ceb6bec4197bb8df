/**
 * The OTLP trace protocol (and google.rpc.Status) as protobufjs reflection types, loaded
 * once from the .proto files in this folder. No generated code: protobufjs builds its
 * encoders and decoders from the reflection types at first use.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * The project root, found by walking up from this module. The same code runs from
 * proto/otlp.ts (tsx, vitest) and from dist/proto/otlp.js (tsc output), and the .proto
 * files are never copied into dist, so a fixed relative path would be wrong in one of them.
 */
function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`spansift: no package.json above ${start}`);
    dir = parent;
  }
}

export const PROTO_DIR = join(findProjectRoot(dirname(fileURLToPath(import.meta.url))), 'proto');

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports are written relative to the proto/ folder, as protoc's -I would see them.
  // google/protobuf/*.proto never reach here: protobufjs serves those from its bundled copies.
  root.resolvePath = (_origin: string, target: string): string => join(PROTO_DIR, target);
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/trace/v1/trace.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
      'google/rpc/status.proto',
      'google/rpc/error_details.proto',
    ],
    { keepCase: false },
  );
  return root;
}

export const otlpRoot: protobuf.Root = loadRoot();

export const ExportTraceServiceRequest: protobuf.Type = otlpRoot.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);
export const ExportTraceServiceResponse: protobuf.Type = otlpRoot.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
);
export const TracesData: protobuf.Type = otlpRoot.lookupType('opentelemetry.proto.trace.v1.TracesData');
export const ExportLogsServiceRequest: protobuf.Type = otlpRoot.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
export const ExportMetricsServiceRequest: protobuf.Type = otlpRoot.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
export const Status: protobuf.Type = otlpRoot.lookupType('google.rpc.Status');
export const RetryInfo: protobuf.Type = otlpRoot.lookupType('google.rpc.RetryInfo');
export const Any: protobuf.Type = otlpRoot.lookupType('google.protobuf.Any');

/** The full gRPC method path of OTLP trace export. */
export const TRACE_EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const LOGS_EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
export const METRICS_EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/** Any.type_url values, as gRPC and the OpenTelemetry Collector write them. */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';
