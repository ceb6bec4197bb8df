/**
 * One configured exporter: its sending queue on disk, `num_consumers` loops that take
 * batches from it and send them, retry_on_failure between attempts, and its metrics.
 *
 * What goes in is kept until the receiver takes it or refuses it for good: a retryable
 * failure keeps the batch (and its place in the queue) and waits, a permanent one drops it
 * (counted in send_failed), as does a batch still failing after max_elapsed_time. When the
 * queue is full new data is dropped (counted in enqueue_failed) and what is queued is kept.
 * Stopping gives the batches being sent back to the queue on disk, so the next run sends them.
 *
 * Logging is per change of state (sending fails, sending works again), never per batch,
 * except for a batch given up for good.
 */
import { join } from 'node:path';
import type { ExporterConfig } from '../../config/exporters.js';
import { exporterTimeout, exporterType } from '../../config/exporters.js';
import type { Logger } from '../log.js';
import { countItems, topLevelRecords, type Signal } from '../model/otlp-frames.js';
import type { ExporterMetrics } from './metrics.js';
import { BrokenBatchError, DiskQueue, type QueuedBatch } from './queue/disk-queue.js';
import { nextWait } from './retry.js';
import { GrpcSender } from './otlp/grpc-sender.js';
import { HttpSender } from './otlp/http-sender.js';
import type { Sender } from './otlp/sender.js';
import type { SendOutcome } from './otlp/outcome.js';

export interface ExporterOptions {
  id: string;
  config: ExporterConfig;
  /** The exporter's own directory (under data_dir). */
  dir: string;
  metrics: ExporterMetrics;
  log: Logger;
  /** Instead of the sender the exporter's type makes (tests). */
  sender?: Sender;
}

/** The directory of an exporter's queue under data_dir: `otlp/backup` -> `exporters/otlp-backup`. */
export function exporterDir(dataDir: string, id: string): string {
  return join(dataDir, 'exporters', id.replace('/', '-'));
}

export function createSender(id: string, config: ExporterConfig): Sender {
  const timeoutMs = exporterTimeout(id, config);
  return exporterType(id) === 'otlp'
    ? new GrpcSender({ id, config, timeoutMs })
    : new HttpSender({ id, config, timeoutMs, connections: config.sending_queue.num_consumers });
}

export class Exporter {
  readonly signals: ReadonlySet<Signal>;
  private readonly abort = new AbortController();
  private consumers: Promise<void>[] = [];
  private stopping = false;
  /** The reason sending last failed, while it keeps failing (logged once). */
  private failing: string | undefined;
  private enqueueTrouble = false;

  private constructor(
    private readonly o: ExporterOptions,
    private readonly queue: DiskQueue,
    private readonly sender: Sender,
  ) {
    this.signals = new Set(o.config.signals);
  }

  /** Opens the queue (with what a previous run left in it); nothing is sent before `start`. */
  static async open(o: ExporterOptions): Promise<Exporter> {
    const queue = await DiskQueue.open(o.dir, { capacity: o.config.sending_queue.queue_size });
    let sender: Sender;
    try {
      sender = o.sender ?? createSender(o.id, o.config);
    } catch (e) {
      queue.close();
      throw e;
    }
    if (queue.length) o.log.info({ exporter: o.id, batches: queue.length, bytes: queue.size }, 'sending what the last run left in the queue');
    return new Exporter(o, queue, sender);
  }

  get id(): string {
    return this.o.id;
  }

  get queueSize(): number {
    return this.queue.size;
  }

  get queueCapacity(): number {
    return this.queue.capacity;
  }

  start(): void {
    if (this.consumers.length) return;
    this.consumers = Array.from({ length: this.o.config.sending_queue.num_consumers }, () => this.consume());
  }

  /**
   * Queues a protobuf Export*ServiceRequest of `items` items; false (and counted) when it was
   * not queued. Never rejects. A request over `batch.max_size` is split between its
   * top-level records.
   */
  async enqueue(signal: Signal, payload: Uint8Array, items: number): Promise<boolean> {
    if (items === 0) return true;
    let parts: ReturnType<Exporter['split']>;
    try {
      parts = this.split(signal, payload, items);
    } catch (e) {
      this.dropped(signal, items, e);
      return false;
    }
    let ok = true;
    for (const part of parts) {
      let queued = false;
      try {
        queued = await this.queue.put(signal, part.payload, part.items);
        if (this.enqueueTrouble) {
          this.enqueueTrouble = false;
          this.o.log.info({ exporter: this.o.id }, 'the sending queue takes data again');
        }
      } catch (e) {
        this.troubleOnce({ err: e }, 'the sending queue cannot be written; data for this exporter is dropped until it can');
      }
      if (!queued) {
        this.troubleOnce({ size: this.queue.size, capacity: this.queue.capacity }, 'the sending queue is full; new data for this exporter is dropped until it drains');
        this.o.metrics.enqueueFailed[signal].inc({ exporter: this.o.id }, part.items);
        ok = false;
      }
    }
    return ok;
  }

