/**
 * The next-item index: FIFO order, leases that keep two labelers off one item (or let
 * `labelers_per_item` of them share it), skips, completion exactly once, and replays
 * from storage in any order converging on the same state.
 */
import { describe, expect, it } from 'vitest';
import { QueueIndex } from './queue-index.js';

const TTL = 300_000;

function queue(lpi: number, n: number): QueueIndex {
  const q = new QueueIndex(lpi);
  for (let i = 0; i < n; i++) q.addItem(`item-${String(i).padStart(3, '0')}`, 1000 + i);
  return q;
}

describe('next', () => {
  it('serves the oldest open item first and never the same one to two labelers while a lease holds', () => {
    const q = queue(1, 3);
    expect(q.next('ann', 0, TTL)?.id).toBe('item-000');
    expect(q.next('bob', 0, TTL)?.id).toBe('item-001');
    expect(q.next('cid', 0, TTL)?.id).toBe('item-002');
    expect(q.next('dan', 0, TTL)).toBeUndefined();
  });

  it('gives a labeler the item they already hold instead of a second one', () => {
    const q = queue(1, 3);
    expect(q.next('ann', 0, TTL)).toMatchObject({ id: 'item-000', fresh: true });
    expect(q.next('ann', 1, TTL)).toMatchObject({ id: 'item-000', fresh: false });
    expect(q.next('bob', 1, TTL)?.id).toBe('item-001');
  });

  it('lets labelers_per_item labelers hold one item at once, and no more', () => {
    const q = queue(3, 2);
    expect(['ann', 'bob', 'cid'].map((who) => q.next(who, 0, TTL)?.id)).toEqual(['item-000', 'item-000', 'item-000']);
    expect(q.next('dan', 0, TTL)?.id).toBe('item-001');
  });

  it('hands an item on once its lease expires', () => {
    const q = queue(1, 1);
    q.next('ann', 0, TTL);
    expect(q.next('bob', TTL - 1, TTL)).toBeUndefined();
    expect(q.next('bob', TTL + 1, TTL)?.id).toBe('item-000');
  });

  it('does not serve what the labeler submitted or skipped, but others still get a skipped item', () => {
    const q = queue(1, 2);
    q.next('ann', 0, TTL);
    q.apply('item-000', 'ann', 'skipped', 1);
    expect(q.next('ann', 2, TTL)?.id).toBe('item-001');
    expect(q.next('bob', 2, TTL)?.id).toBe('item-000');
    q.apply('item-000', 'bob', 'submitted', 3);
    q.apply('item-001', 'ann', 'submitted', 3);
    expect(q.next('ann', 4, TTL)).toBeUndefined();
    expect(q.next('bob', 4, TTL)).toBeUndefined();
  });

  it('serves an item enqueued earlier but written later, even behind a labeler who moved on', () => {
    const q = queue(2, 2);
    q.apply('item-000', 'ann', 'submitted', 1);
    expect(q.next('ann', 2, TTL)?.id).toBe('item-001');
    q.apply('item-001', 'ann', 'submitted', 3);
    q.addItem('late', 500);
    expect(q.next('ann', 4, TTL)?.id).toBe('late');
  });

  it('with labelers_per_item 2 gives each item to exactly two different labelers', () => {
    const q = queue(2, 50);
    const byItem = new Map<string, string[]>();
    const people = ['ann', 'bob', 'cid', 'dan', 'eve'];
    for (let round = 0, now = 0; round < 1000; round++, now++) {
      const who = people[round % people.length];
      const c = q.next(who, now, TTL);
      if (!c) continue;
      q.apply(c.id, who, 'submitted', now);
      byItem.set(c.id, [...(byItem.get(c.id) ?? []), who]);
    }
    expect(q.completed).toBe(50);
    expect(byItem.size).toBe(50);
    for (const [, who] of byItem) {
      expect(who).toHaveLength(2);
      expect(new Set(who).size).toBe(2);
    }
  });
});

