/**
 * Assembles spansift from a config: storage, pipeline, receivers, the UI endpoint.
 * Starts downstream first (storage before receivers) and stops upstream first
 * (receivers stop taking data, in-flight requests finish, batches flush, storage closes).
 * `stop()` is safe to call whether or not `start()` ran or finished.
 */
import type { AddressInfo } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as TlsServer } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import { serve } from '@hono/node-server';
import type { Server as HttpServer } from 'node:http';
import { memoryRefuseAt, type Config } from '../config/schema.js';
import { SMALL_BUDGET, availableMemory } from '../config/memory.js';
import { splitEndpoint } from '../config/units.js';
import { openStorage, rawInsertOf, type StorageTarget } from '../collector/storage/client.js';
import { migrate } from '../collector/storage/migrations.js';
import { MIGRATIONS } from './migrations.js';
import { TraceStore } from '../collector/storage/traces.js';
import { Admission } from '../collector/admission.js';
import { IdleRelease } from '../collector/storage/idle-release.js';
import { shrinkYoungGeneration, trimNativeHeap } from '../collector/heap.js';
import { closerFor, type Closer } from '../collector/http-close.js';
import { Pipeline } from '../collector/pipeline.js';
import { InsertWriter, LogWriter } from '../collector/storage/export-writers.js';
import { LogIngest, logBatchBytes } from '../collector/storage/log/ingest.js';
import type { SerializedRows } from '../collector/storage/json-rows.js';
import { TokenSet } from '../collector/auth.js';
import { HttpReceiver } from '../collector/receivers/otlp/http.js';
import { GrpcReceiver } from '../collector/receivers/otlp/grpc.js';
import { drainPeriod } from '../collector/receivers/otlp/drain.js';
import { spanLimitsFrom } from '../collector/receivers/otlp/limits.js';
import { CorsPolicy } from '../collector/receivers/otlp/cors.js';
import { ListenerTls } from './tls.js';
import { createMetrics, registerEngineMemory, type Metrics } from '../collector/metrics.js';
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
import { DatasetStore } from '../labeling/datasets/store.js';
import { DeliveryStore } from '../labeling/actions/store.js';
import { ActionRunner } from '../labeling/actions/runner.js';
import { EvaluationStore } from '../labeling/evaluations/store.js';
import { EvaluationRecorder } from '../labeling/evaluations/recorder.js';
import { evaluationScoresAction } from '../labeling/evaluations/scores.js';
import { Reviews } from '../labeling/review/review.js';
import { EvaluationQueues } from '../labeling/evaluations/queues.js';
import type { QueueSpec } from '../config/queues.js';
import type { Span } from '../collector/model/span.js';
import { quoteIdent } from '../collector/storage/schema.js';
import { ActionCounters } from '../labeling/actions/metrics.js';
import { compileWhen } from '../labeling/actions/when.js';
import type { Forwarder } from '../collector/exporters/forwarder.js';
import { openForwarder } from './exporters.js';
import { Redactor, newRedactionCounters } from '../processors/redaction/redactor.js';
import { registerRedactionMetrics } from '../processors/redaction/metrics.js';

