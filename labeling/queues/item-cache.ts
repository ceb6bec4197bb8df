/**
 * Items as labelers are given them, read ahead. Labelers of a queue move through it in
 * FIFO order, so when one item is read, the next ones in that order are read with it in
 * one query and kept for whoever asks next: `next` mostly answers without a query.
 * Items never change once stored, so a cached item is never stale. Bounded (least
 * recently used first out).
 */
import type { QueueStore, StoredItem } from './store.js';

export class ItemCache {
  private readonly items = new Map<string, StoredItem>();
  /** Reads in progress, so concurrent callers wait for one query, not many. */
  private readonly pending = new Map<string, Promise<Map<string, StoredItem>>>();

  constructor(
    private readonly store: QueueStore,
    private readonly capacity = 4096,
  ) {}

  /** The item, reading `ahead()` (the ids expected next) along with it when it is not cached. */
  async get(queue: string, id: string, ahead: () => string[] = () => []): Promise<StoredItem | undefined> {
    const key = `${queue}\0${id}`;
    const hit = this.items.get(key);
    if (hit) {
      this.items.delete(key);
      this.items.set(key, hit);
      return hit;
    }
    const inFlight = this.pending.get(key);
    if (inFlight) return (await inFlight).get(id);
    const ids = [id, ...ahead().filter((x) => x !== id && !this.items.has(`${queue}\0${x}`) && !this.pending.has(`${queue}\0${x}`))];
    const read = this.store.getMany(queue, ids);
    for (const x of ids) this.pending.set(`${queue}\0${x}`, read);
    try {
      const got = await read;
      for (const [x, item] of got) this.remember(`${queue}\0${x}`, item);
      return got.get(id);
    } finally {
      for (const x of ids) if (this.pending.get(`${queue}\0${x}`) === read) this.pending.delete(`${queue}\0${x}`);
    }
  }

  private remember(key: string, item: StoredItem): void {
    this.items.delete(key);
    this.items.set(key, item);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value!);
  }
}
