/**
 * Assembles spansift from a config: storage, pipeline, receivers, the UI endpoint.
 * Starts downstream first (storage before receivers) and stops upstream first
 * (receivers stop taking data, in-flight requests finish, batches flush, storage closes).
 * `stop()` is safe to call whether or not `start()` ran or finished.
 */
import type { AddressInfo } from 'node:net';
import type { ClickHouseClient } from '@clickhouse/client';
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config/schema.js';
import { splitEndpoint } from '../config/units.js';
import { openStorage, type StorageTarget } from './storage/client.js';
import { migrate } from './storage/migrations.js';
import { TraceStore } from './storage/traces.js';
import { Admission } from './admission.js';
import { Pipeline } from './pipeline.js';
import { TokenSet } from './auth.js';
import { HttpReceiver } from './receivers/otlp/http.js';
import { GrpcReceiver } from './receivers/otlp/grpc.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { Logger } from './log.js';
import { createApp } from '../ui-lite/app.js';
import { resolveAdminToken } from '../ui-lite/admin-token.js';

export interface ServiceOptions {
  config: Config;
  log: Logger;
  /** A ready client to use instead of opening one from config (tests wrap the real one). */
  storage?: StorageTarget;
}

export interface Endpoints {
  http?: AddressInfo;
  grpcPort?: number;
  ui?: AddressInfo;
}

export class Service {
  readonly metrics: Metrics = createMetrics();
  storage: StorageTarget | undefined;
  traces: TraceStore | undefined;
  admission: Admission | undefined;
  adminToken: string | undefined;
  private http: HttpReceiver | undefined;
  private grpc: GrpcReceiver | undefined;
  private ui: ServerType | undefined;
  readonly endpoints: Endpoints = {};

  constructor(private readonly o: ServiceOptions) {}

  get client(): ClickHouseClient {
    if (!this.storage) throw new Error('storage is not open');
    return this.storage.client;
  }

  async start(): Promise<Endpoints> {
    const { config, log } = this.o;
    const ch = config.storage.clickhouse;
    this.storage = this.o.storage ?? openStorage(ch, config.data_dir);
    const schema = { database: this.storage.database, table: ch.traces_table, cluster: this.storage.cluster, ttlSeconds: ch.ttl / 1000 };
    const applied = await migrate(this.storage.client, schema);
    log.info({ storage: this.storage.describe, migrations_applied: applied }, 'storage ready');

    this.traces = new TraceStore(this.storage.client, {
      database: schema.database,
      table: schema.table,
      maxRows: ch.batch.max_rows,
      maxDelayMs: ch.batch.max_delay,
      concurrency: ch.batch.concurrency,
      metrics: this.metrics,
    });
    this.admission = new Admission({
      maxBytes: config.limits.max_inflight_bytes,
      maxSpans: config.limits.max_inflight_spans,
      memoryLimit: config.limits.memory_limit,
      retryAfterMs: config.limits.retry_after,
      metrics: this.metrics,
    });
    const pipeline = new Pipeline(this.traces, this.admission, this.metrics);
    const tokens = new TokenSet(config.receivers.otlp.auth.bearer_tokens);

    const admin = resolveAdminToken(config.ui.admin_token || undefined, config.data_dir);
    this.adminToken = admin.token;
    if (admin.created) log.info({ file: admin.source }, 'created an admin token for the API; read it from this file');
    else if (admin.source !== 'config') log.info({ file: admin.source }, 'admin token for the API is in this file');
    const storage = this.storage;
    const app = createApp({
      adminToken: admin.token,
      traces: this.traces,
      ping: async () => {
        const r = await storage.client.ping();
        if (!r.success) throw r.error;
      },
      metrics: this.metrics,
      log,
    });
    const uiEp = splitEndpoint(config.ui.endpoint);
    this.endpoints.ui = await new Promise<AddressInfo>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, hostname: uiEp.host, port: uiEp.port }, (info) => resolve(info));
      server.once('error', reject);
      this.ui = server;
    });

    const otlp = config.receivers.otlp;
    if (otlp.grpc.enabled) {
      const ep = splitEndpoint(otlp.grpc.endpoint);
      this.grpc = new GrpcReceiver({ ...ep, maxRecvBytes: otlp.grpc.max_recv_msg_size, tokens, admission: this.admission, pipeline, metrics: this.metrics, log });
      this.endpoints.grpcPort = await this.grpc.start();
    }
    if (otlp.http.enabled) {
      const ep = splitEndpoint(otlp.http.endpoint);
      this.http = new HttpReceiver({ ...ep, maxBodyBytes: otlp.http.max_request_body_size, tokens, admission: this.admission, pipeline, metrics: this.metrics, log });
      this.endpoints.http = await this.http.start();
    }
    log.info({ otlp_http: this.endpoints.http, otlp_grpc_port: this.endpoints.grpcPort, ui: this.endpoints.ui }, 'spansift started');
    return this.endpoints;
  }

  async stop(): Promise<void> {
    this.admission?.close();
    await Promise.all([this.http?.stop(), this.grpc?.stop()]);
    await this.traces?.batcher.flush();
    const ui = this.ui;
    this.ui = undefined;
    if (ui) await new Promise<void>((resolve) => ui.close(() => resolve()));
    const storage = this.storage;
    this.storage = undefined;
    if (storage && !this.o.storage) await storage.client.close();
  }
}
