/**
 * Per-rule rate limits and dedupe windows, kept in memory by each replica.
 *
 * Both remember which item ids they let through recently, so a retried export (the same
 * span, the same item id) is routed again instead of being counted as a second item or
 * a duplicate: the item id makes the second insert a no-op in storage.
 */

const RATE_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `100/h` (as config validates it) -> a count per period in milliseconds. */
export function parseRate(text: string): { count: number; perMs: number } {
  const [n, unit] = text.split('/').map((s) => s.trim());
  return { count: Number(n), perMs: RATE_UNITS_MS[unit] };
}

/** A token bucket: `count` items per `perMs`, refilled continuously. */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly recent = new RecentIds(4096);

  constructor(
    private readonly count: number,
    private readonly perMs: number,
  ) {
    this.tokens = count;
    this.last = 0;
  }

  allow(itemId: string, now: number): boolean {
    if (this.recent.has(itemId)) return true;
    if (this.last === 0) this.last = now;
    this.tokens = Math.min(this.count, this.tokens + ((now - this.last) * this.count) / this.perMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.recent.add(itemId);
    return true;
  }
}

/** Remembers dedupe keys for `withinMs`; a key seen again with another item id is a duplicate. */
export class DedupeWindow {
  private readonly seen = new Map<string, { itemId: string; at: number }>();
  private sweepAt = 0;

  constructor(
    private readonly withinMs: number,
    private readonly maxKeys = 1_000_000,
  ) {}

  /** True when this item may go ahead (first of its key in the window, or the same item again). */
  admit(key: string, itemId: string, now: number): boolean {
    if (!this.admits(key, itemId, now)) return false;
    this.record(key, itemId, now);
    return true;
  }

  /** `admit` without remembering: the key is taken only by `record`, once the item is enqueued. */
  admits(key: string, itemId: string, now: number): boolean {
    const prev = this.seen.get(key);
    return !prev || now - prev.at >= this.withinMs || prev.itemId === itemId;
  }

  record(key: string, itemId: string, now: number): void {
    const prev = this.seen.get(key);
    // The same item again keeps its window (as admit always did): a retry does not extend it.
    if (prev && now - prev.at < this.withinMs && prev.itemId === itemId) return;
    this.seen.delete(key);
    this.seen.set(key, { itemId, at: now });
    if (this.seen.size > this.maxKeys || now >= this.sweepAt) this.sweep(now);
  }

  private sweep(now: number): void {
    this.sweepAt = now + Math.max(1000, this.withinMs / 4);
    // Insertion order is time order: stop at the first key still inside the window.
    for (const [k, v] of this.seen) {
      if (now - v.at < this.withinMs && this.seen.size <= this.maxKeys) break;
      this.seen.delete(k);
    }
  }
}

/** A bounded set of recent ids (oldest forgotten first). */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly max: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
  }
}
