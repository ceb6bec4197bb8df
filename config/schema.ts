import { z } from 'zod';
import { duration, endpoint, size } from './units.js';
import { availableMemory, memoryBudget } from './memory.js';
import { queueSchema, ruleSchema } from './queues.js';
import { USER_NAME, userSchema } from './users.js';
import { clientTlsSchema, serverTlsSchema } from './tls.js';
import { corsSchema } from './cors.js';
import { exportersSchema } from './exporters.js';
import { redactionSchema } from './redaction.js';

/**
 * The whole spansift configuration with its defaults: the one place defaults live.
 * Every object is strict, so a misspelt key is an error rather than silently ignored.
 * README.md documents every key.
 */

/** A section written with nothing after its key (`http:`) means "all defaults", as in the collector. */
function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null || v === undefined ? {} : v), schema);
}

/** A section that is off unless written; written with nothing after its key (`tls:`), it stays off. */
function optionalSection<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional());
}

const httpReceiver = z.strictObject({
  /** `false` turns the receiver off. */
  enabled: z.boolean().default(true),
  endpoint: endpoint().default('127.0.0.1:4318'),
  /** Largest request body accepted, counted after decompression. */
  max_request_body_size: size().default(20 * 1024 * 1024),
  /**
   * Longest a request may take to arrive, headers and body; a slower one gets 408 and its
   * connection is closed, so a slow client cannot hold a connection and its bytes for long.
   * 10s is the OTLP exporters' default timeout for a whole export: a client still sending
   * after that has given up already.
   */
  read_timeout: duration().default(10_000),
  /** Connections open at once; more are closed as they are accepted. 0: no limit. */
  max_connections: z.number().int().nonnegative().default(4096),
  /** Connections open at once from one client address (exporters use a few each). 0: no limit. */
  max_connections_per_address: z.number().int().nonnegative().default(256),
  /** HTTPS: certificate, key, optional client CA (config/tls.ts). */
  tls: optionalSection(serverTlsSchema),
  /** Cross-origin requests from web pages (config/cors.ts). */
  cors: section(corsSchema),
});

const grpcReceiver = z.strictObject({
  enabled: z.boolean().default(true),
  endpoint: endpoint().default('127.0.0.1:4317'),
  /** Largest message accepted, after decompression. */
  max_recv_msg_size: size().default(20 * 1024 * 1024),
  /** Connections open at once; more are closed as they are accepted. 0: no limit. */
  max_connections: z.number().int().nonnegative().default(4096),
  /** Connections open at once from one client address. 0: no limit. */
  max_connections_per_address: z.number().int().nonnegative().default(256),
  /** gRPC over TLS: certificate, key, optional client CA (config/tls.ts). */
  tls: optionalSection(serverTlsSchema),
});

const ingestAuth = z.strictObject({
  /** Accepted bearer tokens; when empty, ingest is open as in the OpenTelemetry Collector. */
  bearer_tokens: z.array(z.string().min(1, 'a token must not be empty')).default([]),
});

/**
 * `http` and `grpc` sit right under `receivers.otlp`; the collector's spelling,
 * `receivers.otlp.protocols.{http,grpc}`, is read as the same keys (and noted in the log).
 */
const otlpReceiver = z
  .strictObject({
    http: section(httpReceiver).optional(),
    grpc: section(grpcReceiver).optional(),
    protocols: section(z.strictObject({ http: section(httpReceiver).optional(), grpc: section(grpcReceiver).optional() })).optional(),
    auth: section(ingestAuth),
  })
  .superRefine((v, ctx) => {
    for (const p of ['http', 'grpc'] as const) {
      if (v[p] && v.protocols?.[p]) {
        ctx.addIssue({ code: 'custom', path: ['protocols', p], message: `set receivers.otlp.${p} or receivers.otlp.protocols.${p} (the collector's spelling of the same), not both` });
      }
    }
  })
  .transform(({ http, grpc, protocols, auth }) => ({
    http: http ?? protocols?.http ?? httpReceiver.parse({}),
    grpc: grpc ?? protocols?.grpc ?? grpcReceiver.parse({}),
    auth,
  }));