  /** Items that could not even be made into a request for this exporter: counted as not queued, and logged once. */
  dropped(signal: Signal, items: number, err: unknown): void {
    this.troubleOnce({ err }, 'data for this exporter could not be prepared and is dropped');
    this.o.metrics.enqueueFailed[signal].inc({ exporter: this.o.id }, items);
  }

  /** Stops sending: what is being sent goes back to the queue on disk for the next run. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.queue.close();
    await Promise.all(this.consumers);
    this.sender.close();
  }

  private troubleOnce(fields: Record<string, unknown>, msg: string): void {
    if (this.enqueueTrouble) return;
    this.enqueueTrouble = true;
    this.o.log.warn({ exporter: this.o.id, ...fields }, msg);
  }

  private split(signal: Signal, payload: Uint8Array, items: number): { payload: Uint8Array; items: number }[] {
    const max = this.o.config.sending_queue.batch.max_size;
    if (payload.length <= max) return [{ payload, items }];
    const out: { payload: Uint8Array; items: number }[] = [];
    let parts: Uint8Array[] = [];
    let bytes = 0;
    const flush = () => {
      if (!parts.length) return;
      const joined = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      out.push({ payload: joined, items: countItems(signal, joined) });
      parts = [];
      bytes = 0;
    };
    for (const record of topLevelRecords(payload)) {
      if (bytes + record.length > max) flush();
      parts.push(record);
      bytes += record.length;
    }
    flush();
    return out;
  }

  private async consume(): Promise<void> {
    for (;;) {
      const batches = await this.queue.take(this.o.config.sending_queue.batch.max_size);
      if (!batches) return;
      await this.sendBatches(batches);
    }
  }

  private async sendBatches(batches: QueuedBatch[]): Promise<void> {
    const signal = batches[0].signal;
    const items = batches.reduce((n, b) => n + b.items, 0);
    const labels = { exporter: this.o.id };
    let payload: Uint8Array;
    try {
      payload = await this.queue.read(batches);
    } catch (e) {
      if (!(e instanceof BrokenBatchError)) throw e;
      this.o.log.warn({ exporter: this.o.id, err: e }, 'a queued batch cannot be read and is dropped');
      this.o.metrics.sendFailed[signal].inc(labels, items);
      await this.queue.remove(batches);
      return;
    }
    const first = Date.now();
    for (let attempt = 1; ; attempt++) {
      const outcome: SendOutcome = await this.sender.send(signal, payload, this.abort.signal);
      if (this.stopping && outcome.kind !== 'sent') {
        this.queue.giveBack(batches);
        return;
      }
      if (outcome.kind === 'sent') {
        await this.queue.remove(batches);
        this.o.metrics.sent[signal].inc(labels, Math.max(0, items - outcome.rejected));
        if (outcome.rejected) {
          this.o.metrics.sendFailed[signal].inc(labels, Math.min(items, outcome.rejected));
          this.o.log.warn({ exporter: this.o.id, rejected: outcome.rejected, reason: outcome.message }, 'the receiver refused part of a batch');
        }
        if (this.failing !== undefined) {
          this.failing = undefined;
          this.o.log.info({ exporter: this.o.id, target: this.sender.target(signal) }, 'sending works again');
        }
        return;
      }
      if (outcome.kind === 'permanent' && batches.length > 1) {
        // Requests joined into one batch: each alone, so that one the receiver refuses does
        // not take the others with it.
        for (const b of batches) await this.sendBatches([b]);
        return;
      }
      const wait = outcome.kind === 'retryable' ? nextWait(this.o.config.retry_on_failure, attempt, Date.now() - first, outcome.delayMs) : undefined;
      if (wait === undefined) {
        await this.queue.remove(batches);
        this.o.metrics.sendFailed[signal].inc(labels, items);
        const why = outcome.kind === 'permanent' ? 'the receiver refused it' : 'retries ran out (retry_on_failure)';
        this.o.log.warn({ exporter: this.o.id, signal, items, reason: outcome.reason, target: this.sender.target(signal) }, `a batch was dropped: ${why}`);
        return;
      }
      if (this.failing === undefined) {
        this.failing = outcome.reason;
        this.o.log.warn({ exporter: this.o.id, reason: outcome.reason, target: this.sender.target(signal), queued_bytes: this.queue.size }, 'sending failed; retrying with backoff, data stays queued');
      }
      await sleep(wait, this.abort.signal);
      if (this.stopping) {
        this.queue.giveBack(batches);
        return;
      }
    }
  }
}

function sleep(ms: number, abort: AbortSignal): Promise<void> {
  if (abort.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      abort.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    abort.addEventListener('abort', done, { once: true });
  });
}
