/**
 * Bounds what spansift holds at once: request bytes between receipt and answer, spans
 * waiting for their insert, and (optionally) the process's resident memory. What does not
 * fit is turned away at once with OVERLOADED and a retry delay, before it is read or
 * decoded where possible, so memory stays bounded however much load is offered.
 */
import { SpansiftError } from './errors.js';
import { collectGarbage } from './heap.js';
import type { Metrics } from './metrics.js';

export interface AdmissionOptions {
  maxBytes: number;
  maxSpans: number;
  /** Refuse new work while RSS is above this many bytes (limits.memory_limit less memory_spike_limit); 0 turns the check off. */
  memoryLimit: number;
  retryAfterMs: number;
  metrics?: Metrics;
  /** Over the memory limit: asks the embedded engine to return the memory its allocator keeps (and its code pages, with `codePages`). */
  releaseMemory?: (o: { codePages: boolean }) => Promise<unknown>;
}

export class Admission {
  private bytes = 0;
  private spans = 0;
  private closed = false;
  private rssCheckedAt = 0;
  private rssOver = false;
  private collectedAt = 0;
  private codeReleasedAt = -Infinity;
  /** When the last request asked to come in (let in or not), ms since the epoch; 0 before any. */
  lastRequestAt = 0;

  constructor(private readonly o: AdmissionOptions) {}

  /**
   * Lets a request in, or refuses it before its body is read: when shutting down, or when the
   * `declared` size (Content-Length, or the whole message) cannot fit. Reserves nothing: a
   * declared length is only a claim, and a client that never sends its body must not hold
   * bytes that others need. The bytes are counted as they arrive, by `takeBytes`.
   */
  admit(declared: number): void {
    this.lastRequestAt = Date.now();
    if (this.closed) throw new SpansiftError('SHUTTING_DOWN', 'spansift is shutting down', { retryAfterMs: this.o.retryAfterMs });
    this.check(declared, 0);
  }

  /**
   * Counts `n` more bytes of an admitted request that holds `held` bytes already; the caller
   * must release them all when the request is answered. A request that is all there is in
   * flight always gets its bytes, however large (as one request alone always gets in).
   */
  takeBytes(n: number, held = 0): void {
    this.check(n, held);
    this.bytes += n;
    this.o.metrics?.inflightBytes.set(this.bytes);
  }

  releaseBytes(n: number): void {
    this.bytes -= n;
    this.o.metrics?.inflightBytes.set(this.bytes);
  }

  takeSpans(n: number): void {
    if (this.spans > 0 && this.spans + n > this.o.maxSpans) throw this.overloaded(`${this.spans} spans waiting for storage (limit ${this.o.maxSpans})`);
    this.spans += n;
    this.o.metrics?.inflightSpans.set(this.spans);
  }

  releaseSpans(n: number): void {
    this.spans -= n;
    this.o.metrics?.inflightSpans.set(this.spans);
  }

  private check(n: number, held: number): void {
    const others = this.bytes - held;
    if (others > 0 && this.bytes + n > this.o.maxBytes) throw this.overloaded(`${this.bytes} request bytes in flight (limit ${this.o.maxBytes})`);
    // Memory the engine's allocator keeps after a burst does not shrink by refusing, so an
    // idle process always takes the next request: refusing it would refuse forever.
    if ((others > 0 || this.spans > 0) && this.memoryOver()) {
      throw this.overloaded(`resident memory above limits.memory_limit less memory_spike_limit (${this.o.memoryLimit} bytes)`);
    }
  }

  /** New requests are refused from now on (`admit`); those admitted finish. */
  close(): void {
    this.closed = true;
  }

  get inflightBytes(): number {
    return this.bytes;
  }

  get retryAfterMs(): number {
    return this.o.retryAfterMs;
  }

  /**
   * Whether resident memory is above limits.memory_limit less memory_spike_limit (read at most every 5 ms); while it
   * is, at most once a second, collects Node's garbage and has the engine give back the pages
   * its allocator keeps. The log's drain asks too: after a burst it inserts with no request
   * coming in, and its reads and inserts need the same collection.
   */
  memoryOver(): boolean {
    if (this.o.memoryLimit <= 0) return false;
    const now = Date.now();
    // rss() is a syscall; reading it every few ms is plenty to react to a surge.
    if (now - this.rssCheckedAt >= 5) {
      this.rssCheckedAt = now;
      this.rssOver = process.memoryUsage.rss() > this.o.memoryLimit;
      if (this.rssOver && now - this.collectedAt >= COLLECT_EVERY_MS) {
        // V8 frees garbage when it decides to, and after a surge of large inserts its heap can
        // hold far more garbage than live data, so refusing alone would wait on it for long.
        // Like the collector's memory_limiter, collect now; and the engine's allocator, which
        // keeps freed pages for reuse, gives them back.
        this.collectedAt = now;
        collectGarbage();
        // The code pages go too, but seldom: the engine reads back the code it is running, and
        // doing that every second would cost more than it frees.
        const codePages = now - this.codeReleasedAt >= CODE_PAGES_EVERY_MS;
        if (codePages) this.codeReleasedAt = now;
        this.o.releaseMemory?.({ codePages }).catch(() => {
          /* the engine is busy or stopping: the next check tries again */
        });
      }
    }
    return this.rssOver;
  }

  private overloaded(why: string): SpansiftError {
    return new SpansiftError('OVERLOADED', `spansift is overloaded: ${why}; retry later`, { retryAfterMs: this.o.retryAfterMs });
  }
}

/** A full collection takes tens of milliseconds on a large heap: at most this often. */
const COLLECT_EVERY_MS = 1000;
/** The engine's code pages, over the limit: at most this often. */
const CODE_PAGES_EVERY_MS = 60_000;
