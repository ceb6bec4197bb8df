/**
 * Assembles spansift from a config: storage, pipeline, receivers, the UI endpoint.
 * Starts downstream first (storage before receivers) and stops upstream first
 * (receivers stop taking data, in-flight requests finish, batches flush, storage closes).
 * `stop()` is safe to call whether or not `start()` ran or finished.
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config/schema.js';
import { splitEndpoint } from '../config/units.js';
import { openStorage, type StorageTarget } from '../collector/storage/client.js';
import { migrate } from '../collector/storage/migrations.js';
import { MIGRATIONS } from './migrations.js';
import { TraceStore } from '../collector/storage/traces.js';
import { Admission } from '../collector/admission.js';
import { Pipeline } from '../collector/pipeline.js';
import { TokenSet } from '../collector/auth.js';
import { HttpReceiver } from '../collector/receivers/otlp/http.js';
import { GrpcReceiver } from '../collector/receivers/otlp/grpc.js';
import { createMetrics, type Metrics } from '../collector/metrics.js';
import type { Logger } from '../collector/log.js';
import { createApp } from '../ui-lite/app.js';
import { QueueStore } from '../labeling/queues/store.js';
import { Router, RoutingCounters, registerRoutingMetrics } from '../labeling/queues/router.js';
import { Routing } from '../labeling/queues/routing.js';
import { resolveAdminToken } from '../ui-lite/auth/admin-token.js';
import { SessionStore } from '../ui-lite/auth/sessions.js';
import { LabelStore } from '../labeling/labels/store.js';
import { LeaseStore } from '../labeling/leases/store.js';
import { LabelDesk } from '../labeling/desk.js';

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
  /** The UI endpoint's app (its routes are walked by the access tests). */
  app: ReturnType<typeof createApp> | undefined;
  readonly endpoints: Endpoints = {};
  queues: QueueStore | undefined;
  labels: LabelStore | undefined;
  leases: LeaseStore | undefined;
  desk: LabelDesk | undefined;
  readonly routingCounters = new RoutingCounters();
  /** This process among the replicas sharing storage: written into labeling rows so that each polls for the others'. */
  readonly replica = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  /** The router of the config in force; `reload` swaps it. */
  router: Router;
  private config: Config;

  constructor(private readonly o: ServiceOptions) {
    this.config = o.config;
    this.router = new Router({ queues: o.config.queues, rules: o.config.rules }, this.routingCounters);
    registerRoutingMetrics(this.metrics.registry, this.routingCounters);
  }

  get currentConfig(): Config {
    return this.config;
  }

  /**
   * Applies a new config's queues and rules without a restart. Other sections need one;
   * they are reported, not applied. Returns what was not applied.
   */
  async reload(next: Config): Promise<string[]> {
    const ignored = (['receivers', 'storage', 'limits', 'ui', 'data_dir'] as const).filter(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(this.config[k]),
    );
    // New queues (and queues whose labelers_per_item changed) load their state before the new config applies.
    await this.desk?.reconfigure(next.queues).catch((e: unknown) => this.o.log.error({ err: e }, 'loading the reloaded queues failed; retrying at the next poll (they answer 503 until then)'));
    this.router = new Router({ queues: next.queues, rules: next.rules }, this.routingCounters);
    this.config = { ...this.config, queues: next.queues, rules: next.rules, users: next.users, labeling: next.labeling, log: next.log };
    this.metrics.configReloads.inc({ outcome: 'success' });
    this.o.log.info({ rules: next.rules.length, queues: Object.keys(next.queues).length, needs_restart: ignored }, 'config reloaded');
    return ignored;
  }

  get client(): ClickHouseClient {
    if (!this.storage) throw new Error('storage is not open');
    return this.storage.client;
  }

  async start(): Promise<Endpoints> {
    const { config, log } = this.o;
    const ch = config.storage.clickhouse;
    this.storage = this.o.storage ?? openStorage(ch, config.data_dir);
    const schema = { database: this.storage.database, table: ch.traces_table, cluster: this.storage.cluster, ttlSeconds: ch.ttl / 1000 };
    const applied = await migrate(this.storage.client, schema, MIGRATIONS);
    log.info({ storage: this.storage.describe, migrations_applied: applied }, 'storage ready');

    this.traces = new TraceStore(this.storage.client, {
      database: schema.database,
      table: schema.table,
      maxRows: ch.batch.max_rows,
      maxDelayMs: ch.batch.max_delay,
      concurrency: ch.batch.concurrency,
      metrics: this.metrics,
      // Items routed from spans go out with the spans' batch: a request waits for that
      // insert anyway, and a few items per request must not become an insert each.
      onSend: () => this.queues?.batcher.kick(),
    });
    this.admission = new Admission({
      maxBytes: config.limits.max_inflight_bytes,
      maxSpans: config.limits.max_inflight_spans,
      memoryLimit: config.limits.memory_limit,
      retryAfterMs: config.limits.retry_after,
      metrics: this.metrics,
    });
    this.queues = new QueueStore(
      this.storage.client,
      schema.database,
      // Its own timer is only the fallback for items that come without spans.
      { maxRows: ch.batch.max_rows, maxDelayMs: Math.max(10 * ch.batch.max_delay, 200), concurrency: ch.batch.concurrency },
      this.metrics,
      this.replica,
    );
    const batch = { maxRows: ch.batch.max_rows, maxDelayMs: ch.batch.max_delay, concurrency: ch.batch.concurrency };
    this.labels = new LabelStore(this.storage.client, schema.database, batch, this.metrics, this.replica);
    this.leases = new LeaseStore(this.storage.client, schema.database, batch, log, this.metrics, this.replica);
    this.desk = new LabelDesk({ queues: this.queues, labels: this.labels, leases: this.leases, config: () => this.config, log });
    await this.desk.start();
    log.info({ queues: Object.keys(config.queues).length }, 'labeling queues loaded');
    const pipeline = new Pipeline(this.traces, this.admission, this.metrics, new Routing(() => this.router, this.queues));
    const tokens = new TokenSet(config.receivers.otlp.auth.bearer_tokens);

    const admin = resolveAdminToken(config.ui.admin_token || undefined, config.data_dir);
    this.adminToken = admin.token;
    if (admin.created) log.info({ file: admin.source }, 'created an admin token for the API; read it from this file');
    else if (admin.source !== 'config') log.info({ file: admin.source }, 'admin token for the API is in this file');
    const storage = this.storage;
    const app = (this.app = createApp({
      adminToken: admin.token,
      traces: this.traces,
      queues: this.queues,
      desk: this.desk,
      sessions: new SessionStore(this.storage.client, schema.database),
      router: () => this.router,
      counters: this.routingCounters,
      config: () => this.config,
      ping: async () => {
        const r = await storage.client.ping();
        if (!r.success) throw r.error;
      },
      metrics: this.metrics,
      log,
    }));
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
    // Nothing new is admitted: pending rows go out now rather than after max_delay, so the
    // requests in flight can be answered and the receivers can stop.
    const flushing = Promise.all([this.traces?.batcher.flush(), this.queues?.batcher.flush()]);
    await Promise.all([this.http?.stop(), this.grpc?.stop()]);
    await flushing;
    await Promise.all([this.traces?.batcher.flush(), this.queues?.batcher.flush()]);
    const ui = this.ui;
    this.ui = undefined;
    if (ui) await new Promise<void>((resolve) => ui.close(() => resolve()));
    this.desk?.stop();
    await this.desk?.settled();
    await Promise.all([this.labels?.flush(), this.leases?.flush()]);
    const storage = this.storage;
    this.storage = undefined;
    if (storage && !this.o.storage) await storage.client.close();
  }
}
