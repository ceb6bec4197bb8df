/**
 * One queue's labeling state in memory: which items are still open, who has submitted or
 * skipped each, who holds a lease on it, and what each labeler has been given. `next`
 * answers from here without a query, at a cost that does not grow with the queue: open
 * items sit in FIFO order, each labeler keeps a cursor past the items they are done
 * with, and completed items leave the open list.
 *
 * Pure bookkeeping: no I/O, no clock of its own (every call takes `now`). The desk feeds
 * it from storage at start, from its own writes, and from polling other replicas.
 */

export type LabelerState = 'submitted' | 'skipped';

interface ItemState {
  /** Each labeler's latest submit or skip, with its version (later versions win). */
  labelers: Map<string, { state: LabelerState; version: number }>;
  /** Labeler -> lease expiry (ms). */
  leases: Map<string, number>;
  /** Labeler -> when their latest lease or release was recorded (ms), to order replays. */
  leasedAt: Map<string, number>;
  submitted: number;
}

interface Entry {
  id: string;
  /** Enqueue time (ms): FIFO order is (t, id). */
  t: number;
  st?: ItemState;
  complete: boolean;
}

interface Labeler {
  /** The first open item (by FIFO key) this labeler may not be done with. */
  cursor: { t: number; id: string };
  /** Items in the order they were first given to this labeler. */
  seen: string[];
  seenSet: Set<string>;
  submitted: number;
  skipped: number;
  /** Open items this labeler has submitted or skipped. */
  doneOpen: number;
  /** The item this labeler holds a lease on, if any. */
  holding?: string;
  lastAt: number;
}

export interface LabelerProgress {
  labeler: string;
  submitted: number;
  skipped: number;
  seen: number;
  lastAt: number;
}

export interface Claim {
  id: string;
  expiresAt: number;
  /** True when this call leased it; false when the caller already held it. */
  fresh: boolean;
}

/** What changed for the item by a labeler's submit or skip. */
export interface Applied {
  /** The item became complete by this change (exactly one change per item does this). */
  completed: boolean;
  /** The item was complete before this change (an edit after completion). */
  wasComplete: boolean;
  /** Labelers who have submitted, after this change. */
  submitters: string[];
}

const before = (a: { t: number; id: string }, b: { t: number; id: string }) => a.t < b.t || (a.t === b.t && a.id < b.id);

export class QueueIndex {
  private readonly open: Entry[] = [];
  private readonly entries = new Map<string, Entry>();
  private readonly labelers = new Map<string, Labeler>();
  private completedCount = 0;

  constructor(public labelersPerItem: number) {}

  get total(): number {
    return this.entries.size;
  }