const batch = z.strictObject({
  /** Flush a batch once it holds this many rows. */
  max_rows: z.number().int().positive().default(20_000),
  /** Longest a row waits for more rows to join its insert (a lone request waits at most this). */
  max_delay: duration().default(20),
  /** Inserts allowed to run at once. */
  concurrency: z.number().int().min(1).max(16).default(2),
});

/** Default of storage.clickhouse.embedded.idle_release. */
export const IDLE_RELEASE_MS = 60_000;

const embedded = z.strictObject({
  /** Data directory of the embedded ClickHouse engine (chDB). */
  path: z.string().min(1).optional(),
  /**
   * The engine's own memory limit (max_server_memory_usage): an insert or merge that would
   * pass it fails and is tried again later. Default: half of limits.memory_limit when that
   * is set, else 2GiB.
   */
  max_memory: size().optional(),
  /** More server settings of the engine (`mark_cache_size: 64MiB`), over spansift's; see README "Storage". */
  settings: z.record(z.string().regex(/^[a-z_][a-z0-9_.]*$/, 'setting names: lower-case letters, digits, _ and .'), z.union([z.string(), z.number()])).default({}),
  /** MergeTree settings of the embedded engine (`merge_selector_base: 5` restores ClickHouse's own); see README "Storage". */
  merge_tree: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'setting names: lower-case letters, digits and _'), z.union([z.string(), z.number()])).default({}),
  /**
   * Once started, and after each stretch this long without an export, the engine gives back
   * memory it holds but does not use: its allocator's free pages and the resident pages of
   * its code (what it runs again is read back from the library). 0: never (memory is still
   * given back while RSS is over limits.memory_limit). At least 10s: each release makes the
   * engine read back the code it runs next.
   */
  idle_release: duration()
    .default(IDLE_RELEASE_MS)
    .refine((v) => v === 0 || v >= 10_000, 'at least 10s (each release makes the engine read back the code it runs next), or 0 for never'),
});

const clickhouse = z
  .strictObject({
    embedded: embedded.optional(),
    /** ClickHouse server HTTP URL, e.g. http://clickhouse:8123. Set this or `embedded`. */
    url: z.string().url().optional(),
    username: z.string().default('default'),
    password: z.string().default(''),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ only').default('default'),
    /** Cluster name for `ON CLUSTER` DDL and Replicated engines (server mode only). */
    cluster: z.string().min(1).optional(),
    traces_table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ only').default('otel_traces'),
    /** Drop spans older than this; 0 keeps them forever. */
    ttl: duration().default(0),
    batch: section(batch),
    /** Per-insert timeout. */
    request_timeout: duration().default(30_000),
    /** CA and client certificate for an https:// server (config/tls.ts). */
    tls: optionalSection(clientTlsSchema),
  })
  .superRefine((v, ctx) => {
    if (v.url && v.embedded) ctx.addIssue({ code: 'custom', path: ['url'], message: 'set either url (a ClickHouse server) or embedded, not both' });
    if (v.cluster && !v.url) ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'cluster needs url (a ClickHouse server)' });
    if (v.tls && !v.url) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls needs url (an https:// ClickHouse server); the embedded engine has no connection to secure' });
    else if (v.tls && typeof v.url === 'string' && !/^https:/i.test(v.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: `tls is set, so url must start with https:// (it is ${v.url.split('://')[0]}://)` });
    // Run also when another key of the section is wrong (a bad duration would skip this), so every problem is listed at once.
  }, { when: (p) => typeof p.value === 'object' && p.value !== null });

const logBatch = z.strictObject({
  /** An insert from the log holds at most this many rows. */
  max_rows: z.number().int().positive().default(100_000),
  /**
   * An insert from the log holds at most this much serialized row text. Default 16MiB; with
   * limits.memory_limit set, 1/32 of the budget above 512MiB and at least 1/192 of it (1MiB
   * to 16MiB): the engine needs about five times a batch's text to insert it, and that memory
   * is not turned away with new requests.
   */
  max_bytes: size().optional(),
  /**
   * Longest acknowledged rows wait in the log for more to share their insert. Each insert
   * costs the engine a part per table, skip indexes and merges later, whatever its size:
   * about one insert a second keeps that cost small at ordinary rates.
   */
  max_delay: duration().default(1000),
});

