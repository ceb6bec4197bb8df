/**
 * Gives memory back once started (the engine's start-up touched much that it will not run
 * again) and whenever no export has arrived for `afterMs`: memory held but not in use (the
 * engine's allocator's free pages) and the pages of the engine's code, which the work that
 * follows reads back as it runs it.
 */
export interface IdleReleaseOptions {
  afterMs: number;
  /** When the last export arrived (ms since the epoch), or 0 if none has. */
  lastActivity: () => number;
  release: () => Promise<void>;
  /** A release that failed (the next quiet stretch tries again). */
  onError?: (e: unknown) => void;
  now?: () => number;
}

export class IdleRelease {
  private readonly now: () => number;
  private readonly startedAt: number;
  /** The quiet stretch released last: it began at this time. */
  private releasedStretch = -1;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: IdleReleaseOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Releases now, then checks every twelfth of `afterMs` (1 to 10 s), without keeping the process alive. */
  start(): Promise<void> {
    if (this.o.afterMs <= 0) return Promise.resolve();
    this.timer = setInterval(() => void this.check(), Math.min(10_000, Math.max(1000, this.o.afterMs / 12)));
    this.timer.unref();
    // This covers the stretch from the start: the next release follows an export.
    this.releasedStretch = this.startedAt;
    return this.release();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Releases when it is time to; resolves once that release is done. */
  async check(): Promise<boolean> {
    // The stretch began with the last export, or with the start when none has come since.
    const stretch = Math.max(this.o.lastActivity(), this.startedAt);
    if (this.o.afterMs <= 0 || stretch === this.releasedStretch || this.now() - stretch < this.o.afterMs || this.running) return false;
    this.releasedStretch = stretch;
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
