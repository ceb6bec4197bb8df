/**
 * One ClickHouse client API for every scale: the embedded engine (chDB in-process)
 * by default, or a ClickHouse server (and cluster) by URL. Everything else in spansift
 * talks to `@clickhouse/client` only.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { Session } from 'chdb';
import { IDLE_RELEASE_MS, type ClickHouseConfig } from '../../config/schema.js';
import { pageOutEngineCode, type PageOutResult } from './code-pages.js';
import { quoteIdent, quoteString } from './schema.js';
import { writevAll } from './write-all.js';
import type { ClientTlsConfig } from '../../config/tls.js';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface StorageTarget {
  client: ClickHouseClient;
  /** `embedded:/abs/path` or the server URL without credentials, for logs. */
  describe: string;
  database: string;
  cluster?: string;
  /** Releases what the target holds besides the client (the embedded engine's first session). */
  close?: () => void;
  /**
   * Returns memory the embedded engine holds but does not use to the system now: the freed
   * pages its allocator keeps for reuse (hundreds of MiB after a surge of large inserts) and,
   * with `codePages`, the resident pages of its code (code-pages.ts; those it runs again are
   * read back from the library). Says what became of the code pages.
   */
  releaseMemory?: (o: { codePages: boolean }) => Promise<{ codePages?: PageOutResult }>;
  /** How long without exports before `releaseMemory` runs by itself (0: never). */
  idleReleaseMs?: number;
  /** Memory the embedded engine counts as in use now (its MemoryTracking), in bytes. */
  engineMemory?: () => Promise<number>;
  /**
   * No other process writes this storage: the embedded engine's path is locked to the
   * process that opened it, so there are no other replicas to poll for.
   */
  exclusive?: boolean;
}

/**
 * JSON text serialized before the insert (the rows of each request are serialized as the
 * request is handled, so a batch is put together from ready text). The client passes it
 * through as it is; every other value is JSON.stringify'd as usual.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

const json = {
  parse: JSON.parse,
  stringify: (v: unknown): string => (v instanceof JsonText ? v.text : JSON.stringify(v)),
};

/**
 * Inserts rows already serialized, as bytes, straight into the embedded engine: no document
 * string is built, copied and converted on the way. Made once per table and format
 * (`RawInserter`), then called with each batch's buffers in order: JSON arrays separated by
 * commas (JSONCompactEachRow), or Native blocks one after the other (native.ts).
 */
export type RawInsert = (rows: readonly Buffer[]) => Promise<void>;
export type RawFormat = 'JSONCompactEachRow' | 'Native';
export interface RawInserter {
  (table: string, columns: readonly string[], types: Readonly<Record<string, string>>, format?: RawFormat): RawInsert;
  /** Whether it takes Native rows. */
  readonly native: boolean;
}

const rawInserters = new WeakMap<ClickHouseClient, RawInserter>();

/** The byte insert of a client over the embedded engine opened by openStorage, if it is one. */
export function rawInsertOf(client: ClickHouseClient): RawInserter | undefined {
  return rawInserters.get(client);
}

export function embeddedPath(cfg: ClickHouseConfig, dataDir: string): string {
  return resolve(cfg.embedded?.path ?? `${dataDir}/clickhouse`);
}

