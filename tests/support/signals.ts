/**
 * Real OTLP logs and metrics, recorded by the OpenTelemetry JS SDK and serialized by the
 * same otlp-transformer code its OTLP log and metric exporters use (protobuf and JSON).
 */
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

export const LOG_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const LOG_SPAN_ID = '00f067aa0ba902b7';

/** `n` log records (the first tied to a span), serialized as an OTLP log exporter sends them. */
export function logsRequest(n: number, format: 'protobuf' | 'json', text = 'hello'): Uint8Array {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('app.logs', '1.0.0');
  const spanContext = trace.setSpanContext(ROOT_CONTEXT, { traceId: LOG_TRACE_ID, spanId: LOG_SPAN_ID, traceFlags: TraceFlags.SAMPLED });
  for (let i = 0; i < n; i++) {
    logger.emit({ body: `${text} ${i}`, severityNumber: 9, severityText: 'INFO', attributes: { i, 'user.id': `u${i}` }, context: i === 0 ? spanContext : ROOT_CONTEXT });
  }
  const records = exporter.getFinishedLogRecords();
  const body = (format === 'json' ? JsonLogsSerializer : ProtobufLogsSerializer).serializeRequest(records);
  if (!body) throw new Error('no logs body');
  return body;
}

/** A counter, a gauge and a histogram with `points` attribute sets each: 3 x points data points. */
export async function metricsRequest(points: number, format: 'protobuf' | 'json'): Promise<Uint8Array> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout' }), readers: [reader] });
  const meter = provider.getMeter('app.metrics', '1.0.0');
  const counter = meter.createCounter('requests');
  const gauge = meter.createGauge('queue.depth');
  const histogram = meter.createHistogram('latency', { unit: 'ms' });
  for (let i = 0; i < points; i++) {
    counter.add(i + 1, { route: `/r${i}` });
    gauge.record(i * 2, { route: `/r${i}` });
    histogram.record(i * 10 + 5, { route: `/r${i}` });
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const body = (format === 'json' ? JsonMetricsSerializer : ProtobufMetricsSerializer).serializeRequest(resourceMetrics);
  if (!body) throw new Error('no metrics body');
  return body;
}
