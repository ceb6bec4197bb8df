/**
 * Events told to the log without a line each: the first of a reason is written at once (so a
 * new problem shows when it starts), the rest are summed and written once per interval, one
 * line per reason. A reason with nothing new in an interval is forgotten, so its next event
 * is written at once again. Used for refused requests and failed TLS handshakes, which a
 * broken or hostile client can cause thousands of times a second.
 */
export interface Summed {
  /** Events summed since the last line (1 for a line written at once). */
  count: number;
}

export class SummedLog<P extends Summed> {
  private readonly pending = new Map<string, P>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: {
      /** Writes one line: an event on its own, or the sum of an interval. */
      write: (reason: string, summed: P) => void;
      /** Adds an event to the sum of its reason. */
      add: (sum: P, event: P) => void;
      /** The sum to start from after a line (count 0), from the last one. */
      restart: (last: P) => P;
      intervalMs: number;
    },
  ) {}

  /** One event (`count` 1) for `reason`. */
  note(reason: string, event: P): void {
    const p = this.pending.get(reason);
    if (p) {
      this.o.add(p, event);
      return;
    }
    this.o.write(reason, event);
    this.pending.set(reason, this.o.restart(event));
    this.timer ??= setInterval(() => this.flush(), this.o.intervalMs).unref();
  }

  /** Writes what was summed since the last flush. */
  flush(): void {
    for (const [reason, p] of this.pending) {
      if (p.count === 0) this.pending.delete(reason);
      else {
        this.o.write(reason, p);
        this.pending.set(reason, this.o.restart(p));
      }
    }
    if (this.pending.size === 0) this.stop();
  }

  /** Writes what is pending and stops the timer. */
  close(): void {
    this.flush();
    this.pending.clear();
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
