/**
 * Starts a real spansift service in the test process: embedded ClickHouse (one engine
 * path per process, as chDB allows), every listener on an ephemeral 127.0.0.1 port.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createChdbConnection } from 'chdb/connection';
import { parseConfigText } from '../../cli/config.js';
import { Service } from '../../cli/service.js';
import { createLogger, type Logger } from '../../collector/log.js';
import { clientOn, type StorageTarget } from '../../collector/storage/client.js';
import type { Connection } from '@clickhouse/client-common';

/**
 * This process's engine path. Named by the pid, which the system hands out again: a path an
 * earlier, ended process left under the same pid is removed before this process opens it
 * (once per process, however often this module is loaded), and this one goes at exit.
 */
export const ENGINE_PATH = enginePath();

function enginePath(): string {
  const g = globalThis as { spansiftTestEnginePath?: string };
  if (g.spansiftTestEnginePath) return g.spansiftTestEnginePath;
  const path = join(tmpdir(), `spansift-test-engine-${process.pid}`);
  rmSync(path, { recursive: true, force: true });
  process.once('exit', () => rmSync(path, { recursive: true, force: true }));
  return (g.spansiftTestEnginePath = path);
}

type Tree = { [k: string]: unknown };

function merge(a: Tree, b: Tree): Tree {
  const out: Tree = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' ? merge(a[k] as Tree, v as Tree) : v;
  }
  return out;
}

export function testConfig(overrides: Tree = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'spansift-test-'));
  const base: Tree = {
    data_dir: dataDir,
    receivers: { otlp: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } } },
    // Acknowledged once inserted, so a test reads what an export stored as soon as it is
    // answered; the local log has tests of its own (tests/log-*.test.ts).
    storage: { clickhouse: { embedded: { path: ENGINE_PATH }, batch: { max_delay: '5ms' } }, log: { enabled: false } },
    ui: { endpoint: '127.0.0.1:0', admin_token: 'test-admin-token' },
    log: { level: 'silent' },
    // The same on every machine: `auto` would follow the container limit of the one running the tests.
    limits: { memory_limit: 0 },
  };
  return parseConfigText(stringify(merge(base, overrides)), 'test.yaml', {});
}

/** A storage target over the process's engine, optionally through a wrapping Connection. */
export function testStorage(wrap?: (c: Connection<unknown>) => Connection<unknown>): StorageTarget {
  mkdirSync(ENGINE_PATH, { recursive: true });
  const conn = createChdbConnection({ path: ENGINE_PATH }) as unknown as Connection<unknown>;
  const client = clientOn((wrap ? wrap(conn) : conn) as never);
  return { client, describe: `embedded:${ENGINE_PATH}`, database: 'default' };
}

export interface Running {
  service: Service;
  httpUrl: string;
  grpcUrl: string;
  uiUrl: string;
  adminToken: string;
  stop: () => Promise<void>;
}

/** `log` replaces the silent default logger (e.g. a pino logger writing to a captured stream). */
export async function startSpansift(overrides: Tree = {}, storage?: StorageTarget, log: Logger = createLogger('silent')): Promise<Running> {
  const config = testConfig(overrides);
  const service = new Service({ config, log, storage });
  const ep = await service.start();
  const otlp = config.receivers.otlp;
  const scheme = (tls: unknown) => (tls ? 'https' : 'http');
  return {
    service,
    httpUrl: ep.http ? `${scheme(otlp.http.tls)}://127.0.0.1:${ep.http.port}` : '',
    grpcUrl: ep.grpcPort ? `${scheme(otlp.grpc.tls)}://127.0.0.1:${ep.grpcPort}` : '',
    uiUrl: `${scheme(config.ui.tls)}://127.0.0.1:${ep.ui!.port}`,
    adminToken: service.adminToken!,
    stop: () => service.stop(),
  };
}

export async function getTrace(r: Running, traceId: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${r.uiUrl}/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${r.adminToken}` } });
  return { status: res.status, body: await res.json() };
}
