/**
 * The config loader against golden files in config/testdata: valid files give the values a
 * user wrote (units converted, defaults filled in), broken files give every problem at
 * once with its line, column and key path, and env references expand as documented.
 */
import { describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatProblem, loadConfigFile, parseConfig, type ConfigProblem } from './load.js';
import { memoryRefuseAt } from './schema.js';

/** The memory the config sees as available: a container limited to 1 GiB, unless a test says otherwise. */
const memory = vi.hoisted(() => ({ available: { bytes: 1024 ** 3, cgroup: true } }));
vi.mock('./memory.js', async (actual) => ({ ...(await actual<typeof import('./memory.js')>()), availableMemory: () => memory.available }));

const data = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const SHIPPED = fileURLToPath(new URL('./spansift.yaml', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.yaml', import.meta.url));

const MiB = 1024 * 1024;

/** The problems a file is rejected with; fails the test when it is accepted. */
function problemsOf(file: string, env: Record<string, string> = {}): Omit<ConfigProblem, 'file'>[] {
  try {
    loadConfigFile(file, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const problems = (e as ConfigError).problems;
    for (const p of problems) expect(p.file).toBe(file);
    return problems.map(({ line, column, path, message }) => ({ line, column, path, message }));
  }
  throw new Error(`${file} was accepted`);
}

function parseProblems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, 'inline.yaml', env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map(formatProblem);
  }
  throw new Error('the config was accepted');
}

/** Every default README.md documents. */
const DEFAULTS = {
  data_dir: './data',
  receivers: {
    otlp: {
      http: { enabled: true, endpoint: '127.0.0.1:4318', max_request_body_size: 20 * MiB },
      grpc: { enabled: true, endpoint: '127.0.0.1:4317', max_recv_msg_size: 20 * MiB },
      auth: { bearer_tokens: [] },
    },
  },
  storage: {
    clickhouse: {
      username: 'default',
      password: '',
      database: 'default',
      traces_table: 'otel_traces',
      ttl: 0,
      batch: { max_rows: 20_000, max_delay: 20, concurrency: 2 },
      request_timeout: 30_000,
    },
  },
  limits: { max_inflight_bytes: 128 * MiB, max_inflight_spans: 100_000, memory_limit: Math.floor(0.8 * 1024 ** 3), retry_after: 1000 },
  ui: { endpoint: '127.0.0.1:8080', session_ttl: 12 * 3_600_000, sign_in: { per_user: 10, per_address: 50, window: 15 * 60_000 } },
  labeling: { lease_ttl: 5 * 60_000, poll_interval: 2000 },
  log: { level: 'info' },
  queues: {},
  rules: [],
  users: {},
};

describe('defaults', () => {
  it('fills in every documented default for an empty file', () => {
    for (const text of ['', '# nothing but a comment\n', '{}\n']) {
      const c = parseConfig(text, 'empty.yaml', {});
      expect(c).toMatchObject(DEFAULTS);
      expect(c.storage.clickhouse.url).toBeUndefined();
      expect(c.storage.clickhouse.embedded).toBeUndefined();
      expect(c.storage.clickhouse.cluster).toBeUndefined();
      expect(c.ui.admin_token).toBeUndefined();
    }
  });

  it('treats a section written with nothing after its key as all defaults', () => {
    const c = parseConfig('receivers:\n  otlp:\n    http:\n    grpc:\nstorage:\n  clickhouse:\n    batch:\nlimits:\nlog:\n', 'sections.yaml', {});
    expect(c).toEqual(parseConfig('', 'empty.yaml', {}));
  });
});

describe('valid files', () => {
  it('valid-minimal.yaml: what is set, and defaults for the rest', () => {
    const c = loadConfigFile(data('valid-minimal.yaml'), {});
    expect(c.data_dir).toBe('/var/lib/spansift');
    expect(c).toEqual({ ...parseConfig('', 'empty.yaml', {}), data_dir: '/var/lib/spansift' });
  });

  it('valid-server.yaml: a ClickHouse server, with sizes and durations converted', () => {
    const c = loadConfigFile(data('valid-server.yaml'), {});
    expect(c).toMatchObject({
      data_dir: '/var/lib/spansift',
      receivers: {
        otlp: {
          http: { enabled: true, endpoint: '0.0.0.0:4318', max_request_body_size: 4 * MiB },
          grpc: { enabled: false, endpoint: '127.0.0.1:4317', max_recv_msg_size: 20 * MiB },
          auth: { bearer_tokens: ['ingest-a', 'ingest-b'] },
        },
      },
      storage: {
        clickhouse: {
          url: 'http://clickhouse:8123',
          username: 'spansift',
          password: 's3cret',
          database: 'telemetry',
          cluster: 'main',
          traces_table: 'llm_traces',
          ttl: 720 * 3_600_000,
          batch: { max_rows: 5000, max_delay: 90_000, concurrency: 4 },
          request_timeout: 10_000,
        },
      },
      limits: { max_inflight_bytes: 64_000_000, max_inflight_spans: 50_000, memory_limit: 2 * 1024 ** 3, retry_after: 500 },
      ui: { endpoint: '[::1]:9090', admin_token: 'admin-secret' },
      log: { level: 'warn' },
    });
    expect(c.storage.clickhouse.embedded).toBeUndefined();
  });
});

describe('YAML the library cannot turn into values', () => {
  it('an alias before its anchor is a problem at the alias', () => {
    expect(parseProblems('queues:\n  a:\n    <<: *base\n')).toEqual([expect.stringMatching(/^inline\.yaml:3:9: YAML aliases: Unresolved alias.*base/)]);
  });

  it('aliases that multiply the document are refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 9; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    expect(parseProblems(lines.join('\n'))).toEqual([expect.stringMatching(/^inline\.yaml:2:\d+: YAML aliases: Excessive alias count/)]);
  });

  it('a list or a map as a key is a problem at the key', () => {
    expect(parseProblems('queues:\n  { a: 1 }: x\n')).toEqual(['inline.yaml:2:3: a key must be a plain name, not a list, a map or binary data']);
    expect(parseProblems('queues:\n  !!binary aGk=: x\n')).toEqual(['inline.yaml:2:12: a key must be a plain name, not a list, a map or binary data']);
  });
});

