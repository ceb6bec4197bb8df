/**
 * Gives memory back once started (the engine's start-up touched much that it will not run
 * again) and whenever no export has arrived for `afterMs`. What is released is memory held but not in use (the engine's
 * allocator's free pages, the pages of its code it is not running); work that follows gets
 * it back as it needs it.
 */
export interface IdleReleaseOptions {
  afterMs: number;
  /** A number that changes whenever an export arrives (a count of requests). */
  activity: () => number;
  release: () => Promise<void>;
  /** A release that failed (the next quiet stretch tries again). */
  onError?: (e: unknown) => void;
  now?: () => number;
}

export class IdleRelease {
  private readonly now: () => number;
  private seen: number;
  private quietSince: number;
  /** Released during the current quiet stretch. */
  private releasedQuiet = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: IdleReleaseOptions) {
    this.now = o.now ?? Date.now;
    this.quietSince = this.now();
    this.seen = o.activity();
  }

  /** Releases now, then checks every quarter of `afterMs` (at most every 30 s), without keeping the process alive. */
  start(): Promise<void> {
    if (this.o.afterMs <= 0) return Promise.resolve();
    this.timer = setInterval(() => void this.check(), Math.min(30_000, Math.max(1000, this.o.afterMs / 4)));
    this.timer.unref();
    return this.release();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Releases when it is time to; resolves once that release is done. */
  async check(): Promise<boolean> {
    const now = this.now();
    const a = this.o.activity();
    if (a !== this.seen) {
      this.seen = a;
      this.quietSince = now;
      this.releasedQuiet = false;
    }
    if (this.o.afterMs <= 0 || this.releasedQuiet || now - this.quietSince < this.o.afterMs || this.running) return false;
    this.releasedQuiet = true;
    await this.release();
    return true;
  }

  private async release(): Promise<void> {
    this.running = this.o
      .release()
      .catch((e: unknown) => this.o.onError?.(e))
      .finally(() => (this.running = undefined));
    await this.running;
  }
}
