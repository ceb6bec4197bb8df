/**
 * One ClickHouse client API for every scale: the embedded engine (chDB in-process)
 * by default, or a ClickHouse server (and cluster) by URL. Everything else in spansift
 * talks to `@clickhouse/client` only.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseConfig } from '../../config/schema.js';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface StorageTarget {
  client: ClickHouseClient;
  /** `embedded:/abs/path` or the server URL without credentials, for logs. */
  describe: string;
  database: string;
  cluster?: string;
}

export function embeddedPath(cfg: ClickHouseConfig, dataDir: string): string {
  return resolve(cfg.embedded?.path ?? `${dataDir}/clickhouse`);
}

export function openStorage(cfg: ClickHouseConfig, dataDir: string): StorageTarget {
  if (cfg.url) {
    const client = createClient({
      url: cfg.url,
      username: cfg.username,
      password: cfg.password,
      database: cfg.database,
      request_timeout: cfg.request_timeout,
      // Inserts into Distributed tables return only once the shards have the rows, so
      // an acknowledgement still means stored.
      clickhouse_settings: { date_time_input_format: 'best_effort', ...(cfg.cluster ? { insert_distributed_sync: 1 } : {}) },
    });
    const u = new URL(cfg.url);
    u.username = '';
    u.password = '';
    return { client, describe: u.toString(), database: cfg.database, cluster: cfg.cluster };
  }
  const path = embeddedPath(cfg, dataDir);
  mkdirSync(path, { recursive: true });
  // chdb types its Connection against @clickhouse/client-common, the client against its own
  // copy of the same interface; they are the same at run time.
  const connection = createChdbConnection({ path }) as unknown as ClientConnection;
  const client = createClient({ connection });
  return { client, describe: `embedded:${path}`, database: cfg.database };
}