/** How long a stop inserts what the local log holds before it closes (the rest waits for the next start). */
const LOG_DRAIN_AT_STOP_MS = 10_000;

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
  private idleRelease: IdleRelease | undefined;
  logIngest: LogIngest | undefined;
  adminToken: string | undefined;
  /** The exporters, when the config has any. */
  forwarder: Forwarder | undefined;
  private http: HttpReceiver | undefined;
  private grpc: GrpcReceiver | undefined;
  private ui: Closer | undefined;
  private tls: ListenerTls | undefined;
  /** The UI endpoint's app (its routes are walked by the access tests). */
  app: ReturnType<typeof createApp> | undefined;
  readonly endpoints: Endpoints = {};
  queues: QueueStore | undefined;
  labels: LabelStore | undefined;
  leases: LeaseStore | undefined;
  desk: LabelDesk | undefined;
  datasets: DatasetStore | undefined;
  deliveries: DeliveryStore | undefined;
  runner: ActionRunner | undefined;
  evaluations: EvaluationStore | undefined;
  readonly actionCounters = new ActionCounters();
  readonly routingCounters = new RoutingCounters();
  /** This process among the replicas sharing storage: written into labeling rows so that each polls for the others'. */
  readonly replica = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  /** The router of the config in force; `reload` swaps it. */
  router: Router;
  readonly redactionCounters = newRedactionCounters();
  /** processors.redaction in force (undefined when it changes nothing); `reload` swaps it. */
  redactor: Redactor | undefined;
  private config: Config;
  /** Queues of the config file; `config.queues` adds those made for Laminar human evaluators. */
  private fileQueues: Record<string, QueueSpec>;
  private evalQueues: EvaluationQueues | undefined;
  private recorder: EvaluationRecorder | undefined;
  private evalQueuePoll: NodeJS.Timeout | undefined;
  private evalQueueChange: Promise<void> = Promise.resolve();

  constructor(private readonly o: ServiceOptions) {
    this.config = o.config;
    this.fileQueues = o.config.queues;
    this.router = new Router({ queues: o.config.queues, rules: o.config.rules }, this.routingCounters);
    registerRoutingMetrics(this.metrics.registry, this.routingCounters);
    this.redactor = Redactor.compile(o.config.processors.redaction, this.redactionCounters);
    registerRedactionMetrics(this.metrics.registry, this.redactionCounters);
  }

  get currentConfig(): Config {
    return this.config;
  }

  /**
   * Applies a new config's queues, rules and processors without a restart. Other sections need one;
   * they are reported, not applied. Returns what was not applied.
   */
  async reload(next: Config): Promise<string[]> {
    const ignored = (['receivers', 'storage', 'limits', 'ui', 'data_dir', 'exporters'] as const).filter(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(this.config[k]),
    );
    this.fileQueues = next.queues;
    const queues = this.withEvaluationQueues(next.queues);
    // New queues (and queues whose labelers_per_item changed) load their state before the new config applies.
    await this.desk?.reconfigure(queues).catch((e: unknown) => this.o.log.error({ err: e }, 'loading the reloaded queues failed; retrying at the next poll (they answer 503 until then)'));
    this.router = new Router({ queues, rules: next.rules }, this.routingCounters);
    this.redactor = Redactor.compile(next.processors.redaction, this.redactionCounters);
    this.config = { ...this.config, queues, rules: next.rules, users: next.users, labeling: next.labeling, log: next.log, evaluations: next.evaluations, processors: next.processors };
    this.metrics.configReloads.inc({ outcome: 'success' });
    this.o.log.info({ rules: next.rules.length, queues: Object.keys(next.queues).length, needs_restart: ignored }, 'config reloaded');
    return ignored;
  }

  /** The config file's queues with the ready Laminar human evaluator queues (the file's win a name both have). */
  private withEvaluationQueues(file: Record<string, QueueSpec>): Record<string, QueueSpec> {
    return { ...(this.evalQueues?.specs() ?? {}), ...file };
  }

  /** A Laminar human evaluator's queue became ready (or changed): it joins the queues in force. */
  private async applyEvaluationQueues(): Promise<void> {
    const queues = this.withEvaluationQueues(this.fileQueues);
    if (JSON.stringify(queues) === JSON.stringify(this.config.queues)) return;
    await this.desk?.reconfigure(queues).catch((e: unknown) => this.o.log.error({ err: e }, 'loading an evaluation queue failed; retrying at the next poll'));
    this.router = new Router({ queues, rules: this.config.rules }, this.routingCounters);
    this.config = { ...this.config, queues };
    this.o.log.info({ queues: Object.keys(queues).length }, 'queues for human evaluators updated');
  }

  /** Laminar human evaluator spans define the queues of evaluators that have none in config. */
  private observeSpans(spans: Span[]): void {
    if (!this.evalQueues || !this.recorder) return;
    for (const h of EvaluationQueues.humanEvaluatorSpans(spans)) {
      const queue = this.recorder.queueFor(h.evaluator);
      if (Object.hasOwn(this.fileQueues, queue)) continue;
      this.evalQueues.define(queue, h.evaluator, h.labels).catch((e: unknown) => this.o.log.warn({ err: e, queue }, 'a human evaluator queue could not be recorded; the next span of it tries again'));
    }
  }

  get client(): ClickHouseClient {
    if (!this.storage) throw new Error('storage is not open');
    return this.storage.client;
  }

  async start(): Promise<Endpoints> {
    const { config, log } = this.o;
    const ch = config.storage.clickhouse;
    this.storage = this.o.storage ?? openStorage(ch, config.data_dir, config.limits.memory_limit);
    const schema = { database: this.storage.database, table: ch.traces_table, cluster: this.storage.cluster, ttlSeconds: ch.ttl / 1000 };
    const applied = await migrate(this.storage.client, schema, MIGRATIONS);
    log.info({ storage: this.storage.describe, migrations_applied: applied }, 'storage ready');

    // With the local log, spans and their items are inserted from it in large batches;
    // without it, each export waits for its insert, so batches are short.
    const logCfg = config.storage.log;
    const logBatch = logBatchBytes(logCfg, config.limits.memory_limit);
    const ingestBatch = logCfg.enabled
      ? { maxRows: logCfg.batch.max_rows, maxDelayMs: logCfg.batch.max_delay, maxDocumentChars: logBatch, concurrency: ch.batch.concurrency }
      : { maxRows: ch.batch.max_rows, maxDelayMs: ch.batch.max_delay, concurrency: ch.batch.concurrency };
    // The embedded engine is given spans as Native rows, which it inserts at about half the cost of JSON.
    const native = rawInsertOf(this.storage.client)?.native === true;
    this.traces = new TraceStore(this.storage.client, {
      native,
      database: schema.database,
      table: schema.table,
      ...ingestBatch,
      metrics: this.metrics,
      // Items routed from spans go out with the spans' batch: a request waits for that
      // insert anyway, and a few items per request must not become an insert each.
      onSend: () => this.queues?.kickIngest(),
    });
    this.admission = new Admission({
      maxBytes: config.limits.max_inflight_bytes,
      maxSpans: config.limits.max_inflight_spans,
      memoryLimit: memoryRefuseAt(config.limits),
      retryAfterMs: config.limits.retry_after,
      metrics: this.metrics,
      releaseMemory: this.storage.releaseMemory,
    });
    this.metrics.memoryLimit.set(config.limits.memory_limit);
    const available = availableMemory();
    const memoryLimit = config.limits.memory_limit;
    log.info({ memory_limit: memoryLimit, refuse_at: memoryRefuseAt(config.limits), available: available.bytes, cgroup_limited: available.cgroup }, memoryLimit > 0 ? 'memory limit in force' : 'no memory limit');
    if (memoryLimit > 0 && memoryLimit < SMALL_BUDGET) {
      log.warn({ memory_limit: memoryLimit }, 'limits.memory_limit is small for spansift, which holds 140 to 180 MiB idle and more while it inserts: many exports will be refused; give its container at least 512 MiB');
    }
    const engineMemory = this.storage.engineMemory;
    if (engineMemory) registerEngineMemory(this.metrics.registry, engineMemory);
    const release = this.storage.releaseMemory;
    const admission = this.admission;
    if (release && this.storage.idleReleaseMs) {
      let checked = false;
      this.idleRelease = new IdleRelease({
        afterMs: this.storage.idleReleaseMs,
        lastActivity: () => admission.lastRequestAt,
        release: async () => {
          const before = process.memoryUsage.rss();
          const { codePages } = await release({ codePages: true });
          // A load grows Node's young generation too, and an idle process seldom collects.
          await shrinkYoungGeneration();
          // What the collections freed, and the buffers of the load, go back from the native allocator.
          trimNativeHeap();
          log.debug({ rss_before: before, rss_after: process.memoryUsage.rss() }, 'idle: memory the engine and Node do not use given back');
          if (checked) return;
          checked = true;
          // The kernel gives back a file's pages only to a process that owns the file (or may write it).
          if (!codePages) log.info('the embedded engine\'s code pages cannot be given back here (madvise MADV_PAGEOUT needs Linux 5.4 and glibc); RSS stays about 170 MiB higher');
          else if (codePages.rssBefore - codePages.rssAfter < 16 * 1024 * 1024)
            log.info({ library: codePages.library }, 'the kernel kept most of the embedded engine\'s code pages: it gives back only pages no other process maps, and only to a process that owns the library file (chown it to the user spansift runs as)');
        },
        onError: (e) => log.warn({ err: e }, 'giving back idle memory failed; the next quiet stretch tries again'),
      });
    }
    this.queues = new QueueStore(
      this.storage.client,
      schema.database,
      // Its own timer is only the fallback for items that come without spans.
      { maxRows: ch.batch.max_rows, maxDelayMs: Math.max(10 * ch.batch.max_delay, 200), concurrency: ch.batch.concurrency },
      this.metrics,
      this.replica,
      // From the log, items wait for the spans' batch they came with, which kicks them.
      logCfg.enabled ? { ...ingestBatch, maxDelayMs: ingestBatch.maxDelayMs + 1000 } : undefined,
    );
    const batch = { maxRows: ch.batch.max_rows, maxDelayMs: ch.batch.max_delay, concurrency: ch.batch.concurrency };
    this.labels = new LabelStore(this.storage.client, schema.database, batch, this.metrics, this.replica);
    this.leases = new LeaseStore(this.storage.client, schema.database, batch, log, this.metrics, this.replica);
    this.datasets = new DatasetStore(this.storage.client, schema.database, batch, this.metrics);
    for (const [name, d] of Object.entries(config.datasets)) await this.datasets.create(name, d.description, true);
    this.deliveries = new DeliveryStore(this.storage.client, schema.database);
    const desk = (this.desk = new LabelDesk({
      queues: this.queues,
      labels: this.labels,
      leases: this.leases,
      config: () => this.config,
      log,
      onEvents: (events) => this.runner?.onEvents(events),
      alone: this.storage.exclusive,
    }));
    const queues = this.queues;
    const evaluations = (this.evaluations = new EvaluationStore(this.storage.client, schema.database, batch, this.metrics));
    const evalQueues = (this.evalQueues = new EvaluationQueues(this.storage.client, schema.database, `${quoteIdent(schema.database)}.${quoteIdent(schema.table)}`));
    await evalQueues.load();
    this.config = { ...this.config, queues: this.withEvaluationQueues(this.fileQueues) };
    this.router = new Router({ queues: this.config.queues, rules: this.config.rules }, this.routingCounters);
    evalQueues.onChange(() => {
      // One change applies at a time, in order: a later one never lands before an earlier.
      this.evalQueueChange = this.evalQueueChange.then(() => this.applyEvaluationQueues()).catch((e: unknown) => log.error({ err: e }, 'applying the human evaluator queues failed; the next change or poll tries again'));
    });
    this.recorder = new EvaluationRecorder({ store: evaluations, queues: this.queues, config: () => this.config, evalQueues });
    const spec = (q: string) => (Object.hasOwn(this.config.queues, q) ? this.config.queues[q] : undefined);
    const reviews = new Reviews({
      queues,
      spec,
      labels: (q, id) => desk.labelsOf(q, id),
      evaluations,
      criteria: () => this.config.evaluations.criteria,
      emit: (events) => this.runner!.emit(events),
    });
    this.runner = new ActionRunner({
      deliveries: this.deliveries,
      datasets: this.datasets,
      sources: { item: (q, id) => queues.get(q, id), labels: (q, id) => desk.labelsOf(q, id), spec, review: (q, item) => reviews.reviewed(q, item) },
      builtins: [evaluationScoresAction({ store: evaluations, spec }), reviews.sendAction(), reviews.resultAction()],
      holdReason: (ctx) => reviews.holdReason(ctx),
      queues: () => this.config.queues,
      eventsSince: (q, after, limit, afterId) => desk.events(q, after, limit, afterId),
      compileWhen,
      counters: this.actionCounters,
      log,
    });
    this.actionCounters.register(this.metrics.registry, () => this.runner?.pendingByAction() ?? new Map());
    await this.desk.start();
    await this.runner.start();
    // Queues other replicas made for human evaluators.
    if (this.config.labeling.poll_interval > 0 && !this.storage.exclusive) this.evalQueuePoll = setInterval(() => {
      this.evalQueueChange = this.evalQueueChange
        .then(async () => {
          await evalQueues.load();
          await this.applyEvaluationQueues();
        })
        .catch((e: unknown) => log.warn({ err: e }, 'reading the human evaluator queues failed; trying again at the next poll'));
    }, this.config.labeling.poll_interval);
    this.evalQueuePoll?.unref();
    log.info({ queues: Object.keys(config.queues).length }, 'labeling queues loaded');
    this.forwarder = await openForwarder(config, this.metrics.registry, log);
    const forwarder = this.forwarder;
    const traces = this.traces;
    const sinks = { spans: (rows: SerializedRows) => traces.write(rows), items: (rows: SerializedRows) => queues.writeSerialized(rows) };
    // Opened once the queues are loaded: items a crash left in the log reach their indexes as they are inserted.
    this.logIngest = await LogIngest.open({
      config: logCfg,
      batchBytes: logBatch,
      dataDir: config.data_dir,
      sinks,
      concurrency: ch.batch.concurrency,
      retryAfterMs: config.limits.retry_after,
      kick: () => {
        traces.kick();
        queues.kickIngest();
      },
      memoryOver: () => admission.memoryOver(),
      log,
      metrics: this.metrics,
    });
    const writer = logCfg.enabled && this.logIngest ? new LogWriter(this.logIngest.wal) : new InsertWriter(sinks.spans, sinks.items);
    const pipeline = new Pipeline(
      writer,
      this.admission,
      this.metrics,
      new Routing(() => this.router, this.queues, (spans) => this.observeSpans(spans)),
      forwarder,
      { stepper: () => this.redactor?.stepper() },
      native,
    );
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
      datasets: this.datasets,
      deliveries: this.deliveries,
      runner: this.runner,
      evaluations,
      recorder: this.recorder,
      otlpPorts: () => ({ http_port: this.endpoints.http?.port ?? null, grpc_port: this.endpoints.grpcPort ?? null }),
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
    const tls = (this.tls = new ListenerTls(config, log, this.metrics.registry));
    const uiEp = splitEndpoint(config.ui.endpoint);
    const https = tls.ui ? { createServer: createHttpsServer, serverOptions: tls.ui.options() } : {};
    this.endpoints.ui = await new Promise<AddressInfo>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, hostname: uiEp.host, port: uiEp.port, ...https }, (info) => resolve(info));
      server.once('error', reject);
      tls.ui?.attach(server as unknown as TlsServer);
      this.ui = closerFor(server as HttpServer);
    });

    const otlp = config.receivers.otlp;
    const limits = spanLimitsFrom(config.limits);
    if (otlp.grpc.enabled) {
      const ep = splitEndpoint(otlp.grpc.endpoint);
      this.grpc = new GrpcReceiver({
        ...ep,
        maxRecvBytes: otlp.grpc.max_recv_msg_size,
        maxConnections: otlp.grpc.max_connections,
        maxConnectionsPerAddress: otlp.grpc.max_connections_per_address,
        limits,
        tokens,
        admission: this.admission,
        pipeline,
        signals: forwarder,
        metrics: this.metrics,
        log,
        tls: tls.grpc,
      });
      this.endpoints.grpcPort = await this.grpc.start();
    }
    if (otlp.http.enabled) {
      const ep = splitEndpoint(otlp.http.endpoint);
      this.http = new HttpReceiver({
        ...ep,
        maxBodyBytes: otlp.http.max_request_body_size,
        readTimeoutMs: otlp.http.read_timeout,
        maxConnections: otlp.http.max_connections,
        maxConnectionsPerAddress: otlp.http.max_connections_per_address,
        limits,
        tokens,
        admission: this.admission,
        pipeline,
        signals: forwarder,
        metrics: this.metrics,
        log,
        tls: tls.http,
        cors: CorsPolicy.from(otlp.http.cors),
      });
      this.endpoints.http = await this.http.start();
    }
    const tlsOn = { otlp_http: !!tls.http, otlp_grpc: !!tls.grpc, ui: !!tls.ui };
    log.info({ otlp_http: this.endpoints.http, otlp_grpc_port: this.endpoints.grpcPort, ui: this.endpoints.ui, tls: tlsOn }, 'spansift started');
    // What starting touched and will not use again goes back now; then after each quiet stretch.
    void this.idleRelease?.start();
    return this.endpoints;
  }

  async stop(): Promise<void> {
    clearInterval(this.evalQueuePoll);
    this.idleRelease?.stop();
    this.admission?.close();
    this.http?.drain();
    // Nothing new is admitted: without the log, pending rows go out now rather than after
    // max_delay, so the requests in flight can be answered and the receivers can stop.
    // (With it, the requests in flight wait only for its commit.)
    const flushing = this.config.storage.log.enabled ? Promise.resolve() : Promise.all([this.traces?.flush(), this.queues?.flush()]);
    // The drain: for limits.shutdown_grace the OTLP ports stay open and answer new exports
    // 503 + Retry-After (gRPC UNAVAILABLE), rather than refusing connections that clients
    // may not retry, while the requests in flight finish (collector/receivers/otlp/drain.ts).
    const receivers = [this.http?.activity, this.grpc?.activity].filter((a) => a !== undefined);
    await drainPeriod(receivers, this.config.limits.shutdown_grace);
    await Promise.all([this.http?.stop(), this.grpc?.stop()]);
    await flushing;
    // What the log holds goes into ClickHouse now, for a while: the rest at the next start.
    await this.logIngest?.close(LOG_DRAIN_AT_STOP_MS, this.o.log);
    await Promise.all([this.traces?.flush(), this.queues?.flush()]);
    await this.logIngest?.closeFiles();
    // After the receivers: everything acknowledged is in the exporters' queues on disk, and
    // what is being sent goes back there for the next run.
    await this.forwarder?.stop();
    const ui = this.ui;
    this.ui = undefined;
    await ui?.close();
    this.tls?.close();
    this.desk?.stop();
    await this.desk?.settled();
    await this.runner?.stop();
    await this.datasets?.flush();
    await Promise.all([this.labels?.flush(), this.leases?.flush()]);
    const storage = this.storage;
    this.storage = undefined;
    if (storage && !this.o.storage) {
      await storage.client.close();
      storage.close?.();
    }
  }
}