  get completed(): number {
    return this.completedCount;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  isComplete(id: string): boolean {
    return this.entries.get(id)?.complete ?? false;
  }

  /** Adds an item (again: a no-op, except that an earlier enqueue time moves it forward). */
  addItem(id: string, t: number): void {
    const known = this.entries.get(id);
    if (known) {
      if (t >= known.t || known.complete) return;
      this.removeOpen(known);
      known.t = t;
      this.insertOpen(known);
      return;
    }
    const e: Entry = { id, t, complete: false };
    this.entries.set(id, e);
    this.insertOpen(e);
  }

  /**
   * Records a labeler's submit or skip at `version`. Older versions than the one known
   * are ignored, so replaying storage or a poll in any order converges.
   */
  apply(id: string, labeler: string, state: LabelerState, version: number): Applied {
    const e = this.entries.get(id);
    if (!e) return { completed: false, wasComplete: false, submitters: [] };
    const st = (e.st ??= { labelers: new Map(), leases: new Map(), leasedAt: new Map(), submitted: 0 });
    const wasComplete = e.complete;
    const prev = st.labelers.get(labeler);
    const l = this.labeler(labeler);
    if (!prev || prev.version < version) {
      if (prev?.state !== state) {
        if (prev) this.count(l, prev.state, -1, e);
        this.count(l, state, +1, e);
        if (prev?.state === 'submitted') st.submitted--;
        if (state === 'submitted') st.submitted++;
      }
      st.labelers.set(labeler, { state, version });
      l.lastAt = Math.max(l.lastAt, version);
    }
    this.release(id, labeler);
    this.remember(l, id);
    if (!e.complete && st.submitted >= this.labelersPerItem) this.complete(e);
    return { completed: e.complete && !wasComplete, wasComplete, submitters: this.submitters(id) };
  }

  /** Labelers who have submitted an item. */
  submitters(id: string): string[] {
    const st = this.entries.get(id)?.st;
    return st ? [...st.labelers].filter(([, v]) => v.state === 'submitted').map(([k]) => k).sort() : [];
  }

  completedIds(): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) if (e.complete) out.push(e.id);
    return out;
  }

  /** Who has submitted or skipped an item, and their state. */
  stateOf(id: string, labeler: string): LabelerState | undefined {
    return this.entries.get(id)?.st?.labelers.get(labeler)?.state;
  }

  /**
   * The caller's item: the one they hold a live lease on, else the oldest open item that
   * they have not submitted or skipped and that fewer than `labelersPerItem` others hold
   * or have submitted. Leases it to the caller until `now + ttl`.
   */
  next(labeler: string, now: number, ttl: number): Claim | undefined {
    const l = this.labeler(labeler);
    if (l.holding) {
      const e = this.entries.get(l.holding);
      const exp = e?.st?.leases.get(labeler);
      if (e && !e.complete && exp !== undefined && exp > now && !e.st!.labelers.has(labeler)) {
        return { id: e.id, expiresAt: this.lease(e, l, labeler, now, ttl), fresh: false };
      }
      l.holding = undefined;
    }
    let i = this.lowerBound(l.cursor);
    let atCursor = true;
    for (; i < this.open.length; i++) {
      const e = this.open[i];
      const st = e.st;
      if (st?.labelers.has(labeler)) {
        // Done by this labeler: the cursor may pass it if nothing before it is pending.
        if (atCursor) l.cursor = this.keyAfter(i);
        continue;
      }
      if (st && this.taken(st, labeler, now) >= this.labelersPerItem) {
        atCursor = false;
        continue;
      }
      return { id: e.id, expiresAt: this.lease(e, l, labeler, now, ttl), fresh: true };
    }
    return undefined;
  }

  /** Extends the caller's lease; false when others hold or have completed it to capacity. */
  renew(id: string, labeler: string, now: number, ttl: number): number | undefined {
    const e = this.entries.get(id);
    if (!e || e.complete) return undefined;
    const st = e.st;
    if (!st?.leases.has(labeler) && st && this.taken(st, labeler, now) >= this.labelersPerItem) return undefined;
    return this.lease(e, this.labeler(labeler), labeler, now, ttl);
  }

  /**
   * A lease seen in storage (another replica's, or this one's before a restart); a release
   * is a lease that expires when it is recorded. The latest record per labeler wins.
   */
  applyLease(id: string, labeler: string, leasedAt: number, expiresAt: number): void {
    const e = this.entries.get(id);
    if (!e) return;
    const l = this.labeler(labeler);
    this.remember(l, id);
    l.lastAt = Math.max(l.lastAt, leasedAt);
    if (e.complete || e.st?.labelers.has(labeler)) return;
    const st = (e.st ??= { labelers: new Map(), leases: new Map(), leasedAt: new Map(), submitted: 0 });
    if ((st.leasedAt.get(labeler) ?? -Infinity) > leasedAt) return;
    st.leasedAt.set(labeler, leasedAt);
    if (expiresAt > leasedAt) {
      st.leases.set(labeler, expiresAt);
      l.holding = id;
    } else {
      st.leases.delete(labeler);
      if (l.holding === id) l.holding = undefined;
    }
  }

  release(id: string, labeler: string, now?: number): void {
    const st = this.entries.get(id)?.st;
    st?.leases.delete(labeler);
    if (st && now !== undefined) st.leasedAt.set(labeler, now);
    const l = this.labelers.get(labeler);
    if (l?.holding === id) l.holding = undefined;
  }

  /** The lease expiry a labeler holds on an item, if live. */
  leaseOf(id: string, labeler: string, now: number): number | undefined {
    const exp = this.entries.get(id)?.st?.leases.get(labeler);
    return exp !== undefined && exp > now ? exp : undefined;
  }

  /** The items given to a labeler, in the order first given. */
  seen(labeler: string): readonly string[] {
    return this.labelers.get(labeler)?.seen ?? [];
  }

  hasSeen(labeler: string, id: string): boolean {
    return this.labelers.get(labeler)?.seenSet.has(id) ?? false;
  }

  positionOf(labeler: string, id: string): number {
    return this.labelers.get(labeler)?.seen.indexOf(id) ?? -1;
  }

  /** Open items the labeler has not submitted or skipped. */
  leftFor(labeler: string): number {
    return this.open.length - (this.labelers.get(labeler)?.doneOpen ?? 0);
  }

  progress(labeler: string): LabelerProgress {
    const l = this.labelers.get(labeler);
    return { labeler, submitted: l?.submitted ?? 0, skipped: l?.skipped ?? 0, seen: l?.seen.length ?? 0, lastAt: l?.lastAt ?? 0 };
  }

  allProgress(): LabelerProgress[] {
    return [...this.labelers.keys()].sort().map((name) => this.progress(name));
  }

  private taken(st: ItemState, labeler: string, now: number): number {
    let n = st.submitted;
    for (const [who, exp] of st.leases) if (who !== labeler && exp > now && st.labelers.get(who)?.state !== 'submitted') n++;
    return n;
  }

  private lease(e: Entry, l: Labeler, labeler: string, now: number, ttl: number): number {
    const st = (e.st ??= { labelers: new Map(), leases: new Map(), leasedAt: new Map(), submitted: 0 });
    const exp = now + ttl;
    st.leases.set(labeler, exp);
    st.leasedAt.set(labeler, now);
    if (l.holding && l.holding !== e.id) this.entries.get(l.holding)?.st?.leases.delete(labeler);
    l.holding = e.id;
    l.lastAt = Math.max(l.lastAt, now);
    this.remember(l, e.id);
    return exp;
  }

  private remember(l: Labeler, id: string): void {
    if (l.seenSet.has(id)) return;
    l.seenSet.add(id);
    l.seen.push(id);
  }

  private count(l: Labeler, state: LabelerState, by: number, e: Entry): void {
    if (state === 'submitted') l.submitted += by;
    else l.skipped += by;
    if (!e.complete) l.doneOpen += by;
  }

  private complete(e: Entry): void {
    e.complete = true;
    this.completedCount++;
    this.removeOpen(e);
    for (const [who] of e.st!.labelers) {
      const l = this.labelers.get(who);
      if (l) l.doneOpen--;
    }
    e.st!.leases.clear();
  }

  private labeler(name: string): Labeler {
    let l = this.labelers.get(name);
    if (!l) {
      l = { cursor: { t: -Infinity, id: '' }, seen: [], seenSet: new Set(), submitted: 0, skipped: 0, doneOpen: 0, lastAt: 0 };
      this.labelers.set(name, l);
    }
    return l;
  }

  /** The first open position whose key is at or after `k`. */
  private lowerBound(k: { t: number; id: string }): number {
    let lo = 0;
    let hi = this.open.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.open[mid], k)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private keyAfter(i: number): { t: number; id: string } {
    const n = this.open[i + 1];
    if (n) return { t: n.t, id: n.id };
    const e = this.open[i];
    return { t: e.t, id: e.id + '\0' };
  }

  private insertOpen(e: Entry): void {
    const last = this.open[this.open.length - 1];
    if (!last || before(last, e)) this.open.push(e);
    else this.open.splice(this.lowerBound(e), 0, e);
    // An item that arrives behind a labeler's cursor (enqueued earlier, written later)
    // must not be passed over.
    for (const l of this.labelers.values()) if (before(e, l.cursor)) l.cursor = { t: e.t, id: e.id };
    for (const [who] of e.st?.labelers ?? []) {
      const l = this.labelers.get(who);
      if (l) l.doneOpen++;
    }
  }

  private removeOpen(e: Entry): void {
    const i = this.lowerBound(e);
    if (this.open[i] === e) this.open.splice(i, 1);
    for (const [who] of e.st?.labelers ?? []) {
      const l = this.labelers.get(who);
      if (l && !e.complete) l.doneOpen--;
    }
  }
}