describe('broken files: every problem at once, with line, column and key path', () => {
  it('unknown-keys.yaml: misspelt keys with a did-you-mean, an unknown top-level key', () => {
    expect(problemsOf(data('unknown-keys.yaml'))).toEqual([
      { line: 3, column: 5, path: 'receivers.otlp.htttp', message: 'unknown key "htttp" (did you mean "http"?)' },
      { line: 6, column: 7, path: 'receivers.otlp.grpc.endpont', message: 'unknown key "endpont" (did you mean "endpoint"?)' },
      { line: 10, column: 7, path: 'storage.clickhouse.batch.max_row', message: 'unknown key "max_row" (did you mean "max_rows"?)' },
      { line: 11, column: 1, path: 'metrics', message: 'unknown key "metrics"' },
    ]);
  });

  it('formats a problem as file:line:column: key path: message, as README.md shows', () => {
    try {
      loadConfigFile(data('unknown-keys.yaml'), {});
      expect.unreachable();
    } catch (e) {
      const file = data('unknown-keys.yaml');
      expect((e as ConfigError).message.split('\n')[0]).toBe(`${file}:3:5: receivers.otlp.htttp: unknown key "htttp" (did you mean "http"?)`);
      expect((e as ConfigError).code).toBe('CONFIG_INVALID');
    }
  });

  it('bad-values.yaml: endpoint, size, url with embedded, max_rows, durations, log level', () => {
    expect(problemsOf(data('bad-values.yaml'))).toEqual([
      { line: 4, column: 17, path: 'receivers.otlp.http.endpoint', message: 'expected host:port, e.g. 127.0.0.1:4318' },
      {
        line: 5,
        column: 30,
        path: 'receivers.otlp.http.max_request_body_size',
        message: '"20 parsecs" is not a size (use bytes or a unit: 512KiB, 20MiB, 1GB)',
      },
      { line: 9, column: 10, path: 'storage.clickhouse.url', message: 'set either url (a ClickHouse server) or embedded, not both' },
      { line: 11, column: 17, path: 'storage.clickhouse.batch.max_rows', message: 'Too small: expected number to be >0' },
      { line: 12, column: 18, path: 'storage.clickhouse.batch.max_delay', message: '"soon" is not a duration (use a unit: 500ms, 5s, 1h)' },
      { line: 14, column: 16, path: 'limits.retry_after', message: '"5 minutes" is not a duration (use a unit: 500ms, 5s, 1h)' },
      {
        line: 16,
        column: 10,
        path: 'log.level',
        message: 'Invalid option: expected one of "trace"|"debug"|"info"|"warn"|"error"|"fatal"|"silent"',
      },
    ]);
  });

  it('cluster-without-url.yaml: cluster needs a server, reported along with a bad duration beside it', () => {
    expect(problemsOf(data('cluster-without-url.yaml'))).toEqual([
      { line: 3, column: 14, path: 'storage.clickhouse.cluster', message: 'cluster needs url (a ClickHouse server)' },
      { line: 4, column: 10, path: 'storage.clickhouse.ttl', message: '"forever" is not a duration (use a unit: 500ms, 5s, 1h)' },
    ]);
  });

  it('yaml-syntax.yaml: every YAML syntax error, at its line', () => {
    expect(problemsOf(data('yaml-syntax.yaml'))).toEqual([
      { line: 5, column: 1, path: '', message: 'All mapping items must start at the same column' },
      { line: 8, column: 13, path: '', message: 'Nested mappings are not allowed in compact mappings' },
    ]);
  });

  it('duplicate-key.yaml: a key given twice', () => {
    expect(problemsOf(data('duplicate-key.yaml'))).toEqual([{ line: 5, column: 1, path: '', message: 'Map keys must be unique' }]);
  });

  it('limits.memory_spike_limit: refusing starts a fifth under memory_limit by default, and the headroom must fit in the limit', () => {
    const limits = (yaml: string) => parseConfig(yaml, 'inline.yaml', {}).limits;
    expect(memoryRefuseAt(limits('limits:\n  memory_limit: 500MiB\n'))).toBe(400 * 2 ** 20);
    expect(memoryRefuseAt(limits('limits:\n  memory_limit: 512MiB\n  memory_spike_limit: 32MiB\n'))).toBe(480 * 2 ** 20);
    expect(memoryRefuseAt(limits('limits:\n  memory_limit: 0\n'))).toBe(0);
    expect(parseProblems('limits:\n  memory_limit: 512MiB\n  memory_spike_limit: 600MiB\n')).toEqual([
      `inline.yaml:3:23: limits.memory_spike_limit: must be less than limits.memory_limit (512MiB: ${512 * 2 ** 20} bytes)`,
    ]);
    expect(parseProblems('limits:\n  memory_limit: 0\n  memory_spike_limit: 64MiB\n')).toEqual(['inline.yaml:3:23: limits.memory_spike_limit: needs limits.memory_limit']);
    // Under `auto`, in a 1 GiB container: 819.2 MiB.
    expect(parseProblems('limits:\n  memory_spike_limit: 900MiB\n')).toEqual([`inline.yaml:2:23: limits.memory_spike_limit: must be less than limits.memory_limit (auto: ${Math.floor(0.8 * 2 ** 30)} bytes)`]);
  });

  it('limits.memory_limit: auto by default, 80% of a container limit; off on a host without one', () => {
    const limits = (yaml: string) => parseConfig(yaml, 'inline.yaml', {}).limits;
    try {
      memory.available = { bytes: 512 * 2 ** 20, cgroup: true };
      expect(limits('limits: {}\n').memory_limit).toBe(Math.floor(0.8 * 512 * 2 ** 20));
      expect(memoryRefuseAt(limits('limits:\n  memory_limit: auto\n'))).toBe(Math.floor(0.8 * 512 * 2 ** 20) - Math.floor(Math.floor(0.8 * 512 * 2 ** 20) / 5));
      expect(limits('limits:\n  memory_limit: 25%\n').memory_limit).toBe(128 * 2 ** 20);
      memory.available = { bytes: 16 * 2 ** 30, cgroup: false };
      expect(limits('limits: {}\n').memory_limit).toBe(0);
      expect(limits('limits:\n  memory_limit: 25%\n').memory_limit).toBe(4 * 2 ** 30);
      // A headroom with no limit to apply to, under auto on a host, is no error.
      expect(memoryRefuseAt(limits('limits:\n  memory_spike_limit: 64MiB\n'))).toBe(0);
      expect(limits('limits:\n  memory_limit: 2GiB\n').memory_limit).toBe(2 * 2 ** 30);
    } finally {
      memory.available = { bytes: 2 ** 30, cgroup: true };
    }
    expect(parseProblems('limits:\n  memory_limit: 150%\n')).toEqual(['inline.yaml:2:17: limits.memory_limit: "150%" is not a share of memory (more than 0%, at most 100%)']);
    expect(parseProblems('limits:\n  memory_limit: lots\n')).toEqual([
      'inline.yaml:2:17: limits.memory_limit: "lots" is not a size or a share of memory (use bytes, a unit or a percentage: 512MiB, 1GB, 80%, auto)',
    ]);
  });

  it('storage.clickhouse.embedded.idle_release: 0 or at least 10s', () => {
    expect(parseProblems('storage:\n  clickhouse:\n    embedded:\n      idle_release: 2s\n')).toEqual([
      'inline.yaml:4:21: storage.clickhouse.embedded.idle_release: at least 10s (each release makes the engine read back the code it runs next), or 0 for never',
    ]);
    expect(parseConfig('storage:\n  clickhouse:\n    embedded:\n      idle_release: 0\n', 'inline.yaml', {}).storage.clickhouse.embedded?.idle_release).toBe(0);
    expect(parseConfig('storage:\n  clickhouse:\n    embedded:\n      idle_release: 5m\n', 'inline.yaml', {}).storage.clickhouse.embedded?.idle_release).toBe(300_000);
  });

  it('says what type a key wants, not that it is missing', () => {
    expect(parseProblems('storage:\n  clickhouse:\n    batch:\n      max_rows: many\n')).toEqual([
      'inline.yaml:4:17: storage.clickhouse.batch.max_rows: Invalid input: expected number, received string',
    ]);
    expect(parseProblems('receivers:\n  otlp:\n    http:\n      enabled: maybe\n')).toEqual([
      'inline.yaml:4:16: receivers.otlp.http.enabled: Invalid input: expected boolean, received string',
    ]);
  });

  it('reports a file it cannot read', () => {
    const missing = data('no-such-file.yaml');
    const problems = problemsOf(missing);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('');
    expect(problems[0].message).toMatch(/^cannot read the file: ENOENT/);
  });
});

