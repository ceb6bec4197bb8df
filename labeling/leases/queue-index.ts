/**
 * One queue's labeling state in memory: which items are still open, who has submitted or
 * skipped each, who holds a lease on it, and what each labeler has been given. `next`
 * answers from here without a query, at a cost that does not grow with the queue: open
 * items sit in FIFO order, each labeler keeps a cursor past the items they are done
 * with, and completed items leave the open list.
 *
 * Completed items leave the open list lazily (a head position passes completed items at
 * its front, and the list is compacted once they are half of it), so completing an item
 * costs O(1) amortized rather than a shift of the whole list. An item costs one small
 * object, plus one per labeler who touched it.
 *
 * Pure bookkeeping: no I/O, no clock of its own (every call takes `now`). The desk feeds
 * it from storage at start, from its own writes, and from polling other replicas.
 */

export type LabelerState = 'submitted' | 'skipped';

/** One labeler on one item: their latest submit or skip, whether they saved anything, their lease. */
interface Mark {
  who: string;
  /** Undefined while they have only saved drafts (or only held a lease). */
  state?: LabelerState;
  /** Version of `state` (later versions win). */
  version: number;
  /** They saved something (a draft at least). */
  touched: boolean;
  /** Lease expiry (ms); 0 when none. */
  exp: number;
  /** When their latest lease or release was recorded (ms), to order replays. */
  leasedAt: number;
}

interface Entry {
  id: string;
  /** Enqueue time (ms): FIFO order is (t, id). */
  t: number;
  complete: boolean;
  /** Labelers who submitted. */
  submitted: number;
  marks?: Mark[];
}

interface Labeler {
  name: string;
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

function markOf(e: Entry, who: string): Mark | undefined {
  if (e.marks) for (const m of e.marks) if (m.who === who) return m;
  return undefined;
}

function ensureMark(e: Entry, who: string): Mark {
  let m = markOf(e, who);
  if (!m) {
    m = { who, version: -Infinity, touched: false, exp: 0, leasedAt: -Infinity };
    (e.marks ??= []).push(m);
  }
  return m;
}

export class QueueIndex {
  /** Items in FIFO order that were open when added; completed ones stay until compacted. */
  private open: Entry[] = [];
  /** Every position before it holds a completed item. */
  private head = 0;
  private openCount = 0;
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
    const e: Entry = { id, t, complete: false, submitted: 0 };
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
    const wasComplete = e.complete;
    const m = ensureMark(e, labeler);
    const l = this.labeler(labeler);
    if (m.version < version) {
      if (m.state !== state) {
        if (m.state) this.count(l, m.state, -1, e);
        this.count(l, state, +1, e);
        if (m.state === 'submitted') e.submitted--;
        if (state === 'submitted') e.submitted++;
      }
      m.state = state;
      m.version = version;
      m.touched = true;
      l.lastAt = Math.max(l.lastAt, version);
    }
    this.release(id, labeler);
    this.remember(l, id);
    if (!e.complete && e.submitted >= this.labelersPerItem) this.complete(e);
    return { completed: e.complete && !wasComplete, wasComplete, submitters: this.submitters(id) };
  }

  /**
   * Marks an item completed whatever its labels say now: its completion was recorded
   * (labelers_per_item may have been raised since, or a labeler may have skipped after
   * submitting), and an item completes once.
   */
  markComplete(id: string): void {
    const e = this.entries.get(id);
    if (e && !e.complete) this.complete(e);
  }

  /** The item a labeler holds a lease on, if any. */
  holdingOf(labeler: string): string | undefined {
    return this.labelers.get(labeler)?.holding;
  }

  /** Records that a labeler saved something (a draft) on an item. */
  touch(id: string, labeler: string): void {
    const e = this.entries.get(id);
    if (e) ensureMark(e, labeler).touched = true;
  }

  /** Whether a labeler saved anything on an item: when not, they have no labels on it to read. */
  touched(id: string, labeler: string): boolean {
    const e = this.entries.get(id);
    return e !== undefined && (markOf(e, labeler)?.touched ?? false);
  }

  /** The ids of up to `n` open items after `id` in FIFO order (what labelers will be given next). */
  after(id: string, n: number): string[] {
    const e = this.entries.get(id);
    if (!e || e.complete) return [];
    const out: string[] = [];
    for (let i = this.lowerBound(e) + 1; i < this.open.length && out.length < n; i++) if (!this.open[i].complete) out.push(this.open[i].id);
    return out;
  }

  /** Labelers who have submitted an item. */
  submitters(id: string): string[] {
    const e = this.entries.get(id);
    return (e?.marks ?? []).filter((m) => m.state === 'submitted').map((m) => m.who).sort();
  }