const localLog = z.strictObject({
  /**
   * `true`: an export is acknowledged once its rows are in the local log (written and
   * fsync'd), and inserted into ClickHouse from there. `false`: acknowledged only once
   * inserted, for a deployment without a durable local disk.
   */
  enabled: z.boolean().default(true),
  /** Directory of the log (default `<data_dir>/log`). */
  path: z.string().min(1).optional(),
  /** Largest size of the log on disk; when it is full, new exports are refused with 429 / UNAVAILABLE and a retry delay. */
  max_size: size().default(1024 * 1024 * 1024),
  batch: section(logBatch),
});

const limits = z.strictObject({
  /** Request bytes (decompressed) being decoded, routed or waiting for their insert. */
  max_inflight_bytes: size().default(128 * 1024 * 1024),
  /** Spans waiting for their insert. */
  max_inflight_spans: z.number().int().positive().default(100_000),
  /**
   * Refuse new requests while the process's resident memory is above this, less
   * `memory_spike_limit`; 0 turns it off. A size, a share of the memory the process may use
   * (`80%`), or `auto`: 80% of its control group's limit (a container's) when one is set,
   * else off (config/memory.ts).
   */
  memory_limit: z.union([z.number().int().nonnegative(), z.string()]).prefault('auto'),
  /**
   * Headroom under memory_limit for what requests already let in still take (the collector's
   * memory_limiter `spike_limit_mib`): refusing starts at memory_limit less this. Default: a
   * fifth of memory_limit, as the collector's.
   */
  memory_spike_limit: size().optional(),
  /** What `Retry-After` / RetryInfo tell a client that was turned away. */
  retry_after: duration().default(1000),
  /**
   * After SIGTERM, how long the OTLP ports stay open answering new exports 503 + Retry-After
   * (gRPC UNAVAILABLE) while the requests in flight finish; shorter when nothing arrives for 1s.
   */
  shutdown_grace: duration().default(5000),
  /**
   * Attributes kept per span (and per resource and scope); more are dropped and counted. The
   * SDK's default is 128; LLM instrumentations flatten each message of a conversation into
   * a few attributes (gen_ai.prompt.N.*, llm.input_messages.N.*), so long ones need more.
   */
  max_attributes_per_span: z.number().int().positive().default(1024),
  /**
   * Characters kept of a string attribute value; longer ones are cut. 0: no limit. 4Mi
   * characters hold about a million tokens of text, the longest context windows, and
   * inline base64 images; the body size limit bounds a request anyway.
   */
  max_attribute_value_length: z.number().int().nonnegative().default(4 * 1024 * 1024),
  /** Events kept per span (some instrumentations log each message as an event); more are dropped and counted. */
  max_events_per_span: z.number().int().positive().default(1024),
  /** Links kept per span, as the SDK's default; more are dropped and counted. */
  max_links_per_span: z.number().int().positive().default(128),
  /** Attributes kept per event, as the SDK's default. */
  max_attributes_per_event: z.number().int().positive().default(128),
  /** Attributes kept per link, as the SDK's default. */
  max_attributes_per_link: z.number().int().positive().default(128),
}).transform((v, ctx) => {
  // Resolved here, where it is known whether the limit was written or is `auto`.
  const limit = memoryBudget(v.memory_limit, availableMemory);
  if (typeof limit !== 'number') {
    ctx.addIssue({ code: 'custom', path: ['memory_limit'], message: limit.error });
    return z.NEVER;
  }
  const spike = v.memory_spike_limit;
  if (spike !== undefined) {
    // Under `auto` without a container limit there is no limit for the headroom to apply to, and that is no error.
    if (limit === 0 && String(v.memory_limit).trim() !== 'auto') ctx.addIssue({ code: 'custom', path: ['memory_spike_limit'], message: 'needs limits.memory_limit' });
    else if (limit > 0 && spike >= limit) {
      const what = v.memory_limit === limit ? `${limit} bytes` : `${v.memory_limit}: ${limit} bytes`;
      ctx.addIssue({ code: 'custom', path: ['memory_spike_limit'], message: `must be less than limits.memory_limit (${what})` });
    }
  }
  return { ...v, memory_limit: limit };
});