export function openStorage(cfg: ClickHouseConfig, dataDir: string, memoryLimit = 0): StorageTarget {
  if (cfg.url) {
    const client = createClient({
      url: cfg.url,
      username: cfg.username,
      password: cfg.password,
      database: cfg.database,
      request_timeout: cfg.request_timeout,
      ...(cfg.tls ? { tls: clientTls(cfg.tls) } : {}),
      json,
      // Inserts into Distributed tables return only once the shards have the rows, so
      // an acknowledgement still means stored.
      // A table made by an older exporter version may differ in column types from the
      // ones spansift declares in its inserts (`meta` of JSONCompact); values still convert.
      clickhouse_settings: {
        date_time_input_format: 'best_effort',
        input_format_json_validate_types_from_metadata: 0,
        ...(cfg.cluster ? { insert_distributed_sync: 1 } : {}),
      },
    });
    const u = new URL(cfg.url);
    u.username = '';
    u.password = '';
    return { client, describe: u.toString(), database: cfg.database, cluster: cfg.cluster };
  }
  const path = embeddedPath(cfg, dataDir);
  mkdirSync(path, { recursive: true });
  // The engine is configured when the first connection to its path opens: this session
  // opens it with spansift's settings, and the client's connection shares that engine.
  const e = cfg.embedded ?? { settings: {}, merge_tree: {}, idle_release: IDLE_RELEASE_MS };
  // MergeTree settings are server configuration, not command-line settings: the engine reads them from a file.
  const mergeTreeFile = `${path}.merge-tree.xml`;
  writeFileSync(mergeTreeFile, mergeTreeConfig(e));
  const engine = new Session(path, { connectionArgs: [...engineArgs(e, memoryLimit), `--config-file=${mergeTreeFile}`] });
  // chdb types its Connection against @clickhouse/client-common, the client against its own
  // copy of the same interface; they are the same at run time.
  const connection = createChdbConnection({ path }) as unknown as ClientConnection;
  const client = clientOn(connection);
  rawInserters.set(client, batchFileInserter(engine, `${path}.inserts`));
  return {
    client,
    describe: `embedded:${path}`,
    database: cfg.database,
    close: () => engine.close(),
    releaseMemory: async ({ codePages }) => {
      await client.command({ query: 'SYSTEM JEMALLOC PURGE' });
      return codePages ? { codePages: pageOutEngineCode() } : {};
    },
    idleReleaseMs: e.idle_release,
    exclusive: true,
    engineMemory: async () => {
      const rs = await client.query({ query: "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'", format: 'JSONEachRow' });
      const [row] = await rs.json<{ value: string | number }>();
      return Number(row?.value ?? 0);
    },
  };
}

/**
 * Inserts through a file: each batch is written to a file in `dir` (next to the engine's
 * data) and the engine reads it with `file()`. Given the same bytes as an INSERT's inline
 * data, the engine held about twelve times the batch while parsing it: a 16 MiB batch of LLM
 * spans took 311 to 328 MiB more memory and 430 to 550 ms of CPU, read from a file 132 to 146
 * MiB and 260 to 360 ms (bench/RESULTS.md). The file is removed once the insert ends; files a
 * crash left behind are removed at start (their rows are still in the local log, or their
 * export was never answered).
 */
function batchFileInserter(engine: Session, dir: string): RawInserter {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // file() reads a path with * ? { } as a glob: such a directory gets the inline insert.
  const globbed = /[*?{}]/.test(dir);
  const inserter = (table: string, columns: readonly string[], types: Readonly<Record<string, string>>, format: RawFormat = 'JSONCompactEachRow'): RawInsert => {
    const names = columns.map(quoteIdent).join(', ');
    const structure = quoteString(columns.map((c) => `${quoteIdent(c)} ${types[c]}`).join(', '));
    const target = table.split('.').map(quoteIdent).join('.');
    // One parsing thread: the engine's parallel parsing split each batch into chunks and cost
    // about 6% more CPU per span at saturation, for no speed on two cores.
    if (globbed) {
      if (format === 'Native') throw new Error(`Native rows cannot be inserted through ${dir}`);
      return async (rows) => void (await engine.insert({ table, columns: [...columns], format, values: Buffer.concat(rows), settings: { input_format_parallel_parsing: 0 } }));
    }
    const sql = (file: string) => `INSERT INTO ${target} (${names}) SELECT * FROM file(${quoteString(file)}, ${quoteString(format)}, ${structure}) SETTINGS input_format_parallel_parsing = 0`;
    return async (rows) => {
      const file = join(dir, `${++batchFiles}.${format === 'Native' ? 'native' : 'json'}`);
      try {
        await writeFileAll(file, rows);
        await engine.queryAsync(sql(file));
      } finally {
        await unlink(file).catch(() => undefined);
      }
    };
  };
  // file() reads a path with * ? { } as a glob, and the inline insert takes text formats only.
  return Object.assign(inserter, { native: !globbed });
}

/** Numbers the batch files of the whole process, so that no two inserts ever share one. */
let batchFiles = 0;

/** Writes `bufs` as the whole of a new file. */
async function writeFileAll(file: string, bufs: readonly Buffer[]): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    await writevAll(fh.fd, bufs, 0, file);
  } finally {
    await fh.close();
  }
}

/**
 * The client's TLS options from `storage.clickhouse.tls` (files read once, at start; the
 * config check has read them already). Without ca_file the server is checked against
 * Node's bundled CAs, as with no tls at all. With a client certificate the client also asks
 * ClickHouse to authenticate the user by it (X-ClickHouse-SSL-Certificate-Auth).
 */
