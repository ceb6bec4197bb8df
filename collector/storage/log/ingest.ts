/**
 * The local log as the ingest path uses it: opened (with what a crash left in it queued
 * to drain again), drained into the tables' writers, and closed at shutdown after a
 * last drain.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LogConfig } from '../../../config/schema.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { DurableLog } from './log.js';
import { LogDrain, type PartSink } from './drain.js';
import { listSegments } from './segments.js';
import type { TableKind } from './record.js';

export interface LogIngestOptions {
  config: LogConfig;
  /** Serialized row text per insert (logBatchBytes). */
  batchBytes: number;
  dataDir: string;
  sinks: Record<TableKind, PartSink>;
  /** Inserts running at once per table (their batches fill from the drain's window). */
  concurrency: number;
  retryAfterMs: number;
  kick: () => void;
  /** Whether the process is above limits.memory_limit less memory_spike_limit (Admission.memoryOver). */
  memoryOver?: () => boolean;
  log: Logger;
  metrics?: Metrics;
}

/** Bytes of records the log keeps in memory for the drain at most; the rest are read back from disk. */
const MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * Serialized row text per insert from the log: `batch.max_bytes`, or by limits.memory_limit.
 * The engine needs about five times a batch's text to insert it from a file, two inserts run
 * at once, and the drain's window holds records besides: at saturation with LLM spans the
 * process peaked near 520 MiB plus about 20 MiB per MiB of batch (bench/RESULTS.md). So a
 * batch gets 1/32 of the budget above 512 MiB (its inserts then take about 5/8 of that
 * part), and at least 1/192 of the budget: under tight budgets refusals at the limit hold
 * the line. A peak past the refusal line (memory_spike_limit under the budget) narrows the
 * drain to one batch at a time until it falls back.
 */
export function logBatchBytes(config: LogConfig, memoryLimit: number): number {
  if (config.batch.max_bytes !== undefined) return config.batch.max_bytes;
  if (memoryLimit <= 0) return MAX_BATCH_BYTES;
  const share = Math.max(Math.floor(memoryLimit / 192), Math.floor((memoryLimit - FIXED_BYTES) / 32));
  return Math.min(MAX_BATCH_BYTES, Math.max(MIN_BATCH_BYTES, share));
}

const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** What spansift holds at saturation besides its inserts (the engine's code, Node's heap, requests, merges). */
const FIXED_BYTES = 512 * 1024 * 1024;
const MIN_BATCH_BYTES = 1024 * 1024;

export function logDir(config: LogConfig, dataDir: string): string {
  return resolve(config.path ?? `${dataDir}/log`);
}

export class LogIngest {
  private constructor(
    readonly wal: DurableLog,
    readonly drain: LogDrain,
  ) {}

  /**
   * Opens the log when it is enabled, or when it is not but still holds records (the
   * setting was just turned off): acknowledged rows are inserted either way.
   */
  static async open(o: LogIngestOptions): Promise<LogIngest | undefined> {
    const dir = logDir(o.config, o.dataDir);
    if (!o.config.enabled && (!existsSync(dir) || listSegments(dir).length === 0)) return undefined;
    const max = o.config.max_size;
    const wal = await DurableLog.open({
      dir,
      maxBytes: max,
      segmentBytes: Math.min(64 * 1024 * 1024, Math.max(1024 * 1024, Math.floor(max / 16))),
      memoryBytes: Math.min(MEMORY_BYTES, max),
      retryAfterMs: o.retryAfterMs,
    });
    wal.onCommitted = (seconds, records) => {
      o.metrics?.logCommitSeconds.observe(seconds);
      o.metrics?.logCommitRecords.observe(records);
      o.metrics?.logBytes.set(wal.bytes);
      o.metrics?.logPendingRecords.set(wal.pendingRecords);
    };
    const { replayed } = wal;
    if (replayed.records > 0 || replayed.skippedBytes > 0) {
      o.metrics?.logReplayedRecords.inc(replayed.records);
      o.log.info({ dir, records: replayed.records, rows: replayed.rows, cut_bytes: replayed.skippedBytes }, 'the local log holds acknowledged rows not known to be in ClickHouse; inserting them');
    }
    o.metrics?.logBytes.set(wal.bytes);
    o.metrics?.logPendingRecords.set(wal.pendingRecords);
    const drain = new LogDrain(
      wal,
      {
        sinks: o.sinks,
        // Enough for every insert slot to fill a batch and one to gather behind them.
        windowBytes: o.batchBytes * (o.concurrency + 1),
        batchBytes: o.batchBytes,
        memoryOver: o.memoryOver,
        retryAfterMs: o.retryAfterMs,
        kick: o.kick,
        log: o.log,
        metrics: o.metrics,
      },
      dir,
    );
    drain.start();
    return new LogIngest(wal, drain);
  }

  /**
   * Inserts what the log holds now, for up to `timeoutMs`, then closes it; what is left
   * is inserted at the next start.
   */
  async close(timeoutMs: number, log: Logger): Promise<void> {
    const emptied = await this.drain.flush(timeoutMs);
    this.drain.stop();
    if (!emptied) log.warn({ pending_records: this.wal.pendingRecords }, 'the local log still holds acknowledged rows at shutdown; they are inserted at the next start');
  }

  /** After the writers have flushed: the files close. */
  async closeFiles(): Promise<void> {
    await this.wal.close();
  }
}
