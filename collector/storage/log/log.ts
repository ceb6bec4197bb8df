/**
 * The local log under data_dir: an export is acknowledged once its rows are written here
 * and fsync'd, and the log is drained into ClickHouse in large inserts (drain.ts).
 *
 * Appends are group-committed: while one commit's write and sync run, the records arriving
 * gather, and the next commit writes and syncs them all at once. A record
 * stays in the log until each of its parts is in ClickHouse; after a crash every record
 * not known to be drained is inserted again (at least once: reads fold copies).
 *
 * The log has a size limit on disk; when a record does not fit, the append is refused
 * with OVERLOADED and a retry delay, and nothing is dropped. Record texts are also kept in
 * memory for the drain, up to `memoryBytes`; past that the drain reads them back from disk.
 */
import { close, constants, fdatasync, open, unlink } from 'node:fs';
import { promisify } from 'node:util';
import { SpansiftError } from '../../errors.js';
import { encodeRecord, decodePayload, ownParts, readFrame, type RecordPart } from './record.js';
import { writevAll } from '../write-all.js';
import { listSegments, readCheckpoint, scanSegment, segmentPath, syncDir, writeCheckpoint, type Checkpoint } from './segments.js';
import { openSync, readSync } from 'node:fs';

const openAsync = promisify(open);
const fdatasyncAsync = promisify(fdatasync);
const closeAsync = promisify(close);
const unlinkAsync = promisify(unlink);

/**
 * On Linux, segments are opened for synchronized data writes (O_DSYNC): a commit's write
 * returns once its bytes are on the disk, through the same filesystem call fdatasync makes,
 * in one call to the thread pool instead of two (at 2,000 small spans/s about 6% less CPU,
 * bench/RESULTS.md). Elsewhere fdatasync follows the write: on macOS Node's fdatasync is
 * F_FULLFSYNC, which also empties the drive's cache, and an O_DSYNC write there does not.
 */
const DSYNC: number | undefined = process.platform === 'linux' ? constants.O_DSYNC : undefined;
const SEGMENT_FLAGS = DSYNC ? constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | DSYNC : 'wx+';

export interface LogOptions {
  dir: string;
  /** Largest size of the log on disk; an append that does not fit is refused. */
  maxBytes: number;
  /** A segment is closed and a new one begun past this size. */
  segmentBytes: number;
  /** Record texts kept in memory for the drain; past this the drain reads them from disk. */
  memoryBytes: number;
  retryAfterMs: number;
}

/** A committed record not yet drained. */
export interface LogRecord {
  seq: number;
  offset: number;
  size: number;
  /** Rows per table, for batching. */
  rows: number;
  /** In memory, or undefined: read back from disk by `read`. */
  parts: RecordPart[] | undefined;
  /** Handed to the drain (by `take`), and whether it is in ClickHouse. */
  taken: boolean;
  done: boolean;
}

interface Segment {
  seq: number;
  fd: number;
  size: number;
  /** Records of this segment not drained yet. */
  outstanding: number;
}

interface Queued {
  /** The frame's bytes, in order (see encodeRecord). */
  bufs: Buffer[];
  size: number;
  parts: RecordPart[];
  rows: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface ReplayInfo {
  records: number;
  rows: number;
  /** Bytes past the last whole record of a segment (a write cut off by a crash) that were cut away. */
  skippedBytes: number;
}

export class DurableLog {
  private readonly segments = new Map<number, Segment>();
  private active!: Segment;
  /** Committed records not yet drained, in log order (the front is the drain checkpoint). */
  private readonly records: LogRecord[] = [];
  private head = 0;
  /** Index in `records` of the next one to hand to the drain. */
  private next = 0;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private committing: Promise<void> | undefined;
  private diskBytes = 0;
  private undrained = 0;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private memoryBytes = 0;
  private closed = false;
  private checkpointed: Checkpoint | undefined;
  /** Called after each commit (the drain waits for it). */
  onCommit: (() => void) | undefined;
  /** Called with each commit's duration and record count. */
  onCommitted: ((seconds: number, records: number) => void) | undefined;
  replayed: ReplayInfo = { records: 0, rows: 0, skippedBytes: 0 };

  private constructor(private readonly o: LogOptions) {}

  /** Opens the log in `o.dir`, with every record a crash left undrained ready to drain again. */
  static async open(o: LogOptions): Promise<DurableLog> {
    const log = new DurableLog(o);
    await log.load();
    return log;
  }

