/**
 * The exporters, processors and collector-shaped keys in config: a collector user's config
 * gets a note or a hint for each key spansift spells differently or does not have.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatProblem, loadConfigFile, notesOf } from './load.js';
import { exporterTimeout } from './exporters.js';

const data = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

function problems(name: string): string[] {
  try {
    loadConfigFile(data(name), {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => formatProblem({ ...p, file: name }));
  }
  throw new Error(`${name} was accepted`);
}

describe('exporters and processors in config', () => {
  it('reads the collector shape of receivers, exporters and redaction, with defaults', () => {
    const c = loadConfigFile(data('forwarding.yaml'), { UPSTREAM_TOKEN: 't0k' });
    expect(c.receivers.otlp.http.endpoint).toBe('127.0.0.1:4318');
    expect(c.receivers.otlp.grpc.endpoint).toBe('127.0.0.1:4317');
    expect(notesOf(c).map((n) => `${n.line}: ${n.path}: ${n.message}`)).toEqual([
      `4: receivers.otlp.protocols.http: read as receivers.otlp.http: the collector's receivers.otlp.protocols.http, spelled the spansift way without "protocols"`,
    ]);
    expect(c.processors.redaction).toMatchObject({ mask_keys: ['*token*', '*password*'], mask_values: ['email', 'credit_card'], mask: '****', ignored_keys: [] });
    const http = c.exporters.otlphttp;
    expect(http).toMatchObject({
      endpoint: 'https://collector.example.com:4318',
      headers: { authorization: 'Bearer t0k' },
      compression: 'gzip',
      signals: ['traces', 'logs', 'metrics'],
      sending_queue: { num_consumers: 10, queue_size: 256 * 1024 * 1024, batch: { max_size: 4 * 1024 * 1024 } },
      retry_on_failure: { enabled: true, initial_interval: 5000, max_interval: 30_000, max_elapsed_time: 300_000, multiplier: 1.5, randomization_factor: 0.5 },
      tls: { insecure: false, insecure_skip_verify: false },
    });
    expect(exporterTimeout('otlphttp', http)).toBe(30_000);
    const grpc = c.exporters['otlp/errors'];
    expect(grpc).toMatchObject({ endpoint: 'collector:4317', compression: 'none', signals: ['traces'], tls: { insecure: true }, when: 'status.code == STATUS_CODE_ERROR' });
    expect(grpc.sending_queue.queue_size).toBe(64 * 1024 * 1024);
    expect(grpc.retry_on_failure.max_elapsed_time).toBe(0);
    expect(exporterTimeout('otlp/errors', grpc)).toBe(5000);
  });

  it('says where each collector key lives in spansift', () => {
    expect(problems('collector-shape.yaml')).toEqual([
      'collector-shape.yaml:11:3: processors.batch: unknown key "batch": spansift batches by itself: storage.clickhouse.batch for inserts, exporters.<name>.sending_queue.batch for forwarding',
      'collector-shape.yaml:12:3: processors.memory_limiter: unknown key "memory_limiter": limits.memory_limit, limits.max_inflight_bytes and limits.max_inflight_spans turn data away (429, Retry-After) before memory runs out',
      'collector-shape.yaml:15:5: processors.redaction.allow_all_keys: unknown key "allow_all_keys": spansift keeps every key unless allowed_keys is given; remove allow_all_keys',
      `collector-shape.yaml:21:7: exporters.otlp.sending_queue.storage: unknown key "storage": spansift's sending queue is always on disk, under <data_dir>/exporters/<name>`,
      'collector-shape.yaml:22:3: exporters.clickhouse: invalid name: spansift stores every span in ClickHouse itself (storage.clickhouse); exporters are otlp (gRPC) and otlphttp, optionally named after a slash (otlphttp/backup)',
      expect.stringMatching(/^collector-shape.yaml:24:1: service: unknown key "service": spansift has no service section: it runs one pipeline, receivers.otlp -> processors.redaction -> storage, rules and exporters. service.pipelines: each exporter lists what it forwards in its `signals`/),
    ]);
  });

  it('checks each exporter by its type, and every problem at once', () => {
    expect(problems('exporters-bad.yaml')).toEqual([
      'exporters-bad.yaml:3:15: exporters.otlp.endpoint: expected host:port (or https://host:port), e.g. collector:4317; got "https://collector:4317/v1/traces"',
      'exporters-bad.yaml:4:22: exporters.otlp.traces_endpoint: traces_endpoint is a key of otlphttp; otlp (gRPC) sends every signal to endpoint',
      'exporters-bad.yaml:6:5: exporters.otlphttp: endpoint is required (the receiver\'s base URL, e.g. https://collector:4318), unless logs_endpoint is given',
      'exporters-bad.yaml:7:11: exporters.otlphttp.when: when applies to spans, and this exporter does not forward traces (signals: logs)',
      'exporters-bad.yaml:9:19: exporters.otlphttp.sending_queue.queue_size: at least 1MiB: spansift sizes the sending queue in bytes (the collector counts requests by default)',
      'exporters-bad.yaml:11:15: exporters.otlphttp/tls.endpoint: expected an http:// or https:// URL, e.g. https://collector:4318; got "collector:4318"',
      'exporters-bad.yaml:13:7: exporters.otlphttp/tls.tls.key_file: cert_file and key_file go together (a client certificate and its key)',
      'exporters-bad.yaml:15:5: exporters.otlphttp/typo.endpont: unknown key "endpont" (did you mean "endpoint"?)',
      'exporters-bad.yaml:15:5: exporters.otlphttp/typo: endpoint is required (the receiver\'s base URL, e.g. https://collector:4318), unless traces_endpoint is given',
    ]);
  });
});
