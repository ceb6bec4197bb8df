/**
 * The labeling desk: what labelers do with queue items. It keeps one next-item index per
 * queue in memory (loaded at start, fed by this process's writes and by polling what
 * other replicas write), hands out items under leases, stores labels as append-only
 * versions and records each item's completion as an event, exactly once.
 *
 * The caller's identity comes from the API layer; the desk checks only what depends on
 * labeling state (a labeler reads the items they were given, never the whole queue).
 */
import { hash } from 'node:crypto';
import { FieldError, SpansiftError } from '../collector/errors.js';
import type { Logger } from '../collector/log.js';
import { dateTime64ToMs } from '../collector/storage/rows.js';
import type { QueueSpec } from '../config/queues.js';
import type { QueueStore, StoredItem, WrittenItem } from './queues/store.js';
import { ItemCache } from './queues/item-cache.js';
import { QueueIndex, type LabelerProgress } from './leases/queue-index.js';
import type { LeaseRow, LeaseStore } from './leases/store.js';
import type { LabelEvent, LabelStore, LabelVersion, LabelerStateRow } from './labels/store.js';
import { decodeValue, encodeValue, isGiven, schemaVersion, type LabelValue, type StoredValue } from './labels/values.js';

export interface DeskConfig {
  queues: Record<string, QueueSpec>;
  labeling: { lease_ttl: number; poll_interval: number };
}

export interface DeskOptions {
  queues: QueueStore;
  labels: LabelStore;
  leases: LeaseStore;
  config: () => DeskConfig;
  log?: Logger;
  now?: () => number;
  /** Told of label events once they are stored (the actions run on them). */
  onEvents?: (events: LabelEvent[]) => void;
  /**
   * No other replica writes this storage (the embedded engine, locked to this process):
   * polls read nothing in, and only do again what failed here.
   */
  alone?: boolean;
}

/** Who is asking, as the API established it. */
export interface Caller {
  name: string;
  role: 'admin' | 'labeler';
}

/** One labeler's labels on an item, as the API shows them. */
export interface LabelsView {
  labeler: string;
  /** `none` nothing saved; `draft` saved, never submitted; `submitted`; `skipped`. */
  status: 'none' | 'draft' | 'submitted' | 'skipped';
  /** The latest version (what the form shows), by label name. */
  values: Record<string, LabelValue>;
  reasoning: Record<string, string>;
  /** Values of labels the queue's schema no longer has: kept, shown apart. */
  retired: Record<string, LabelValue>;
  /** The latest version is a draft saved after the last submit. */
  draft: boolean;
  version: number | null;
  updated_at: string | null;
  /** The latest submitted version: what counts for completion, datasets and evaluations. */
  submitted: { values: Record<string, LabelValue>; reasoning: Record<string, string>; version: number; at: string } | null;
  skip_reason?: string;
  /** The schema version the latest version was written under. */
  schema_version: number | null;
}

export interface PutLabels {
  values: Record<string, unknown>;
  reasoning?: Record<string, string | null>;
  submit: boolean;
}

export interface QueueSummary {
  counts: { total: number; completed: number; pending: number };
  mine: { submitted: number; skipped: number; left: number; seen: number };
  labelers?: LabelerProgress[];
}

/**
 * A poll reads rows other replicas inserted since the previous poll began, by the server's
 * clock, less this much: inserts that began earlier but became visible later (or
 * another shard's clock running behind) are read in too. Repeats are harmless.
 */
const POLL_OVERLAP_MS = 10_000;
/** Rows about an item not known yet (its insert not visible yet) are tried again for this long. */
const ORPHAN_MS = 120_000;
/** Items read along with the one asked for: the next ones in FIFO order. */
const READ_AHEAD = 64;
/** Labelers' versions on items kept in memory (each labeler's recent items). */
const VERSIONS_CACHED = 10_000;

