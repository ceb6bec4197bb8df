/**
 * What `spansift validate` says about keys of an OpenTelemetry Collector config that spansift
 * does not have: where each thing lives in spansift instead, so a collector user copying
 * their config learns the mapping from the error rather than from a "did you mean".
 * Patterns are dotted key paths; `*` stands for any one key (an exporter's name).
 */

const SERVICE =
  'spansift has no service section: it runs one pipeline, receivers.otlp -> processors.redaction -> storage, rules and exporters. ' +
  'service.pipelines: each exporter lists what it forwards in its `signals`; service.telemetry.logs.level: log.level; ' +
  'service.telemetry.metrics: /metrics on ui.endpoint';

const PROCESSOR_ONLY = "spansift's only processor is redaction (processors.redaction)";
const REWRITE = 'spansift does not rewrite attributes; processors.redaction deletes or masks them';
const NOT_CONFIGURABLE = 'spansift does not configure this; remove it';

const HINTS: ReadonlyArray<readonly [string, string]> = [
  ['service', SERVICE],
  ['extensions', 'spansift has no extensions: health checks are GET /healthz and /readyz on ui.endpoint, ingest tokens are receivers.otlp.auth.bearer_tokens, and sending queues are always on disk under data_dir'],
  ['connectors', 'spansift has no connectors: rules route spans into labeling queues (as the routing connector routes them into pipelines)'],
  ['receivers.*', 'spansift receives OTLP only (receivers.otlp, over HTTP and gRPC)'],
  ['receivers.otlp.http.traces_url_path', 'spansift serves the standard paths /v1/traces, /v1/logs and /v1/metrics'],
  ['receivers.otlp.http.logs_url_path', 'spansift serves the standard paths /v1/traces, /v1/logs and /v1/metrics'],
  ['receivers.otlp.http.metrics_url_path', 'spansift serves the standard paths /v1/traces, /v1/logs and /v1/metrics'],
  ['receivers.otlp.http.include_metadata', NOT_CONFIGURABLE],
  ['receivers.otlp.grpc.include_metadata', NOT_CONFIGURABLE],
  ['receivers.otlp.grpc.max_concurrent_streams', NOT_CONFIGURABLE],
  ['receivers.otlp.grpc.keepalive', NOT_CONFIGURABLE],
  ['receivers.otlp.grpc.transport', 'spansift listens on TCP'],
  ['processors.batch', 'spansift batches by itself: storage.clickhouse.batch for inserts, exporters.<name>.sending_queue.batch for forwarding'],
  ['processors.memory_limiter', 'limits.memory_limit, limits.max_inflight_bytes and limits.max_inflight_spans turn data away (429, Retry-After) before memory runs out'],
  ['processors.filter', 'spansift stores every span; rules choose what goes into a labeling queue (their `when`), and exporters.<name>.when what is forwarded'],
  ['processors.probabilistic_sampler', 'spansift stores every span; rules[].sample samples what goes into a labeling queue'],
  ['processors.tail_sampling', 'spansift stores every span; rules[].sample samples what goes into a labeling queue'],
  ['processors.attributes', REWRITE],
  ['processors.resource', REWRITE],
  ['processors.transform', REWRITE],
  ['processors.*', PROCESSOR_ONLY],
  ['processors.redaction.allow_all_keys', 'spansift keeps every key unless allowed_keys is given; remove allow_all_keys'],
  ['processors.redaction.blocked_key_patterns', 'use mask_keys, which takes globs such as "*token*" rather than regular expressions'],
  ['processors.redaction.hash_function', 'spansift replaces what it masks with `mask`; it does not hash'],
  ['processors.redaction.url_sanitizer', NOT_CONFIGURABLE],
  ['processors.redaction.db_sanitizer', NOT_CONFIGURABLE],
  ['exporters.*.encoding', 'spansift sends OTLP protobuf'],
  ['exporters.*.auth', 'put credentials in headers (e.g. authorization: Bearer ${env:TOKEN})'],
  ['exporters.*.sending_queue.enabled', "spansift's sending queue is always on"],
  ['exporters.*.sending_queue.storage', "spansift's sending queue is always on disk, under <data_dir>/exporters/<name>"],
  ['exporters.*.sending_queue.sizer', 'spansift sizes the queue in bytes (queue_size: 256MiB)'],
  ['exporters.*.sending_queue.blocking', 'a full queue never blocks ingest: new data is dropped and counted in spansift_exporter_enqueue_failed_*'],
  ['exporters.*.sending_queue.wait_for_result', 'an export is answered once its spans are stored and written to each exporter queue; see "Forwarding" in README.md'],
  ['exporters.*.tls.min_version', NOT_CONFIGURABLE],
  ['exporters.*.tls.max_version', NOT_CONFIGURABLE],
  ['exporters.*.tls.reload_interval', NOT_CONFIGURABLE],
  ['exporters.*.tls.include_system_ca_certs_pool', 'without ca_file the system CAs are trusted; with it, only ca_file'],
  ['exporters.*.*', NOT_CONFIGURABLE],
];

function matches(pattern: string, path: string[]): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i]);
}

/**
 * The hint for an unknown key at `path` (the key last), or undefined; the first matching
 * pattern wins. A pattern ending in `*` is a fallback (`processors.*`): a close spelling of a
 * known key ("did you mean") is the likelier fix, so the loader prefers that.
 */
export function collectorHint(path: readonly string[]): { hint: string; fallback: boolean } | undefined {
  const p = path.map(String);
  // receivers.otlp.protocols.<x>.<key> is read as receivers.otlp.<x>.<key>.
  const norm = p[0] === 'receivers' && p[1] === 'otlp' && p[2] === 'protocols' ? ['receivers', 'otlp', ...p.slice(3)] : p;
  const found = HINTS.find(([pattern]) => matches(pattern, norm));
  return found && { hint: found[1], fallback: found[0].endsWith('*') };
}

const EXPORTER_TYPE_HINTS: Record<string, string> = {
  clickhouse: 'spansift stores every span in ClickHouse itself (storage.clickhouse)',
  debug: 'stored spans are in the API (GET /api/v1/spans) and on the admin pages',
  logging: 'stored spans are in the API (GET /api/v1/spans) and on the admin pages',
  otlp_http: 'the collector names it otlphttp',
  otlp_grpc: 'the collector names it otlp',
  otlpgrpc: 'the collector names it otlp',
};

/** Why an exporter id is not one spansift takes. */
export function exporterIdHint(id: string): string {
  const type = id.split('/')[0];
  const why = EXPORTER_TYPE_HINTS[type];
  const kinds = 'exporters are otlp (gRPC) and otlphttp, optionally named after a slash (otlphttp/backup)';
  return why ? `${why}; ${kinds}` : `"${type}" is not an exporter spansift has; ${kinds}`;
}