export function clientTls(t: ClientTlsConfig): { ca_cert: Buffer } | { ca_cert: Buffer; cert: Buffer; key: Buffer } {
  const ca_cert = t.ca_file ? readFileSync(resolve(t.ca_file)) : Buffer.from(rootCertificates.join('\n'));
  if (t.cert_file && t.key_file) return { ca_cert, cert: readFileSync(resolve(t.cert_file)), key: readFileSync(resolve(t.key_file)) };
  return { ca_cert };
}

/**
 * The embedded engine's server settings. Its defaults suit a server that has the machine
 * to itself (caches of 5 GiB, memory up to 90% of RAM); a sidecar gets small caches and a
 * memory limit of its own, so that spansift's memory as a whole stays within what it is
 * given. `settings` adds to or overrides these.
 */
export function engineArgs(e: NonNullable<ClickHouseConfig['embedded']>, memoryLimit: number): string[] {
  const settings: Record<string, string | number> = {
    max_server_memory_usage: engineMemory(e, memoryLimit),
    mark_cache_size: 32 * MiB,
    index_mark_cache_size: 16 * MiB,
    primary_index_cache_size: 16 * MiB,
    index_uncompressed_cache_size: 0,
    uncompressed_cache_size: 0,
    query_condition_cache_size: 8 * MiB,
    mmap_cache_size: 64,
    // The engine's memory worker reads its allocator's resident size, to correct its memory
    // count, every 100 ms by default: about half a percent of a core, on an idle sidecar too.
    // spansift's own limit reads RSS each second as well.
    memory_worker_period_ms: 1000,
    // Each table's background task looks for merges and old parts to remove; with nothing to
    // do it sleeps 0.1 s times 1.1 per empty look, plus up to a second. An insert wakes it at
    // once whatever this is, so starting from 1 s only makes an idle table look less often:
    // about half a percent of a core less on an idle spansift.
    background_processing_pool_thread_sleep_seconds_if_nothing_to_do: 1,
    ...e.settings,
  };
  return Object.entries(settings).map(([k, v]) => `--${k}=${v}`);
}

const MiB = 1024 * 1024;

/**
 * The embedded engine's MergeTree settings. Each insert writes a part, and merging small
 * parts is most of what an ordinary rate costs the engine (about a fifth of spansift's CPU at
 * 2,000 spans/s with ClickHouse's defaults). Merging only once several parts have gathered
 * (`min_parts_to_merge_at_once`) and into parts that grow faster (`merge_selector_base`)
 * rewrites each row fewer times; reads see a few more parts.
 *
 * Merges go column by column whatever their size (`vertical_merge_algorithm_min_rows_to_activate`,
 * 131,072 rows by default): merging the key columns first and then each other column alone
 * holds one column of each part in memory, not all of them. A merge of 17 parts of 1,500 LLM
 * spans took about 95 MiB instead of 200, and less CPU (about a tenth less). `merge_tree` adds or overrides.
 */
export function mergeTreeSettings(e: Pick<NonNullable<ClickHouseConfig['embedded']>, 'merge_tree'>): Record<string, string | number> {
  return { merge_selector_base: 20, min_parts_to_merge_at_once: 8, vertical_merge_algorithm_min_rows_to_activate: 1, ...e.merge_tree };
}

/** The engine's configuration file holding `mergeTreeSettings` (names are checked by the config schema; values escaped). */
export function mergeTreeConfig(e: Pick<NonNullable<ClickHouseConfig['embedded']>, 'merge_tree'>): string {
  const esc = (v: string | number) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = Object.entries(mergeTreeSettings(e))
    .map(([k, v]) => `<${k}>${esc(v)}</${k}>`)
    .join('');
  return `<clickhouse><merge_tree>${body}</merge_tree></clickhouse>\n`;
}

/** The engine's share of limits.memory_limit (the rest is spansift's own heap and buffers), or `embedded.max_memory`. */
export function engineMemory(e: NonNullable<ClickHouseConfig['embedded']>, memoryLimit: number): number {
  if (e.max_memory) return e.max_memory;
  return memoryLimit > 0 ? Math.floor(memoryLimit * ENGINE_SHARE) : DEFAULT_ENGINE_MEMORY;
}

const ENGINE_SHARE = 0.5;
const DEFAULT_ENGINE_MEMORY = 2048 * MiB;

/** The client over a given connection (the embedded engine, or a wrapper around it). */
export function clientOn(connection: ClientConnection): ClickHouseClient {
  return createClient({ connection, json });
}