  private async load(): Promise<void> {
    const seqs = listSegments(this.o.dir);
    const cp = readCheckpoint(this.o.dir);
    for (const [i, seq] of seqs.entries()) {
      const path = segmentPath(this.o.dir, seq);
      const last = i === seqs.length - 1;
      if (cp && seq < cp.seq && !last) {
        await unlinkAsync(path);
        continue;
      }
      const from = cp && seq === cp.seq ? cp.offset : 0;
      const scan = scanSegment(path, from, last);
      this.replayed.skippedBytes += scan.skippedBytes;
      const seg: Segment = { seq, fd: openSync(path, 'r'), size: scan.validBytes, outstanding: 0 };
      this.segments.set(seq, seg);
      this.diskBytes += last ? scan.validBytes : scan.validBytes + scan.skippedBytes;
      for (const r of scan.records) {
        const rows = r.parts.reduce((n, p) => n + p.rows, 0);
        const keep = this.memoryBytes + r.size <= this.o.memoryBytes;
        if (keep) this.memoryBytes += r.size;
        this.records.push({ seq, offset: r.offset, size: r.size, rows, parts: keep ? ownParts(r.parts) : undefined, taken: false, done: false });
        seg.outstanding++;
        this.undrained++;
        this.replayed.records++;
        this.replayed.rows += rows;
      }
    }
    // Appends always go to a new segment: the last one may end where a crash cut a write.
    const seq = (seqs.at(-1) ?? 0) + 1;
    this.active = await this.createSegment(seq);
    for (const seg of [...this.segments.values()]) if (seg !== this.active && seg.outstanding === 0) await this.drop(seg);
    this.saveCheckpoint();
  }