describe('environment references', () => {
  const env = {
    TEST_DATA_DIR: '/srv',
    TEST_PORT: '14318',
    TEST_GRPC_ENABLED: 'false',
    TEST_TOKEN: 'tok-1',
    TEST_MAX_ROWS: '777',
    TEST_LOG_LEVEL: '',
  };

  it('env-expansion.yaml: expands references, defaults, $$ and unset variables', () => {
    const c = loadConfigFile(data('env-expansion.yaml'), env);
    // Inside a longer value a reference is text.
    expect(c.data_dir).toBe('/srv/spansift');
    // An unset variable takes its default; the port is set.
    expect(c.receivers.otlp.http.endpoint).toBe('127.0.0.1:14318');
    // A whole-value reference takes the YAML type of its expansion.
    expect(c.receivers.otlp.grpc.enabled).toBe(false);
    expect(c.storage.clickhouse.batch.max_rows).toBe(777);
    // `$$` is a literal `$`.
    expect(c.receivers.otlp.auth.bearer_tokens).toEqual(['tok-1', 'pa$word']);
    // An unset variable without a default is ''.
    expect(c.storage.clickhouse.password).toBe('');
    // An unset (or empty) variable with a default takes the default, which is then typed as usual.
    expect(c.storage.clickhouse.batch.max_delay).toBe(50);
    expect(c.ui.admin_token).toBe('fallback-token');
    expect(c.log.level).toBe('debug');
  });

  it('a set variable wins over the default', () => {
    const c = loadConfigFile(data('env-expansion.yaml'), { ...env, TEST_HOST: '0.0.0.0', TEST_MAX_DELAY: '2s', TEST_ADMIN_TOKEN: 'from-env', TEST_LOG_LEVEL: 'warn' });
    expect(c.receivers.otlp.http.endpoint).toBe('0.0.0.0:14318');
    expect(c.storage.clickhouse.batch.max_delay).toBe(2000);
    expect(c.ui.admin_token).toBe('from-env');
    expect(c.log.level).toBe('warn');
  });

  it('a whole-value number reference is a number: a port stays a number', () => {
    const c = parseConfig('storage:\n  clickhouse:\n    batch:\n      concurrency: ${env:C}\nlimits:\n  max_inflight_spans: ${env:N}\n', 'x.yaml', { C: '4', N: '5000' });
    expect(c.storage.clickhouse.batch.concurrency).toBe(4);
    expect(c.limits.max_inflight_spans).toBe(5000);
    // Mixed with other text it is text.
    expect(parseProblems('limits:\n  max_inflight_spans: ${env:N}0 spans\n', { N: '5' })).toEqual([
      'inline.yaml:2:23: limits.max_inflight_spans: Invalid input: expected number, received string',
    ]);
  });

  it('a whole-value reference that looks like a number stays text where a key takes text', () => {
    const c = parseConfig('storage:\n  clickhouse:\n    password: ${env:PW}\nui:\n  admin_token: ${env:TOKEN}\n', 'x.yaml', { PW: '0x1F', TOKEN: '123456' });
    expect(c.storage.clickhouse.password).toBe('0x1F');
    expect(c.ui.admin_token).toBe('123456');
  });

  it('keeps a string expansion verbatim', () => {
    const c = parseConfig('ui:\n  admin_token: ${env:T}\nstorage:\n  clickhouse:\n    password: ${env:P}\n', 'x.yaml', { T: '"half-quoted', P: '# not a comment' });
    expect(c.ui.admin_token).toBe('"half-quoted');
    expect(c.storage.clickhouse.password).toBe('# not a comment');
  });

  it('$$ escapes a reference; a variable\'s value is not expanded again', () => {
    const c = parseConfig('storage:\n  clickhouse:\n    password: $${env:X}\nui:\n  admin_token: ${env:T}\n', 'x.yaml', { X: 'no', T: '${env:X}' });
    expect(c.storage.clickhouse.password).toBe('${env:X}');
    expect(c.ui.admin_token).toBe('${env:X}');
  });

  it('an expansion that breaks a value is reported at the reference', () => {
    expect(parseProblems('receivers:\n  otlp:\n    http:\n      endpoint: ${env:EP}\n', { EP: 'nowhere' })).toEqual([
      'inline.yaml:4:17: receivers.otlp.http.endpoint: expected host:port, e.g. 127.0.0.1:4318',
    ]);
  });
});