/** Where refusing starts under limits.memory_limit: the limit less its spike headroom (0: no limit). */
export function memoryRefuseAt(l: { memory_limit: number; memory_spike_limit?: number }): number {
  if (l.memory_limit <= 0) return 0;
  return l.memory_limit - (l.memory_spike_limit ?? Math.floor(l.memory_limit / 5));
}

const signIn = z.strictObject({
  /** Failed sign-ins allowed per user name within `window` before further tries are refused. */
  per_user: z.number().int().positive().default(10),
  /** Failed sign-ins allowed per client address within `window`. */
  per_address: z.number().int().positive().default(50),
  window: duration().default(15 * 60_000),
});

const ui = z.strictObject({
  endpoint: endpoint().default('127.0.0.1:8080'),
  /** HTTPS for the page and the API: certificate, key, optional client CA (config/tls.ts). */
  tls: optionalSection(serverTlsSchema),
  /** Token for the API; when unset spansift creates one under data_dir on first start. */
  admin_token: z.string().optional(),
  /** How long a sign-in lasts. */
  session_ttl: duration().default(12 * 3_600_000),
  sign_in: section(signIn),
});

const labeling = z.strictObject({
  /** How long an item handed out by `next` stays reserved for its labeler without a renewal. */
  lease_ttl: duration().default(5 * 60_000),
  /** How often items, labels and leases written by other replicas are read in. */
  poll_interval: duration().default(2000),
});

const evaluations = z.strictObject({
  /**
   * Human evaluators of Laminar's SDK (a `HumanEvaluator` under a key of `evaluators`), by
   * that key: the queue their items go to. Default: the queue of that name, or, when there
   * is none, one spansift makes from the evaluator's options.
   */
  human_evaluators: z.preprocess((v) => v ?? {}, z.record(z.string().min(1), z.strictObject({ queue: z.string().min(1) }))),
  /** Automatic score name -> the label of human evaluators it is compared with, where the names differ. */
  criteria: z.preprocess((v) => v ?? {}, z.record(z.string().min(1), z.string().min(1))),
});

const log = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export const configSchema = z.strictObject({
  /** Where spansift keeps its own files (the embedded engine's data, the generated admin token). */
  data_dir: z.string().min(1).default('./data'),
  receivers: section(z.strictObject({ otlp: section(otlpReceiver) })),
  storage: section(z.strictObject({ clickhouse: section(clickhouse), log: section(localLog) })),
  /** What is done to every span before it is stored, routed or forwarded. */
  processors: section(z.strictObject({ redaction: section(redactionSchema) })),
  /** Where received data is forwarded, by exporter id (`otlphttp`, `otlp/backup`). */
  exporters: exportersSchema,
  limits: section(limits),
  ui: section(ui),
  log: section(log),
  /** Labeling queues by name. */
  queues: z.preprocess((v) => v ?? {}, z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'queue names: letters, digits, _ . - only'), queueSchema)),
  /** Datasets by name (more can be made through the API). */
  datasets: z.preprocess(
    (v) => v ?? {},
    z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'dataset names: letters, digits, _ . - only'), section(z.strictObject({ description: z.string().default('') }))),
  ),
  /** Evaluations: where human evaluators' items go, which scores are compared. */
  evaluations: section(evaluations),
  /** Labeling: leases and the next-item index. */
  labeling: section(labeling),
  /** People and scripts that use the page and the API, by name. */
  users: z.preprocess(
    (v) => v ?? {},
    z.record(
      z
        .string()
        .regex(USER_NAME, 'user names: letters, digits, _ . @ - only, at most 64')
        .refine((n) => n !== 'admin', 'the name admin belongs to the admin token (ui.admin_token); choose another name'),
      userSchema,
    ),
  ),
  /** Routing rules, tried for every span. */
  rules: z.preprocess((v) => v ?? [], z.array(ruleSchema)),
});

export type Config = z.output<typeof configSchema>;
export type ClickHouseConfig = Config['storage']['clickhouse'];
export type LogConfig = Config['storage']['log'];