export class LabelDesk {
  private readonly indexes = new Map<string, QueueIndex>();
  /** Indexes being loaded: items written meanwhile go into them too. */
  private readonly loading = new Map<string, QueueIndex>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private lastPoll = 0;
  private stopped = false;
  private readonly items: ItemCache;
  /** Each labeler's versions on an item, as stored, for the items they worked on lately. */
  private readonly versionCache = new Map<string, LabelVersion[]>();
  /** Completion events being written (a PUT does not wait for them; a restart writes any lost). */
  private readonly eventWrites = new Set<Promise<void>>();
  /** Events whose write failed: written again at the next poll. */
  private unwritten: LabelEvent[] = [];
  /** Polled rows about items this replica does not know yet, with when they were first seen. */
  private orphans: { at: number; state?: LabelerStateRow; lease?: LeaseRow }[] = [];

  constructor(private readonly o: DeskOptions) {
    this.now = o.now ?? Date.now;
    this.items = new ItemCache(o.queues);
    o.queues.onWritten = (rows) => this.itemsWritten(rows);
  }

  /** Loads every queue's index from storage, records completions a crash left unrecorded, and starts polling. */
  async start(): Promise<void> {
    this.lastPoll = await this.o.queues.serverNow();
    await this.reconfigure();
    this.schedulePoll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * Loads the state of the queues a config has that are not loaded yet (new queues, and
   * queues whose labelers_per_item changed); queues it lacks are dropped. A reload calls
   * it with the new config's queues before switching to that config, so a new queue has
   * its state when it first appears.
   */
  async reconfigure(specs: Record<string, QueueSpec> = this.o.config().queues): Promise<void> {
    const load = Object.entries(specs)
      .filter(([name, spec]) => this.indexes.get(name)?.labelersPerItem !== spec.labelers_per_item)
      .map(([name]) => name);
    if (load.length) await this.load(load, specs);
    for (const name of [...this.indexes.keys()]) if (!Object.hasOwn(specs, name)) this.indexes.delete(name);
  }

  private async load(names: string[], specs: Record<string, QueueSpec>): Promise<void> {
    const fresh = new Map(names.map((n) => [n, new QueueIndex(specs[n].labelers_per_item)]));
    for (const [n, index] of fresh) this.loading.set(n, index);
    const recorded = new Map<string, Set<string>>();
    try {
      for await (const page of this.o.queues.keys(names)) for (const k of page) fresh.get(k.queue)?.addItem(k.item_id, k.t);
      for (const s of await this.o.labels.labelerStates(names)) {
        if (s.state === 'draft') fresh.get(s.queue)?.touch(s.item_id, s.labeler);
        else fresh.get(s.queue)?.apply(s.item_id, s.labeler, s.state, s.version);
      }
      for (const l of await this.o.leases.load(names)) fresh.get(l.queue)?.applyLease(l.item_id, l.labeler, l.leased_at, l.expires_at);
      // An item whose completion is recorded stays completed, whatever its labels say now.
      for (const [n, index] of fresh) {
        const done = await this.o.labels.completedItems(n);
        recorded.set(n, done);
        for (const id of done) index.markComplete(id);
      }
    } finally {
      for (const [n, index] of fresh) if (this.loading.get(n) === index) this.loading.delete(n);
    }
    for (const [name, index] of fresh) {
      this.indexes.set(name, index);
      await this.recordMissingCompletions(name, index, recorded.get(name)!);
    }
  }

  /** A completion whose event a crash (or a replica stopping) left unwritten is written now; the event id folds repeats. */
  private async recordMissingCompletions(queue: string, index: QueueIndex, recorded: Set<string>): Promise<void> {
    const missing = index.completedIds().filter((id) => !recorded.has(id));
    const now = this.now();
    for (let i = 0; i < missing.length; i += 10_000) {
      await this.record(missing.slice(i, i + 10_000).map((id) => this.completionEvent(queue, id, index, '', now)));
    }
    if (missing.length) this.o.log?.info({ queue, items: missing.length }, 'recorded completions that were not recorded before the last stop');
  }

  // ---- what labelers do ----

  /** The caller's next item with a lease, or undefined when nothing is left for them. */
  async next(caller: Caller, queue: string): Promise<{ item: StoredItem; expiresAt: number; position: number } | undefined> {
    const index = this.index(queue);
    const now = this.now();
    const ttl = this.o.config().labeling.lease_ttl;
    const held = index.holdingOf(caller.name);
    const claim = index.next(caller.name, now, ttl);
    if (held && held !== claim?.id && index.leaseOf(held, caller.name, now) === undefined) this.recordRelease(queue, held, caller.name, now);
    if (!claim) return undefined;
    this.o.leases.record(queue, claim.id, caller.name, now, claim.expiresAt);
    this.mirror(queue, (ix) => ix.applyLease(claim.id, caller.name, now, claim.expiresAt));
    const item = await this.items.get(queue, claim.id, () => index.after(claim.id, READ_AHEAD));
    if (!item) {
      // Indexed items are stored ones (written here, or read from storage): this is storage failing.
      index.release(claim.id, caller.name, now);
      this.recordRelease(queue, claim.id, caller.name, now);
      throw new SpansiftError('STORAGE_UNAVAILABLE', `item ${claim.id} of queue "${queue}" could not be read`, { retryAfterMs: 1000 });
    }
    return { item, expiresAt: claim.expiresAt, position: index.positionOf(caller.name, claim.id) };
  }

  /** An item the caller may read: any for an admin, the ones they were given for a labeler. */
  async item(caller: Caller, queue: string, id: string): Promise<StoredItem> {
    const index = this.index(queue);
    if (caller.role !== 'admin' && !index.hasSeen(caller.name, id)) throw notFound(queue, id);
    const item = await this.items.get(queue, id);
    if (!item) throw notFound(queue, id);
    return item;
  }

  /** The caller's labels on an item, or everyone's (admins), as views. */
  async labelsOf(queue: string, id: string, labeler?: string): Promise<LabelsView[]> {
    if (labeler !== undefined) return [this.view(queue, labeler, await this.versionsOf(queue, id, labeler))];
    const versions = await this.o.labels.versions(queue, id);
    const byLabeler = new Map<string, LabelVersion[]>();
    for (const v of versions) byLabeler.set(v.labeler, [...(byLabeler.get(v.labeler) ?? []), v]);
    return [...byLabeler].sort(([a], [b]) => a.localeCompare(b)).map(([who, vs]) => this.view(queue, who, vs));
  }

  /** Every version, oldest first (one labeler's or everyone's). */
  async history(queue: string, id: string, labeler?: string): Promise<Array<{ labeler: string; version: number; state: string; at: string; values: Record<string, LabelValue>; reasoning: Record<string, string>; skip_reason?: string; schema_version: number }>> {
    return (await this.o.labels.versions(queue, id, labeler)).map((v) => ({
      labeler: v.labeler,
      version: v.version,
      state: v.state,
      at: new Date(v.at).toISOString(),
      values: decodeAll(v.values),
      reasoning: Object.fromEntries(v.reasoning),
      ...(v.skipReason !== undefined ? { skip_reason: v.skipReason } : {}),
      schema_version: v.schemaVersion,
    }));
  }

  /**
   * Saves the caller's labels on an item as a new version: the previous version with the
   * given values replacing its own (null clears a label). Submitting checks required
   * labels, completes the item for the caller and releases their lease. Resolves once the
   * version (and any event it causes) is stored.
   */
  async putLabels(caller: Caller, queue: string, id: string, body: PutLabels): Promise<LabelsView> {
    const spec = this.spec(queue);
    const index = this.index(queue);
    if (!index.has(id) || (caller.role !== 'admin' && !index.hasSeen(caller.name, id))) throw notFound(queue, id);
    return this.locked(`${queue}\0${id}\0${caller.name}`, async () => {
      const versions = [...(await this.versionsOf(queue, id, caller.name))];
      const last = versions[versions.length - 1];
      const values = new Map<string, StoredValue>(last?.values ?? []);
      const reasoning = new Map<string, string>(last?.reasoning ?? []);
      const labels = new Map(spec.labels.map((l) => [l.name, l]));
      for (const [name, v] of Object.entries(body.values)) {
        const l = labels.get(name);
        if (!l) throw new FieldError(`values.${name}`, `values.${name}: queue "${queue}" has no label "${name}" (labels: ${[...labels.keys()].join(', ')})`);
        if (v === null) values.delete(name);
        else values.set(name, encodeValue(l, v, `values.${name}`));
      }
      for (const [name, r] of Object.entries(body.reasoning ?? {})) {
        if (!labels.has(name)) throw new FieldError(`reasoning.${name}`, `reasoning.${name}: queue "${queue}" has no label "${name}"`);
        if (r === null || r === '') reasoning.delete(name);
        else if (typeof r !== 'string' || r.length > 100_000) throw new FieldError(`reasoning.${name}`, `reasoning.${name}: expected a string of at most 100000 characters`);
        else reasoning.set(name, r);
      }
      if (body.submit) {
        const missing = spec.labels.filter((l) => l.required && !isGiven(values.get(l.name)));
        if (missing.length) {
          const m = missing[0].name;
          throw new FieldError(`values.${m}`, `values.${m}: required to submit (missing: ${missing.map((l) => l.name).join(', ')})`);
        }
      }
      const now = this.now();
      const version: LabelVersion = {
        labeler: caller.name,
        // Versions of one labeler on one item only grow, whatever the clock does.
        version: Math.max(now, (last?.version ?? 0) + 1),
        state: body.submit ? 'submitted' : 'draft',
        at: now,
        schemaVersion: schemaVersion(spec.labels),
        values,
        reasoning,
      };
      await this.o.labels.append(queue, id, version);
      versions.push(version);
      this.rememberVersions(queue, id, caller.name, versions);
      this.mirror(queue, (ix) => ix.touch(id, caller.name), true);
      if (body.submit) {
        const held = index.leaseOf(id, caller.name, now) !== undefined;
        // What this submit did, as the index (this replica's one place of truth) says: exactly one submit completes an item.
        const applied = index.apply(id, caller.name, 'submitted', version.version);
        this.mirror(queue, (ix) => ix.apply(id, caller.name, 'submitted', version.version), false);
        if (held) this.recordRelease(queue, id, caller.name, now);
        // An update is known only from this event; a completion can be told again from the labels (at the next start).
        if (applied.wasComplete) await this.record([this.updatedEvent(queue, id, index, caller.name, version.version, now)]);
        else if (applied.completed) this.writeInBackground([this.completionEvent(queue, id, index, caller.name, now)]);
      }
      return this.view(queue, caller.name, versions);
    });
  }

  /** The caller will not get the item again (others still do). */
  async skip(caller: Caller, queue: string, id: string, reason: string | undefined): Promise<LabelsView> {
    const spec = this.spec(queue);
    const index = this.index(queue);
    if (!index.has(id) || (caller.role !== 'admin' && !index.hasSeen(caller.name, id))) throw notFound(queue, id);
    return this.locked(`${queue}\0${id}\0${caller.name}`, async () => {
      if (index.stateOf(id, caller.name) === 'submitted') throw new SpansiftError('CONFLICT', `you submitted item ${id}: change your labels instead of skipping it`);
      const versions = [...(await this.versionsOf(queue, id, caller.name))];
      const last = versions[versions.length - 1];
      const now = this.now();
      const version: LabelVersion = {
        labeler: caller.name,
        version: Math.max(now, (last?.version ?? 0) + 1),
        state: 'skipped',
        at: now,
        schemaVersion: schemaVersion(spec.labels),
        values: new Map(last?.values ?? []),
        reasoning: new Map(last?.reasoning ?? []),
        skipReason: reason ?? '',
      };
      await this.o.labels.append(queue, id, version);
      versions.push(version);
      this.rememberVersions(queue, id, caller.name, versions);
      const held = index.leaseOf(id, caller.name, now) !== undefined;
      index.apply(id, caller.name, 'skipped', version.version);
      this.mirror(queue, (ix) => ix.apply(id, caller.name, 'skipped', version.version), false);
      if (held) this.recordRelease(queue, id, caller.name, now);
      return this.view(queue, caller.name, versions);
    });
  }

  /** Extends the caller's lease on an item; CONFLICT when others hold it to capacity. */
  renew(caller: Caller, queue: string, id: string): number {
    const index = this.index(queue);
    if (!index.has(id) || (caller.role !== 'admin' && !index.hasSeen(caller.name, id))) throw notFound(queue, id);
    if (index.isComplete(id) || index.stateOf(id, caller.name)) throw new SpansiftError('CONFLICT', `item ${id} needs no lease: it is ${index.isComplete(id) ? 'completed' : `already ${index.stateOf(id, caller.name)} by ${caller.name}`}`);
    const now = this.now();
    const held = index.holdingOf(caller.name);
    const exp = index.renew(id, caller.name, now, this.o.config().labeling.lease_ttl);
    if (exp === undefined) throw new SpansiftError('CONFLICT', `item ${id} is leased to other labelers`);
    if (held && held !== id) this.recordRelease(queue, held, caller.name, now);
    this.o.leases.record(queue, id, caller.name, now, exp);
    this.mirror(queue, (ix) => ix.applyLease(id, caller.name, now, exp));
    return exp;
  }

  /**
   * Releases the caller's lease. With `leasedAt` (what the caller last saw of it), only
   * that lease: a release that arrives after the lease was taken again (a page closing
   * while the next one, on the same item, opens) leaves the new one alone.
   */
  release(caller: Caller, queue: string, id: string, leasedAt?: number): void {
    const index = this.index(queue);
    if (!index.has(id) || (caller.role !== 'admin' && !index.hasSeen(caller.name, id))) throw notFound(queue, id);
    const now = this.now();
    const current = index.leasedAtOf(id, caller.name, now);
    if (current === undefined || (leasedAt !== undefined && leasedAt !== current)) return;
    index.release(id, caller.name, now);
    this.o.leases.record(queue, id, caller.name, now, now);
  }

  /** The item at `position` of what the caller was given (0 is the first). */
  mine(caller: Caller, queue: string, position: number): { id: string; seen: number } | undefined {
    const seen = this.index(queue).seen(caller.name);
    return position < seen.length ? { id: seen[position], seen: seen.length } : undefined;
  }

  isComplete(queue: string, id: string): boolean {
    return this.index(queue).isComplete(id);
  }

  leaseOf(caller: Caller, queue: string, id: string): number | undefined {
    return this.index(queue).leaseOf(id, caller.name, this.now());
  }

  /** When the caller's lease on an item was taken or last renewed. */
  leasedAtOf(caller: Caller, queue: string, id: string): number | undefined {
    return this.index(queue).leasedAtOf(id, caller.name, this.now());
  }

  positionOf(caller: Caller, queue: string, id: string): number {
    return this.index(queue).positionOf(caller.name, id);
  }

  summary(caller: Caller, queue: string): QueueSummary {
    const index = this.index(queue);
    const p = index.progress(caller.name);
    const out: QueueSummary = {
      counts: { total: index.total, completed: index.completed, pending: index.total - index.completed },
      mine: { submitted: p.submitted, skipped: p.skipped, left: index.leftFor(caller.name), seen: p.seen },
    };
    if (caller.role === 'admin') out.labelers = index.allProgress();
    return out;
  }

  async events(queue: string, afterMs: number, limit: number, afterId = ''): Promise<LabelEvent[]> {
    this.index(queue);
    await Promise.all(this.eventWrites);
    return this.o.labels.eventsOf(queue, afterMs, limit, afterId);
  }

  // ---- bookkeeping ----

  private itemsWritten(rows: readonly WrittenItem[]): void {
    for (const r of rows) {
      const t = dateTime64ToMs(r.enqueued_at);
      this.indexes.get(r.queue)?.addItem(r.item_id, t);
      this.loading.get(r.queue)?.addItem(r.item_id, t);
    }
  }

  private schedulePoll(): void {
    const every = this.o.config().labeling.poll_interval;
    if (this.stopped || every <= 0) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .catch((e: unknown) => this.o.log?.warn({ err: e }, this.o.alone ? 'loading a queue or recording a completion failed; retrying at the next poll' : 'reading what other replicas wrote failed; retrying at the next poll'))
        .finally(() => this.schedulePoll());
    }, every);
    this.timer.unref();
  }

  /** Reads in items, submits, skips and leases written since the last poll (by any replica). */
  async poll(): Promise<void> {
    if (this.o.alone) {
      // Nothing to read in: only what failed here is done again.
      await this.reloadFailedQueues();
      return this.recordOrKeep(this.unwritten.splice(0));
    }
    const started = await this.o.queues.serverNow();
    await this.reloadFailedQueues();
    const since = this.lastPoll - POLL_OVERLAP_MS;
    const [items, states, leases] = await Promise.all([this.o.queues.keysSince(since), this.o.labels.labelerStatesSince(since), this.o.leases.since(since)]);
    for (const k of items) this.indexes.get(k.queue)?.addItem(k.item_id, k.t);
    // Rows about items not seen yet wait (their item's insert may not be visible yet), for a while.
    const now = this.now();
    const waiting = this.orphans.filter((o) => now - o.at < ORPHAN_MS);
    this.orphans = [];
    const completed = [...this.unwritten.splice(0)];
    for (const { state: s, at } of [...waiting, ...states.map((state) => ({ state, at: now }))]) {
      if (!s) continue;
      const index = this.indexes.get(s.queue);
      if (!index) continue;
      if (!index.has(s.item_id)) {
        this.orphans.push({ at, state: s });
        continue;
      }
      // A version this process did not write (another replica's) makes what it cached of that labeler's item stale.
      const key = `${s.queue}\0${s.item_id}\0${s.labeler}`;
      if (this.versionCache.get(key)?.some((v) => v.version === s.version) === false) this.versionCache.delete(key);
      if (s.state === 'draft') {
        index.touch(s.item_id, s.labeler);
        continue;
      }
      // Whoever sees an item complete first records it; the event's id folds the copies.
      if (index.apply(s.item_id, s.labeler, s.state, s.version).completed) completed.push(this.completionEvent(s.queue, s.item_id, index, s.labeler, now));
    }
    for (const { lease: l, at } of [...waiting, ...leases.map((lease) => ({ lease, at: now }))]) {
      if (!l) continue;
      const index = this.indexes.get(l.queue);
      if (index && !index.has(l.item_id)) this.orphans.push({ at, lease: l });
      else index?.applyLease(l.item_id, l.labeler, l.leased_at, l.expires_at);
    }
    await this.recordOrKeep(completed);
    this.lastPoll = started;
  }

  /** A queue whose load failed (at a reload) is loaded again. */
  private async reloadFailedQueues(): Promise<void> {
    if (Object.keys(this.o.config().queues).some((q) => !this.indexes.has(q))) await this.reconfigure();
  }

  /** Records completion events; those whose write fails are written again at the next poll. */
  private async recordOrKeep(completed: LabelEvent[]): Promise<void> {
    try {
      await this.record(completed);
    } catch (e) {
      this.unwritten.push(...completed);
      throw e;
    }
  }

  /** Waits for a poll and event writes in progress (tests, shutdown). */
  async settled(): Promise<void> {
    await this.polling;
    await Promise.all(this.eventWrites);
  }

  /** Applies a change to a queue's index being loaded (and, unless `main` is false, to the one in use). */
  private mirror(queue: string, change: (ix: QueueIndex) => void, main = false): void {
    const loading = this.loading.get(queue);
    if (loading) change(loading);
    if (main) {
      const ix = this.indexes.get(queue);
      if (ix) change(ix);
    }
  }

  private recordRelease(queue: string, id: string, labeler: string, now: number): void {
    this.o.leases.record(queue, id, labeler, now, now);
    this.mirror(queue, (ix) => ix.release(id, labeler, now));
  }

  /** Stores events, then tells whoever acts on them. */
  private async record(events: LabelEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.o.labels.appendEvents(events);
    this.o.onEvents?.(events);
  }

  private writeInBackground(events: LabelEvent[]): void {
    const write = this.record(events).catch((e: unknown) => {
      this.unwritten.push(...events);
      this.o.log?.warn({ err: e, queue: events[0]?.queue }, 'a completion event could not be written; trying again at the next poll');
    });
    this.eventWrites.add(write);
    void write.finally(() => this.eventWrites.delete(write));
  }

  /** A labeler's versions on an item: from memory when this process has them, else from storage. */
  private async versionsOf(queue: string, id: string, labeler: string): Promise<readonly LabelVersion[]> {
    const key = `${queue}\0${id}\0${labeler}`;
    const hit = this.versionCache.get(key);
    if (hit) return hit;
    const index = this.indexes.get(queue);
    // Nothing saved by this labeler on this item (as this replica knows): no query.
    const versions = index && !index.touched(id, labeler) ? [] : await this.o.labels.versions(queue, id, labeler);
    this.rememberVersions(queue, id, labeler, versions);
    return versions;
  }

  private rememberVersions(queue: string, id: string, labeler: string, versions: LabelVersion[]): void {
    const key = `${queue}\0${id}\0${labeler}`;
    // A read that began before a save finished must not put back what the save replaced.
    const had = this.versionCache.get(key);
    const latest = (vs: readonly LabelVersion[]) => vs[vs.length - 1]?.version ?? -Infinity;
    if (had && latest(had) > latest(versions)) return;
    this.versionCache.delete(key);
    this.versionCache.set(key, versions);
    while (this.versionCache.size > VERSIONS_CACHED) this.versionCache.delete(this.versionCache.keys().next().value!);
  }

  private completionEvent(queue: string, id: string, index: QueueIndex, labeler: string, at: number): LabelEvent {
    return { queue, eventId: hash('sha256', `completed\0${queue}\0${id}`).slice(0, 32), itemId: id, kind: 'completed', labeler, labelers: index.submitters(id), version: at, at };
  }

  private updatedEvent(queue: string, id: string, index: QueueIndex, labeler: string, version: number, at: number): LabelEvent {
    return { queue, eventId: hash('sha256', `updated\0${queue}\0${id}\0${labeler}\0${version}`).slice(0, 32), itemId: id, kind: 'updated', labeler, labelers: index.submitters(id), version, at };
  }

  private view(queue: string, labeler: string, versions: readonly LabelVersion[]): LabelsView {
    const known = new Set(this.spec(queue).labels.map((l) => l.name));
    const last = versions[versions.length - 1];
    const lastSubmitted = [...versions].reverse().find((v) => v.state === 'submitted');
    const latestFinal = [...versions].reverse().find((v) => v.state !== 'draft');
    const split = (vals: Map<string, StoredValue>) => {
      const current: Record<string, LabelValue> = {};
      const retired: Record<string, LabelValue> = {};
      for (const [name, s] of vals) (known.has(name) ? current : retired)[name] = decodeValue(s);
      return { current, retired };
    };
    const { current, retired } = split(last?.values ?? new Map());
    const view: LabelsView = {
      labeler,
      status: !last ? 'none' : latestFinal ? (latestFinal.state as 'submitted' | 'skipped') : 'draft',
      values: current,
      reasoning: Object.fromEntries(last?.reasoning ?? []),
      retired,
      draft: last?.state === 'draft' && lastSubmitted !== undefined,
      version: last?.version ?? null,
      updated_at: last ? new Date(last.at).toISOString() : null,
      submitted: lastSubmitted
        ? { values: split(lastSubmitted.values).current, reasoning: Object.fromEntries(lastSubmitted.reasoning), version: lastSubmitted.version, at: new Date(lastSubmitted.at).toISOString() }
        : null,
      schema_version: last?.schemaVersion ?? null,
    };
    if (latestFinal?.state === 'skipped') view.skip_reason = latestFinal.skipReason ?? '';
    return view;
  }

  private spec(queue: string): QueueSpec {
    const spec = this.o.config().queues[queue];
    if (!spec || !Object.hasOwn(this.o.config().queues, queue)) throw new FieldError('queue', `no queue named "${queue}"`, { code: 'NOT_FOUND' });
    return spec;
  }

  private index(queue: string): QueueIndex {
    this.spec(queue);
    const index = this.indexes.get(queue);
    if (!index) throw new SpansiftError('STORAGE_UNAVAILABLE', `queue "${queue}" is still loading; try again in a moment`, { retryAfterMs: 1000 });
    return index;
  }

  /** Runs `fn` after every earlier call with the same key has finished. */
  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  /** How many versions each labeler submitted per queue since each of `sinceMs` (the admin overview's throughput). */
  submittedSince(queues: string[], sinceMs: readonly number[]): Promise<Array<{ queue: string; labeler: string; counts: number[] }>> {
    return this.o.labels.submittedSince(queues, sinceMs);
  }
}

function notFound(queue: string, id: string): FieldError {
  return new FieldError('id', `queue "${queue}" has no item ${id} for you`, { code: 'NOT_FOUND' });
}

function decodeAll(values: Map<string, StoredValue>): Record<string, LabelValue> {
  return Object.fromEntries([...values].map(([k, s]) => [k, decodeValue(s)]));
}