describe('completion', () => {
  it('reports an item complete exactly once, when the last labeler needed submits', () => {
    const q = queue(2, 1);
    expect(q.apply('item-000', 'ann', 'submitted', 1)).toMatchObject({ completed: false, wasComplete: false });
    expect(q.apply('item-000', 'ann', 'submitted', 2)).toMatchObject({ completed: false });
    expect(q.apply('item-000', 'bob', 'skipped', 3)).toMatchObject({ completed: false });
    expect(q.apply('item-000', 'cid', 'submitted', 4)).toEqual({ completed: true, wasComplete: false, submitters: ['ann', 'cid'] });
    expect(q.apply('item-000', 'ann', 'submitted', 5)).toMatchObject({ completed: false, wasComplete: true });
    expect(q.completed).toBe(1);
  });

  it('counts totals, what is left for each labeler and each labeler\'s progress', () => {
    const q = queue(2, 4);
    q.apply('item-000', 'ann', 'submitted', 1);
    q.apply('item-001', 'ann', 'skipped', 2);
    q.apply('item-000', 'bob', 'submitted', 3);
    expect({ total: q.total, completed: q.completed }).toEqual({ total: 4, completed: 1 });
    expect(q.leftFor('ann')).toBe(2);
    expect(q.leftFor('bob')).toBe(3);
    expect(q.leftFor('new')).toBe(3);
    expect(q.allProgress()).toEqual([
      { labeler: 'ann', submitted: 1, skipped: 1, seen: 2, lastAt: 2 },
      { labeler: 'bob', submitted: 1, skipped: 0, seen: 1, lastAt: 3 },
    ]);
  });

  it('converges whatever order storage replays a labeler\'s versions in', () => {
    const a = queue(1, 1);
    a.apply('item-000', 'ann', 'skipped', 1);
    a.apply('item-000', 'ann', 'submitted', 2);
    const b = queue(1, 1);
    b.apply('item-000', 'ann', 'submitted', 2);
    b.apply('item-000', 'ann', 'skipped', 1);
    for (const q of [a, b]) {
      expect(q.stateOf('item-000', 'ann')).toBe('submitted');
      expect(q.completed).toBe(1);
      expect(q.progress('ann')).toMatchObject({ submitted: 1, skipped: 0 });
    }
  });
});

describe('leases from storage', () => {
  it('applies the latest lease record per labeler: a later release ends an earlier lease, not the reverse', () => {
    const q = queue(1, 1);
    q.applyLease('item-000', 'ann', 10, 10 + TTL);
    expect(q.next('bob', 20, TTL)).toBeUndefined();
    q.applyLease('item-000', 'ann', 30, 30);
    q.applyLease('item-000', 'ann', 10, 10 + TTL);
    expect(q.next('bob', 40, TTL)?.id).toBe('item-000');
  });

  it('remembers the order items were first given to a labeler', () => {
    const q = queue(1, 3);
    q.applyLease('item-002', 'ann', 1, 1);
    expect(q.next('ann', 3, TTL)?.id).toBe('item-000');
    q.apply('item-000', 'ann', 'submitted', 4);
    expect(q.next('ann', 5, TTL)?.id).toBe('item-001');
    expect(q.seen('ann')).toEqual(['item-002', 'item-000', 'item-001']);
    expect(q.positionOf('ann', 'item-000')).toBe(1);
  });

  it('renews the caller\'s lease, and refuses one on an item others hold to capacity', () => {
    const q = queue(1, 1);
    q.next('ann', 0, TTL);
    expect(q.renew('item-000', 'ann', 100, TTL)).toBe(100 + TTL);
    expect(q.renew('item-000', 'bob', 100, TTL)).toBeUndefined();
    q.release('item-000', 'ann', 200);
    expect(q.renew('item-000', 'bob', 300, TTL)).toBe(300 + TTL);
  });

  it('keeps one lease per labeler when records arrive in any order: the later one wins', () => {
    const q = queue(1, 2);
    q.applyLease('item-001', 'ann', 20, 20 + TTL);
    q.applyLease('item-000', 'ann', 10, 10 + TTL);
    expect(q.leaseOf('item-001', 'ann', 30)).toBe(20 + TTL);
    expect(q.leaseOf('item-000', 'ann', 30)).toBeUndefined();
    expect(q.holdingOf('ann')).toBe('item-001');
    expect(q.next('bob', 30, TTL)?.id).toBe('item-000');
  });
});

describe('a recorded completion', () => {
  it('keeps an item completed whatever its labels say now', () => {
    const q = queue(2, 2);
    q.apply('item-000', 'ann', 'submitted', 1);
    q.markComplete('item-000');
    expect(q.isComplete('item-000')).toBe(true);
    expect(q.completed).toBe(1);
    expect(q.leftFor('bob')).toBe(1);
    expect(q.next('bob', 0, TTL)?.id).toBe('item-001');
    // A later submit is an edit of a completed item, not a second completion.
    expect(q.apply('item-000', 'bob', 'submitted', 2)).toMatchObject({ completed: false, wasComplete: true });
  });
});
