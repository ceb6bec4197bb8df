/**
 * Moves the local log's records into ClickHouse. Each record's parts go to their table's
 * writer (a group-commit batcher: rows of many records share one large insert, sent when
 * it holds its rows or bytes, or after its delay); a record leaves the log once all of its
 * parts are inserted.
 *
 * A part that fails in a way that may pass (ClickHouse down, a timeout, memory) is sent
 * again after a delay that doubles up to 30 s, and nothing behind it is held up longer
 * than that. A part ClickHouse refuses for its data (alone in its insert: see Batcher) is
 * written to `<log dir>/rejected/` and logged: it cannot be inserted, and is never dropped
 * silently.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { rowsText, type SerializedRows } from '../json-rows.js';
import { SpansiftError } from '../../errors.js';
import type { DurableLog, LogRecord } from './log.js';
import type { RecordPart, TableKind } from './record.js';

export type PartSink = (rows: SerializedRows) => Promise<void>;

export interface DrainOptions {
  sinks: Record<TableKind, PartSink>;
  /** Record bytes handed to the sinks at once: enough to fill their batches, and a bound on memory. */
  windowBytes: number;
  /** The window while `memoryOver` says so: one batch, inserted alone. */
  batchBytes: number;
  /** Whether the process is above limits.memory_limit less memory_spike_limit (and, while it is, memory is being given back). */
  memoryOver?: () => boolean;
  retryAfterMs: number;
  /** Sends what the sinks have gathered at once (at shutdown, and over limits.memory_limit). */
  kick: () => void;
  log: Logger;
  metrics?: Metrics;
}

interface Job {
  record: LogRecord;
  parts: RecordPart[] | undefined;
  /** Indexes of the parts not inserted yet. */
  pending: number[];
}

const MAX_BACKOFF_MS = 30_000;

export class LogDrain {
  private inflight = 0;
  private readonly retry: Job[] = [];
  private backoff = 0;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private stopped = false;
  private readonly idle: (() => void)[] = [];
  private readonly rejectedDir: string;

  constructor(
    private readonly wal: DurableLog,
    private readonly o: DrainOptions,
    dir: string,
  ) {
    this.rejectedDir = join(dir, 'rejected');
    wal.onCommit = () => this.pump();
  }

  start(): void {
    this.pump();
  }

  private pump(): void {
    if (this.stopped) return;
    const now = Date.now();
    if (now < this.pausedUntil) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.pausedUntil - now);
      return;
    }
    // Over limits.memory_limit, one batch's records at a time, sent at once: the engine's
    // memory for an insert grows with the rows inserted at once, and a backlog read back from
    // disk must not pile up in Node's heap faster than it is collected.
    const over = this.o.memoryOver?.() ?? false;
    const window = over ? this.o.batchBytes : this.o.windowBytes;
    let took = false;
    while (this.inflight < window) {
      const job = this.retry.shift() ?? this.takeOne();
      if (!job) break;
      this.inflight += job.record.size;
      took = true;
      void this.run(job);
    }
    if (this.flushing || (over && took)) this.o.kick();
    this.settle();
  }

  private takeOne(): Job | undefined {
    const [record] = this.wal.take(0);
    if (!record) return undefined;
    return { record, parts: undefined, pending: [] };
  }

  private async run(job: Job): Promise<void> {
    let failed: unknown;
    try {
      if (!job.parts) {
        job.parts = this.wal.read(job.record);
        job.pending = itemsFirst(job.parts);
      }
      const parts = job.parts;
      const results = await Promise.allSettled(job.pending.map((i) => this.o.sinks[parts[i].table]({ json: parts[i].json, count: parts[i].rows, native: parts[i].native })));
      const still: number[] = [];
      results.forEach((r, k) => {
        const i = job.pending[k];
        if (r.status === 'fulfilled') return;
        if (r.reason instanceof SpansiftError && r.reason.code === 'STORAGE_REJECTED') this.reject(job.record, parts[i], r.reason);
        else {
          still.push(i);
          failed = r.reason;
        }
      });
      job.pending = still;
    } catch (e) {
      // The record cannot be read back (damaged on disk): nothing can insert it.
      this.o.log.error({ err: e, segment: job.record.seq, offset: job.record.offset }, 'a record of the local log is damaged and cannot be inserted');
      job.pending = [];
    }
    this.inflight -= job.record.size;
    if (job.pending.length === 0) {
      this.backoff = 0;
      await this.wal.done(job.record);
      this.o.metrics?.logPendingRecords.set(this.wal.pendingRecords);
      this.o.metrics?.logBytes.set(this.wal.bytes);
    } else {
      this.retry.push(job);
      if (Date.now() >= this.pausedUntil) {
        this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff ? this.backoff * 2 : this.o.retryAfterMs);
        this.pausedUntil = Date.now() + this.backoff;
        this.o.log.warn({ err: failed, retry_in_ms: this.backoff, pending_records: this.wal.pendingRecords }, 'inserting from the local log failed; retrying');
      }
    }
    this.pump();
  }

  private reject(record: LogRecord, part: RecordPart, e: SpansiftError): void {
    const file = join(this.rejectedDir, `${record.seq}-${record.offset}-${part.table}.json`);
    try {
      mkdirSync(this.rejectedDir, { recursive: true });
      writeFileSync(file, `{"table":${JSON.stringify(part.table)},"error":${JSON.stringify(e.message)},"rows":[${rowsText({ json: part.json, count: part.rows, native: part.native })}]}\n`);
    } catch (w) {
      this.o.log.error({ err: w, file }, 'a refused part of the local log could not be kept in a file');
    }
    this.o.metrics?.logRejectedRows.inc({ table: part.table }, part.rows);
    this.o.log.error({ err: e, rows: part.rows, table: part.table, file }, 'ClickHouse refused rows of an acknowledged export for their data; they are kept in this file');
  }

  private settle(): void {
    if (this.wal.pendingRecords > 0) return;
    for (const w of this.idle.splice(0)) w();
  }

  /**
   * Sends everything in the log now, rather than after the batches' delay; resolves once
   * the log is empty, or after `timeoutMs` (what is left stays in the log for the next start).
   */
  async flush(timeoutMs: number): Promise<boolean> {
    this.flushing = true;
    this.pump();
    if (this.wal.pendingRecords === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const emptied = await Promise.race([
      new Promise<boolean>((r) => this.idle.push(() => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return emptied;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

/**
 * The indexes of a record's parts, its items before its spans: the spans' batch going out
 * sends the items gathered with it (the spans' writer kicks the items' as it sends), so a
 * record whose spans fill a batch must have handed over its items already, or they would
 * wait for the next batch.
 */
function itemsFirst(parts: readonly RecordPart[]): number[] {
  const order = parts.map((_, i) => i);
  return [...order.filter((i) => parts[i].table === 'items'), ...order.filter((i) => parts[i].table !== 'items')];
}