describe('shipped configs', () => {
  it('config/spansift.yaml is valid and equals the schema defaults but for its env-driven values', () => {
    const c = loadConfigFile(SHIPPED, {});
    const defaults = parseConfig('', 'empty.yaml', {});
    expect(c).toEqual({
      ...defaults,
      storage: { ...defaults.storage, clickhouse: { ...defaults.storage.clickhouse, embedded: { settings: {}, merge_tree: {}, idle_release: 60_000 } } },
      // `${env:SPANSIFT_ADMIN_TOKEN:-}`: empty means "generate one".
      ui: { ...defaults.ui, admin_token: '' },
    });
  });

  it('config/spansift.yaml reads the documented environment variables', () => {
    const c = loadConfigFile(SHIPPED, {
      SPANSIFT_DATA_DIR: '/var/lib/spansift',
      SPANSIFT_OTLP_HTTP_ENDPOINT: '0.0.0.0:14318',
      SPANSIFT_OTLP_GRPC_ENDPOINT: '0.0.0.0:14317',
      SPANSIFT_UI_ENDPOINT: '0.0.0.0:18080',
      SPANSIFT_ADMIN_TOKEN: '20240101',
      SPANSIFT_LOG_LEVEL: 'debug',
    });
    expect(c.data_dir).toBe('/var/lib/spansift');
    expect(c.receivers.otlp.http.endpoint).toBe('0.0.0.0:14318');
    expect(c.receivers.otlp.grpc.endpoint).toBe('0.0.0.0:14317');
    expect(c.ui.endpoint).toBe('0.0.0.0:18080');
    expect(c.ui.admin_token).toBe('20240101');
    expect(c.log.level).toBe('debug');
  });

  it('config/server.yaml is valid, in server mode, and reads the ClickHouse variables', () => {
    const c = loadConfigFile(SERVER, { CLICKHOUSE_URL: 'http://clickhouse:8123', CLICKHOUSE_USER: 'sift', CLICKHOUSE_PASSWORD: '314159', CLICKHOUSE_DATABASE: 'traces', SPANSIFT_INGEST_TOKEN: 't0ken' });
    expect(c.storage.clickhouse).toMatchObject({ url: 'http://clickhouse:8123', username: 'sift', password: '314159', database: 'traces' });
    expect(c.storage.clickhouse.embedded).toBeUndefined();
    expect(loadConfigFile(SERVER, { SPANSIFT_INGEST_TOKEN: 't0ken' }).storage.clickhouse.url).toBe('http://127.0.0.1:8123');
  });

  it('config/server.yaml takes the ingest token from SPANSIFT_INGEST_TOKEN, and is not valid without one', () => {
    expect(loadConfigFile(SERVER, { SPANSIFT_INGEST_TOKEN: '20240101' }).receivers.otlp.auth.bearer_tokens).toEqual(['20240101']);
    for (const env of [{}, { SPANSIFT_INGEST_TOKEN: '' }]) {
      const problems = (() => {
        try {
          loadConfigFile(SERVER, env);
        } catch (e) {
          return (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
        }
        return [];
      })();
      expect(problems).toEqual(['receivers.otlp.auth.bearer_tokens.0: a token must not be empty']);
    }
  });
});
