/**
 * Span kind and status code names as the OpenTelemetry Collector writes them
 * (`ptrace.SpanKind.String()`, `ptrace.StatusCode.String()`): the form stored in
 * `otel_traces` and compared against in conditions compiled to SQL.
 */

/** Indexed by OTLP Span.SpanKind number. */
export const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
/** Indexed by OTLP Status.StatusCode number. */
export const STATUS_CODE_NAMES = ['Unset', 'Ok', 'Error'];