  completedIds(): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) if (e.complete) out.push(e.id);
    return out;
  }

  /** A labeler's submit or skip of an item, if any. */
  stateOf(id: string, labeler: string): LabelerState | undefined {
    const e = this.entries.get(id);
    return e ? markOf(e, labeler)?.state : undefined;
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
      const m = e && markOf(e, labeler);
      if (e && m && !e.complete && m.exp > now && !m.state) return { id: e.id, expiresAt: this.lease(e, l, now, ttl), fresh: false };
      l.holding = undefined;
    }
    while (this.head < this.open.length && this.open[this.head].complete) this.head++;
    let i = Math.max(this.head, this.lowerBound(l.cursor));
    let atCursor = true;
    for (; i < this.open.length; i++) {
      const e = this.open[i];
      if (e.complete || markOf(e, labeler)?.state) {
        // Done (by this labeler or by enough others): the cursor may pass it if nothing before it is pending.
        if (atCursor) l.cursor = this.keyAfter(i);
        continue;
      }
      if (this.taken(e, labeler, now) >= this.labelersPerItem) {
        atCursor = false;
        continue;
      }
      return { id: e.id, expiresAt: this.lease(e, l, now, ttl), fresh: true };
    }
    return undefined;
  }

  /** Extends the caller's lease; undefined when others hold or have completed it to capacity. */
  renew(id: string, labeler: string, now: number, ttl: number): number | undefined {
    const e = this.entries.get(id);
    if (!e || e.complete) return undefined;
    const mine = markOf(e, labeler);
    if (!(mine && mine.exp > now) && this.taken(e, labeler, now) >= this.labelersPerItem) return undefined;
    return this.lease(e, this.labeler(labeler), now, ttl);
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
    if (e.complete || markOf(e, labeler)?.state) return;
    const m = ensureMark(e, labeler);
    if (m.leasedAt > leasedAt) return;
    m.leasedAt = leasedAt;
    m.exp = expiresAt > leasedAt ? expiresAt : 0;
    if (!m.exp) {
      if (l.holding === id) l.holding = undefined;
      return;
    }
    // One lease per labeler: the later of this one and the one they hold wins.
    const held = l.holding && l.holding !== id ? this.entries.get(l.holding) : undefined;
    const hm = held && markOf(held, labeler);
    if (hm && hm.exp && hm.leasedAt > leasedAt) {
      m.exp = 0;
      return;
    }
    if (hm) hm.exp = 0;
    l.holding = id;
  }

  release(id: string, labeler: string, now?: number): void {
    const e = this.entries.get(id);
    const m = e && markOf(e, labeler);
    if (m) {
      m.exp = 0;
      if (now !== undefined) m.leasedAt = now;
    }
    const l = this.labelers.get(labeler);
    if (l?.holding === id) l.holding = undefined;
  }

  /** When the labeler's current lease on an item was taken or last renewed (ms), if live. */
  leasedAtOf(id: string, labeler: string, now: number): number | undefined {
    const e = this.entries.get(id);
    const m = e && markOf(e, labeler);
    return m && m.exp > now ? m.leasedAt : undefined;
  }

  /** The lease expiry a labeler holds on an item, if live. */
  leaseOf(id: string, labeler: string, now: number): number | undefined {
    const e = this.entries.get(id);
    const exp = e && markOf(e, labeler)?.exp;
    return exp && exp > now ? exp : undefined;
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
    return this.openCount - (this.labelers.get(labeler)?.doneOpen ?? 0);
  }

  progress(labeler: string): LabelerProgress {
    const l = this.labelers.get(labeler);
    return { labeler, submitted: l?.submitted ?? 0, skipped: l?.skipped ?? 0, seen: l?.seen.length ?? 0, lastAt: l?.lastAt ?? 0 };
  }

  allProgress(): LabelerProgress[] {
    return [...this.labelers.keys()].sort().map((name) => this.progress(name));
  }

  /** Others who hold a live lease on the item or have submitted it. */
  private taken(e: Entry, labeler: string, now: number): number {
    let n = e.submitted;
    if (e.marks) for (const m of e.marks) if (m.who !== labeler && m.exp > now && m.state !== 'submitted') n++;
    return n;
  }

  private lease(e: Entry, l: Labeler, now: number, ttl: number): number {
    const m = ensureMark(e, l.name);
    m.exp = now + ttl;
    m.leasedAt = now;
    if (l.holding && l.holding !== e.id) this.release(l.holding, l.name);
    l.holding = e.id;
    l.lastAt = Math.max(l.lastAt, now);
    this.remember(l, e.id);
    return m.exp;
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
    this.openCount--;
    for (const m of e.marks ?? []) {
      m.exp = 0;
      if (m.state) {
        const l = this.labelers.get(m.who);
        if (l) l.doneOpen--;
      }
    }
    // Completed items are dropped from the list once they are half of it: O(1) amortized.
    if (this.open.length - this.openCount > Math.max(1024, this.openCount)) {
      this.open = this.open.filter((x) => !x.complete);
      this.head = 0;
    }
  }

  private labeler(name: string): Labeler {
    let l = this.labelers.get(name);
    if (!l) {
      l = { name, cursor: { t: -Infinity, id: '' }, seen: [], seenSet: new Set(), submitted: 0, skipped: 0, doneOpen: 0, lastAt: 0 };
      this.labelers.set(name, l);
    }
    return l;
  }

  /** The first position whose key is at or after `k`. */
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
    this.openCount++;
    const last = this.open[this.open.length - 1];
    if (!last || before(last, e)) this.open.push(e);
    else {
      const i = this.lowerBound(e);
      this.open.splice(i, 0, e);
      if (i < this.head) this.head = i;
    }
    // An item that arrives behind a labeler's cursor (enqueued earlier, written later)
    // must not be passed over.
    for (const l of this.labelers.values()) if (before(e, l.cursor)) l.cursor = { t: e.t, id: e.id };
    for (const m of e.marks ?? []) {
      const l = m.state && this.labelers.get(m.who);
      if (l) l.doneOpen++;
    }
  }

  /** Takes an open item out of the list (to put it back at an earlier enqueue time). */
  private removeOpen(e: Entry): void {
    const i = this.lowerBound(e);
    if (this.open[i] !== e) return;
    this.open.splice(i, 1);
    this.openCount--;
    if (i < this.head) this.head--;
    for (const m of e.marks ?? []) {
      const l = m.state && this.labelers.get(m.who);
      if (l) l.doneOpen--;
    }
  }
}
