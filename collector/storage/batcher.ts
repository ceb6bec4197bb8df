/**
 * Groups the rows of concurrent requests into few large inserts (group commit).
 *
 * A request's rows join the batch being gathered; the batch goes out when it is full,
 * when its oldest row has waited `maxDelayMs`, or at once when no insert is running and
 * the batch is full. Each request's promise settles when the insert holding its rows
 * has. When ClickHouse rejects a batch for its data (a permanent error), the batch is
 * sent again without the request that holds the bad data, so that one bad request cannot
 * fail the others (see splitBatch); a request fails for its data only when sent alone.
 */
import { failedRow, isPermanentInsertError } from './classify.js';

export interface BatcherOptions<R> {
  insert: (rows: R[]) => Promise<void>;
  maxRows: number;
  /** Largest batch by the sizes given to write(), e.g. characters of serialized text. */
  maxSize?: number;
  maxDelayMs: number;
  /** Inserts allowed to run at once. */
  concurrency: number;
  onInsert?: (rows: number, seconds: number, ok: boolean) => void;
  /** Called as each batch goes out (another batcher can follow this one's rhythm). */
  onSend?: () => void;
}

interface Entry<R> {
  rows: R[];
  /** Table rows these stand for (a pre-serialized chunk can hold many). */
  count: number;
  size: number;
  /** performance.now() when the rows arrived. */
  at: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Batcher<R> {
  private gathering: Entry<R>[] = [];
  private gatheredRows = 0;
  private gatheredSize = 0;
  private timer: NodeJS.Timeout | undefined;
  private due = false;
  /** Set by flush(): nothing will join a batch any more, so every write goes out at once. */
  private draining = false;
  private running = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly o: BatcherOptions<R>) {}

  /**
   * Resolves once `rows` are inserted; rejects with the insert's error otherwise.
   * `count` is how many table rows they hold, when one element stands for many; `size`
   * counts against maxSize.
   */
  write(rows: R[], count = rows.length, size = 0): Promise<void> {
    if (rows.length === 0 || count === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.gathering.push({ rows, count, size, resolve, reject, at: performance.now() });
      this.gatheredRows += count;
      this.gatheredSize += size;
      if (this.full() || this.draining) this.due = true;
      else if (!this.timer && !this.due) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.due = true;
          this.pump();
        }, this.o.maxDelayMs);
      }
      this.pump();
    });
  }

  /**
   * Sends whatever is gathered now, and from then on every write at once (for shutdown:
   * waiting max_delay for rows that will not come only delays the answers in flight);
   * resolves when nothing is gathered and no insert is running.
   */
  async flush(): Promise<void> {
    this.draining = true;
    this.due = this.gathering.length > 0;
    this.pump();
    while (this.running > 0 || this.gathering.length > 0) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
      this.due = this.gathering.length > 0;
      this.pump();
    }
  }

  get pendingRows(): number {
    return this.gatheredRows;
  }

  /** Sends what is gathered now, as soon as an insert slot is free. */
  kick(): void {
    if (this.gathering.length === 0) return;
    this.due = true;
    this.pump();
  }

  private pump(): void {
    while (this.due && this.gathering.length > 0 && this.running < this.o.concurrency) {
      const batch = this.take();
      this.running++;
      this.o.onSend?.();
      void this.send(batch).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private full(): boolean {
    return this.gatheredRows >= this.o.maxRows || this.gatheredSize >= (this.o.maxSize ?? Infinity);
  }

  /** Takes up to maxRows and maxSize (whole entries, at least one) off the gathering batch. */
  private take(): Entry<R>[] {
    const maxSize = this.o.maxSize ?? Infinity;
    let n = 0;
    let size = 0;
    let i = 0;
    while (i < this.gathering.length && (i === 0 || (n + this.gathering[i].count <= this.o.maxRows && size + this.gathering[i].size <= maxSize))) {
      n += this.gathering[i].count;
      size += this.gathering[i].size;
      i++;
    }
    const batch = this.gathering.splice(0, i);
    this.gatheredRows -= n;
    this.gatheredSize -= size;
    if (this.gathering.length === 0) {
      this.due = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.full() && !this.draining) {
      // What is left goes out when it is full or its oldest row has waited maxDelayMs: not
      // at once as a small insert, and not a whole maxDelayMs more than it already waited.
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      const wait = this.gathering[0].at + this.o.maxDelayMs - performance.now();
      this.due = wait <= 0;
      if (!this.due) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.due = true;
          this.pump();
        }, wait);
      }
    }
    return batch;
  }

  private async send(batch: Entry<R>[]): Promise<void> {
    const rows = batch.length === 1 ? batch[0].rows : batch.flatMap((e) => e.rows);
    let count = 0;
    for (const e of batch) count += e.count;
    const t0 = performance.now();
    try {
      await this.o.insert(rows);
      this.o.onInsert?.(count, (performance.now() - t0) / 1000, true);
      for (const e of batch) e.resolve();
    } catch (err) {
      this.o.onInsert?.(count, (performance.now() - t0) / 1000, false);
      if (batch.length > 1 && isPermanentInsertError(err)) {
        // Inside this insert's slot, one part after the other: the split costs the others
        // a few inserts of latency, never an insert slot of other batches.
        for (const part of splitBatch(batch, failedRow(err))) await this.send(part);
        return;
      }
      for (const e of batch) e.reject(err);
    }
  }
}

/**
 * How a batch that ClickHouse rejected for its data is sent again. When the error names
 * the row it failed at, the others go first, together, without the request holding that
 * row, and that request goes alone after them (two inserts when one request is bad,
 * however many shared the batch). Without a row, the batch is halved: about 2·log2(n) inserts find one bad
 * request among n, where one insert per request took n. Either way a part that fails
 * again is split again, so only requests that fail alone are failed.
 */
export function splitBatch<E extends { count: number }>(batch: E[], row: number | undefined): E[][] {
  if (row !== undefined && row >= 1) {
    let end = 0;
    for (let i = 0; i < batch.length; i++) {
      end += batch[i].count;
      if (row <= end) return [[...batch.slice(0, i), ...batch.slice(i + 1)], [batch[i]]];
    }
  }
  const mid = batch.length >> 1;
  return [batch.slice(0, mid), batch.slice(mid)];
}
