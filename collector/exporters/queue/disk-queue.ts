/**
 * An exporter's sending queue: batches waiting to be sent, on disk under the exporter's own
 * directory so that they survive a restart, in the spirit of the collector's persistent
 * sending queue.
 *
 * Each batch is one file, `<seq>-<signal>-<items>-<bytes>.otlp`, written under a temporary
 * name and renamed into place, so that a crash leaves a batch whole or absent; a file is
 * deleted once its batch is sent or given up. Files are not fsynced: a process crash loses
 * nothing written, an operating system crash may lose the newest batches.
 *
 * The queue is bounded in bytes. When a batch does not fit, it is refused and the caller
 * drops it (new data is dropped, what is queued is kept, as the collector's queue does).
 * Batches written by this process stay in memory too, up to `memoryBytes`, so sending them
 * does not read them back. One process owns a directory at a time (a lock file holds its pid).
 */
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Signal } from '../../model/otlp-frames.js';

export interface QueuedBatch {
  readonly seq: number;
  readonly signal: Signal;
  /** Spans, log records or data points. */
  readonly items: number;
  readonly bytes: number;
  /** The payload, while it is held in memory. */
  payload?: Uint8Array;
}

export interface DiskQueueOptions {
  /** Bytes of payload the queue may hold. */
  capacity: number;
  /** Bytes of payload also kept in memory (the rest is read back from disk to be sent). */
  memoryBytes?: number;
}

export class QueueLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`the sending queue in ${dir} is in use by process ${pid}; two processes cannot share one data_dir (delete ${join(dir, LOCK)} if that process is gone)`);
    this.name = 'QueueLockedError';
  }
}

/** A queued batch whose file cannot be read whole: it cannot be sent, only dropped. */
export class BrokenBatchError extends Error {
  constructor(file: string, why: string) {
    super(`queued batch ${file} cannot be read: ${why}`);
    this.name = 'BrokenBatchError';
  }
}

const NAME = /^(\d{16})-(traces|logs|metrics)-(\d+)-(\d+)\.otlp$/;
const LOCK = 'lock';