  /**
   * Resolves once the record is written and fsync'd; rejects with OVERLOADED when the log is
   * full. The parts' bytes are the log's from here on (written later, and kept): never changed.
   */
  append(parts: RecordPart[]): Promise<void> {
    if (this.closed) return Promise.reject(new SpansiftError('SHUTTING_DOWN', 'spansift is shutting down', { retryAfterMs: this.o.retryAfterMs }));
    const { bufs, size, parts: kept } = encodeRecord(parts);
    const used = this.diskBytes + this.queuedBytes;
    // A record always fits an empty log, however large: it would fit no better later.
    if (used > 0 && used + size > this.o.maxBytes) {
      return Promise.reject(
        new SpansiftError('OVERLOADED', `spansift is overloaded: the local log is full (${used} bytes waiting for ClickHouse, limit storage.log.max_size ${this.o.maxBytes}); retry later`, {
          retryAfterMs: this.o.retryAfterMs,
        }),
      );
    }
    const rows = parts.reduce((n, p) => n + p.rows, 0);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bufs, size, parts: kept, rows, resolve, reject });
      this.queuedBytes += size;
      this.committing ??= this.commitLoop();
    });
  }

  private async commitLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      let bytes = 0;
      for (const q of batch) bytes += q.size;
      const seg = this.active;
      const t0 = performance.now();
      try {
        await writevAll(seg.fd, batch.flatMap((q) => q.bufs), seg.size, segmentPath(this.o.dir, seg.seq));
        if (!DSYNC) await fdatasyncAsync(seg.fd);
      } catch (e) {
        this.queuedBytes -= bytes;
        const err = new SpansiftError('STORAGE_UNAVAILABLE', `the local log could not be written, nothing was stored: ${(e as Error).message}`, { cause: e, retryAfterMs: this.o.retryAfterMs });
        for (const q of batch) q.reject(err);
        // What is in the file after a failed write or fsync is unknown: go on in a new segment.
        await this.roll().catch(() => undefined);
        continue;
      }
      this.queuedBytes -= bytes;
      let at = seg.size;
      for (const q of batch) {
        const keep = this.memoryBytes + q.size <= this.o.memoryBytes;
        if (keep) this.memoryBytes += q.size;
        this.records.push({ seq: seg.seq, offset: at, size: q.size, rows: q.rows, parts: keep ? q.parts : undefined, taken: false, done: false });
        at += q.size;
      }
      seg.size = at;
      seg.outstanding += batch.length;
      this.undrained += batch.length;
      this.diskBytes += bytes;
      this.onCommitted?.((performance.now() - t0) / 1000, batch.length);
      for (const q of batch) q.resolve();
      this.onCommit?.();
      if (seg.size >= this.o.segmentBytes) await this.roll().catch(() => undefined);
    }
    this.committing = undefined;
  }

  private async createSegment(seq: number): Promise<Segment> {
    const fd = await openAsync(segmentPath(this.o.dir, seq), SEGMENT_FLAGS);
    syncDir(this.o.dir);
    const seg: Segment = { seq, fd, size: 0, outstanding: 0 };
    this.segments.set(seq, seg);
    return seg;
  }

  /** Closes the active segment and begins the next. */
  private async roll(): Promise<void> {
    const old = this.active;
    this.active = await this.createSegment(old.seq + 1);
    if (old.outstanding === 0) await this.drop(old);
  }

  private async drop(seg: Segment): Promise<void> {
    this.segments.delete(seg.seq);
    this.diskBytes -= seg.size;
    if (seg.fd >= 0) await closeAsync(seg.fd);
    await unlinkAsync(segmentPath(this.o.dir, seg.seq));
  }

  /** The next committed records for the drain, in log order, up to `maxBytes` of them (at least one). */
  take(maxBytes: number): LogRecord[] {
    const out: LogRecord[] = [];
    let bytes = 0;
    while (this.next < this.records.length && (out.length === 0 || bytes + this.records[this.next].size <= maxBytes)) {
      const r = this.records[this.next++];
      r.taken = true;
      bytes += r.size;
      out.push(r);
    }
    return out;
  }

  /** A record's parts, from memory or read back from its segment. */
  read(r: LogRecord): RecordPart[] {
    if (r.parts) return r.parts;
    const seg = this.segments.get(r.seq);
    if (!seg || seg.fd < 0) throw new Error(`segment ${segmentPath(this.o.dir, r.seq)} is closed`);
    const buf = Buffer.allocUnsafe(r.size);
    const n = readSync(seg.fd, buf, 0, r.size, r.offset);
    const frame = readFrame(buf.subarray(0, n), 0);
    const parts = typeof frame === 'string' ? undefined : decodePayload(frame.payload);
    if (!parts) throw new Error(`record at ${segmentPath(this.o.dir, r.seq)}:${r.offset} is damaged (checksum or length wrong)`);
    return parts;
  }

  /** The record is in ClickHouse: it leaves the log (its segment goes once all of its records have). */
  async done(r: LogRecord): Promise<void> {
    if (r.done) return;
    r.done = true;
    this.undrained--;
    if (r.parts) this.memoryBytes -= r.size;
    r.parts = undefined;
    while (this.head < this.records.length && this.records[this.head].done) this.head++;
    // Drop the drained front now and then, not at every record.
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records.splice(0, this.head);
      this.next -= this.head;
      this.head = 0;
    }
    const seg = this.segments.get(r.seq);
    if (seg && --seg.outstanding === 0 && seg !== this.active) await this.drop(seg);
    // Many records finish together (one insert): the checkpoint is written once for them.
    this.checkpointTimer ??= setTimeout(() => {
      this.checkpointTimer = undefined;
      this.saveCheckpoint();
    }, 100);
    this.checkpointTimer.unref();
  }

  private saveCheckpoint(): void {
    const front = this.records[this.head];
    const cp = front ? { seq: front.seq, offset: front.offset } : { seq: this.active.seq, offset: this.active.size };
    if (this.checkpointed && this.checkpointed.seq === cp.seq && this.checkpointed.offset === cp.offset) return;
    try {
      writeCheckpoint(this.o.dir, cp);
      this.checkpointed = cp;
    } catch {
      // Only more records inserted again after a crash: the next drained record tries again.
    }
  }

  /** Committed records not drained yet. */
  get pendingRecords(): number {
    return this.undrained;
  }

  /** Committed records not yet handed to the drain. */
  get untaken(): number {
    return this.records.length - this.next;
  }

  /** Bytes on disk (segments not yet deleted) and being written. */
  get bytes(): number {
    return this.diskBytes + this.queuedBytes;
  }

  get memory(): number {
    return this.memoryBytes;
  }

  /** The oldest undrained record's place, for tests and metrics. */
  get front(): LogRecord | undefined {
    for (let i = this.head; i < this.records.length; i++) if (!this.records[i].done) return this.records[i];
    return undefined;
  }

  /** Stops appends (they are refused), waits for the commit running, closes the files. */
  async close(): Promise<void> {
    this.closed = true;
    await this.committing;
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
    this.saveCheckpoint();
    for (const seg of this.segments.values()) {
      if (seg.fd >= 0) await closeAsync(seg.fd);
      seg.fd = -1;
    }
  }

}