export class DiskQueue {
  /** Waiting batches in sequence order, not taken. */
  private readonly pending: QueuedBatch[] = [];
  private readonly taken = new Set<QueuedBatch>();
  private readonly waiters: Array<() => void> = [];
  private nextSeq = 1;
  private sizeBytes = 0;
  private memory = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly o: Required<DiskQueueOptions>,
  ) {}

  /** Opens (or creates) the queue in `dir`, with the batches a previous run left there. */
  static async open(dir: string, options: DiskQueueOptions): Promise<DiskQueue> {
    await mkdir(dir, { recursive: true });
    lock(dir);
    const q = new DiskQueue(dir, { memoryBytes: 32 * 1024 * 1024, ...options });
    for (const name of (await readdir(dir)).sort()) {
      if (name.endsWith('.tmp')) {
        await unlink(join(dir, name)).catch(() => undefined);
        continue;
      }
      const m = NAME.exec(name);
      if (!m) continue;
      const batch: QueuedBatch = { seq: Number(m[1]), signal: m[2] as Signal, items: Number(m[3]), bytes: Number(m[4]) };
      q.pending.push(batch);
      q.sizeBytes += batch.bytes;
      q.nextSeq = Math.max(q.nextSeq, batch.seq + 1);
    }
    return q;
  }

  /** Bytes queued (waiting and being sent). */
  get size(): number {
    return this.sizeBytes;
  }

  get capacity(): number {
    return this.o.capacity;
  }

  /** Batches queued (waiting and being sent). */
  get length(): number {
    return this.pending.length + this.taken.size;
  }

  /**
   * Writes a batch; `false` when it does not fit (nothing is written). Throws when the write
   * fails (the disk is full, the directory is gone).
   */
  async put(signal: Signal, payload: Uint8Array, items: number): Promise<boolean> {
    if (this.closed || this.sizeBytes + payload.length > this.o.capacity) return false;
    const batch: QueuedBatch = { seq: this.nextSeq++, signal, items, bytes: payload.length };
    this.sizeBytes += batch.bytes;
    const file = this.file(batch);
    try {
      await writeFile(`${file}.tmp`, payload);
      await rename(`${file}.tmp`, file);
    } catch (e) {
      this.sizeBytes -= batch.bytes;
      await unlink(`${file}.tmp`).catch(() => undefined);
      throw e;
    }
    if (this.memory + batch.bytes <= this.o.memoryBytes) {
      batch.payload = payload;
      this.memory += batch.bytes;
    }
    this.insert(batch);
    return true;
  }

  /**
   * Takes the oldest waiting batch and those right after it of the same signal, up to
   * `maxBytes` together (at least one batch); waits while none is waiting. Undefined once
   * the queue is closed.
   */
  async take(maxBytes: number): Promise<QueuedBatch[] | undefined> {
    while (!this.closed && this.pending.length === 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.closed) return undefined;
    const first = this.pending[0];
    let n = 1;
    let bytes = first.bytes;
    while (n < this.pending.length && this.pending[n].signal === first.signal && bytes + this.pending[n].bytes <= maxBytes) bytes += this.pending[n++].bytes;
    const out = this.pending.splice(0, n);
    for (const b of out) this.taken.add(b);
    return out;
  }

  /** The batches' payloads joined (protobuf requests join by concatenation). */
  async read(batches: readonly QueuedBatch[]): Promise<Uint8Array> {
    const parts = await Promise.all(batches.map((b) => b.payload ?? this.readFile(b)));
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** Sent or given up: the batches leave the queue and the disk. */
  async remove(batches: readonly QueuedBatch[]): Promise<void> {
    for (const b of batches) {
      if (!this.taken.delete(b)) continue;
      this.sizeBytes -= b.bytes;
      if (b.payload) {
        this.memory -= b.bytes;
        b.payload = undefined;
      }
    }
    await Promise.all(batches.map((b) => unlink(this.file(b)).catch(() => undefined)));
  }

  /** Not sent, to be sent later (by this process, or the next run): back in the waiting line, in order. */
  giveBack(batches: readonly QueuedBatch[]): void {
    for (const b of batches) if (this.taken.delete(b)) this.insert(b);
  }

  /** Wakes the takers (they get undefined) and releases the directory; what is queued stays on disk. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
    unlock(this.dir);
  }

  private insert(batch: QueuedBatch): void {
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1].seq > batch.seq) i--;
    this.pending.splice(i, 0, batch);
    this.waiters.shift()?.();
  }

  private file(b: QueuedBatch): string {
    return join(this.dir, `${String(b.seq).padStart(16, '0')}-${b.signal}-${b.items}-${b.bytes}.otlp`);
  }

  /** A batch's file; one missing or cut short (the machine crashed as it was written) is a BrokenBatchError. */
  private async readFile(b: QueuedBatch): Promise<Uint8Array> {
    let data: Uint8Array;
    try {
      data = await readFile(this.file(b));
    } catch (e) {
      throw new BrokenBatchError(this.file(b), (e as Error).message);
    }
    if (data.length !== b.bytes) throw new BrokenBatchError(this.file(b), `${data.length} bytes instead of ${b.bytes}`);
    return data;
  }
}

/** Takes the directory for this process, unless a live process holds it. */
function lock(dir: string): void {
  const file = join(dir, LOCK);
  let holder = 0;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    holder = 0;
  }
  if (holder && holder !== process.pid && alive(holder)) throw new QueueLockedError(dir, holder);
  writeFileSync(file, String(process.pid));
}

function unlock(dir: string): void {
  try {
    if (Number(readFileSync(join(dir, LOCK), 'utf8').trim()) === process.pid) unlinkSync(join(dir, LOCK));
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
