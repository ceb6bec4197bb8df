/**
 * Unit tests of the Batcher's grouping (group commit) with a fake insert function whose
 * calls the test completes by hand, on fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type BatcherOptions } from './batcher.js';

interface Call {
  rows: string[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** A fake insert: every call waits until the test resolves or rejects it. */
function fakeInsert() {
  const calls: Call[] = [];
  let active = 0;
  let maxActive = 0;
  const insert = (rows: string[]) =>
    new Promise<void>((resolve, reject) => {
      active++;
      maxActive = Math.max(maxActive, active);
      const done = (f: () => void) => () => {
        active--;
        f();
      };
      calls.push({ rows: [...rows], resolve: done(resolve), reject: (e) => done(() => reject(e))() });
    });
  return { calls, insert, maxActive: () => maxActive, active: () => active };
}

/** Lets promise callbacks run (the batcher chains a few) without moving the fake clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

type State = 'pending' | 'resolved' | { rejected: unknown };

function track(p: Promise<void>): () => State {
  let state: State = 'pending';
  p.then(
    () => (state = 'resolved'),
    (e) => (state = { rejected: e }),
  );
  return () => state;
}

const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function batcher(insert: (rows: string[]) => Promise<void>, o: Partial<BatcherOptions<string>> = {}) {
  return new Batcher<string>({ insert, maxRows: 100, maxDelayMs: 20, concurrency: 2, ...o });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher', () => {
  it('groups concurrent writes into one insert, and settles each write with it', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert);
    const a = track(b.write(rows('a', 2)));
    const c = track(b.write(rows('b', 1)));
    const d = track(b.write(rows('c', 3)));
    await settle();
    expect(f.calls).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(20);
    expect(f.calls.map((c) => c.rows)).toEqual([['a0', 'a1', 'b0', 'c0', 'c1', 'c2']]);
    expect([a(), c(), d()]).toEqual(['pending', 'pending', 'pending']);

    f.calls[0].resolve();
    await settle();
    expect([a(), c(), d()]).toEqual(['resolved', 'resolved', 'resolved']);
    expect(b.pendingRows).toBe(0);
  });

  it('answers an empty write at once, without an insert', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert);
    const w = track(b.write([]));
    await settle();
    expect(w()).toBe('resolved');
    await vi.advanceTimersByTimeAsync(1000);
    expect(f.calls).toHaveLength(0);
  });

  it('makes a lone write wait at most max_delay, and a later write does not extend the wait', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxDelayMs: 20 });
    b.write(rows('a', 1));
    await vi.advanceTimersByTimeAsync(10);
    b.write(rows('b', 1));
    await vi.advanceTimersByTimeAsync(9);
    expect(f.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls.map((c) => c.rows)).toEqual([['a0', 'b0']]);
  });

  it('sends a batch as soon as it holds max_rows, without waiting', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxRows: 4, maxDelayMs: 1000 });
    b.write(rows('a', 2));
    await settle();
    expect(f.calls).toHaveLength(0);
    b.write(rows('b', 2));
    await settle();
    expect(f.calls.map((c) => c.rows)).toEqual([['a0', 'a1', 'b0', 'b1']]);
  });

  it('counts a pre-serialized chunk as the rows it holds, for max_rows and the metrics', async () => {
    const f = fakeInsert();
    const sizes: number[] = [];
    const b = batcher(f.insert, { maxRows: 1000, maxDelayMs: 1000, onInsert: (n) => sizes.push(n) });
    b.write(['chunk of 600'], 600);
    await settle();
    expect(f.calls).toHaveLength(0);
    expect(b.pendingRows).toBe(600);
    b.write(['chunk of 400'], 400);
    await settle();
    expect(f.calls.map((c) => c.rows)).toEqual([['chunk of 600', 'chunk of 400']]);
    f.calls[0].resolve();
    await settle();
    expect(sizes).toEqual([1000]);
  });

  it('closes a batch at max_size as at max_rows: each batch is one insert, a lone oversized write goes alone', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxRows: 1000, maxSize: 1000, maxDelayMs: 1000, concurrency: 4 });
    b.write(['a'], 1, 600);
    await settle();
    expect(f.calls).toHaveLength(0);
    b.write(['b'], 1, 600);
    b.write(['c'], 1, 5000);
    b.write(['d'], 1, 100);
    await settle();
    // a+b would pass 1000: a goes; b+c would too: b goes; c alone is over: it goes at once.
    expect(f.calls.map((c) => c.rows)).toEqual([['a'], ['b'], ['c']]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(f.calls.map((c) => c.rows)).toEqual([['a'], ['b'], ['c'], ['d']]);
  });

  it('splits batches at max_rows on request boundaries, never splitting a request', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxRows: 5, maxDelayMs: 20, concurrency: 4 });
    const writes = [b.write(rows('a', 3)), b.write(rows('b', 3)), b.write(rows('c', 2))].map(track);
    await settle();
    // a+b is 6 > 5: a goes alone at once; b and c (5 rows) follow as a full batch.
    expect(f.calls.map((c) => c.rows)).toEqual([
      ['a0', 'a1', 'a2'],
      ['b0', 'b1', 'b2', 'c0', 'c1'],
    ]);
    for (const c of f.calls) c.resolve();
    await settle();
    expect(writes.map((w) => w())).toEqual(['resolved', 'resolved', 'resolved']);

    // What is left after a full batch waits as a fresh batch would.
    b.write(rows('d', 4));
    b.write(rows('e', 2));
    b.write(rows('f', 1));
    await settle();
    expect(f.calls.slice(2).map((c) => c.rows)).toEqual([['d0', 'd1', 'd2', 'd3']]);
    await vi.advanceTimersByTimeAsync(20);
    expect(f.calls.slice(3).map((c) => c.rows)).toEqual([['e0', 'e1', 'f0']]);
  });

  it('does not hold rows that already waited max_delay for another max_delay after a full batch', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxRows: 4, maxDelayMs: 20, concurrency: 1 });
    b.write(rows('x', 1));
    await vi.advanceTimersByTimeAsync(20);
    expect(f.calls.map((c) => c.rows)).toEqual([['x0']]);
    // While x's insert runs: a full batch (a+b) and one more row, c.
    await vi.advanceTimersByTimeAsync(1);
    b.write(rows('a', 2));
    b.write(rows('b', 2));
    b.write(rows('c', 1));
    await vi.advanceTimersByTimeAsync(29);
    f.calls[0].resolve();
    await settle();
    expect(f.calls.map((c) => c.rows).slice(1)).toEqual([['a0', 'a1', 'b0', 'b1']]);
    // c has waited 29ms > max_delay: it goes out as soon as an insert may run.
    f.calls[1].resolve();
    await settle();
    expect(f.calls.map((c) => c.rows).slice(2)).toEqual([['c0']]);
  });

  it('sends a request larger than max_rows alone, whole', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxRows: 5 });
    b.write(rows('big', 7));
    await settle();
    expect(f.calls.map((c) => c.rows.length)).toEqual([7]);
  });

  it('runs at most `concurrency` inserts at once; rows gathered meanwhile share the next insert', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxRows: 2, maxDelayMs: 20, concurrency: 2 });
    const writes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((p) => track(b.write(rows(p, 1))));
    await settle();
    // Full batches of 2 are due at once, but only two inserts may run.
    expect(f.calls.map((c) => c.rows)).toEqual([
      ['a0', 'b0'],
      ['c0', 'd0'],
    ]);
    expect(f.active()).toBe(2);

    f.calls[0].resolve();
    await settle();
    expect(f.calls.map((c) => c.rows).slice(2)).toEqual([['e0', 'f0']]);
    f.calls[1].resolve();
    await settle();
    expect(f.calls.map((c) => c.rows).slice(3)).toEqual([['g0', 'h0']]);
    f.calls[2].resolve();
    f.calls[3].resolve();
    await settle();
    expect(writes.map((w) => w())).toEqual(Array(8).fill('resolved'));
    expect(f.maxActive()).toBe(2);

    // With one insert allowed, writes made while it runs wait, then go out together.
    const g = fakeInsert();
    const one = batcher(g.insert, { maxRows: 100, maxDelayMs: 20, concurrency: 1 });
    one.write(rows('x', 1));
    await vi.advanceTimersByTimeAsync(20);
    expect(g.calls).toHaveLength(1);
    one.write(rows('y', 1));
    one.write(rows('z', 1));
    await vi.advanceTimersByTimeAsync(100);
    expect(g.calls).toHaveLength(1);
    g.calls[0].resolve();
    await settle();
    expect(g.calls.map((c) => c.rows)).toEqual([['x0'], ['y0', 'z0']]);
    expect(g.maxActive()).toBe(1);
  });

  it('on a permanent (data) error naming no row, halves the batch until only the bad request fails', async () => {
    const bad = { clickhouseCode: 407, message: 'Decimal math overflow' };
    const calls: string[][] = [];
    const insert = async (r: string[]) => {
      calls.push([...r]);
      if (r.includes('bad0')) throw bad;
    };
    const onInsert = vi.fn();
    const b = batcher(insert, { onInsert });
    const good1 = track(b.write(rows('a', 2)));
    const broken = track(b.write(rows('bad', 1)));
    const good2 = track(b.write(rows('c', 1)));
    const good3 = track(b.write(rows('d', 1)));
    await vi.advanceTimersByTimeAsync(20);
    await settle();

    expect(calls).toEqual([['a0', 'a1', 'bad0', 'c0', 'd0'], ['a0', 'a1', 'bad0'], ['a0', 'a1'], ['bad0'], ['c0', 'd0']]);
    expect([good1(), good2(), good3()]).toEqual(['resolved', 'resolved', 'resolved']);
    expect(broken()).toEqual({ rejected: bad });
    expect(onInsert.mock.calls.map(([n, , ok]) => [n, ok])).toEqual([
      [5, false],
      [3, false],
      [2, true],
      [1, false],
      [2, true],
    ]);
  });

  it('on a permanent error at a named row, sends the others without the request holding it, then that one alone', async () => {
    // Row 4 (1-based) is the first row of the third request: a0 a1 b0 | c0 c1 | ...
    const calls: string[][] = [];
    const insert = async (r: string[]) => {
      calls.push([...r]);
      const at = r.indexOf('bad0');
      if (at >= 0) throw { clickhouseCode: 25, message: `Cannot parse escape sequence: missing second part of surrogate pair: (at row ${at + 1})\n: \nRow ${at}:` };
    };
    const b = batcher(insert);
    const writes = [b.write(rows('a', 2)), b.write(rows('b', 1)), b.write(rows('bad', 2)), b.write(rows('c', 1))].map(track);
    await vi.advanceTimersByTimeAsync(20);
    await settle();

    expect(calls).toEqual([['a0', 'a1', 'b0', 'bad0', 'bad1', 'c0'], ['a0', 'a1', 'b0', 'c0'], ['bad0', 'bad1']]);
    expect(writes.map((w) => w())).toEqual(['resolved', 'resolved', { rejected: expect.objectContaining({ clickhouseCode: 25 }) }, 'resolved']);
  });

  it('finds every bad request of a batch, and a wrong row hint costs inserts, never a good request', async () => {
    const calls: string[][] = [];
    const insert = async (r: string[]) => {
      calls.push([...r]);
      // Always blames the first row, which is fine: the hint is checked by inserting.
      if (r.some((x) => x.startsWith('bad'))) throw { clickhouseCode: 27, message: 'Cannot parse input: (at row 1)' };
    };
    const b = batcher(insert, { maxRows: 1000 });
    const names = ['g1', 'bad1', 'g2', 'g3', 'bad2', 'g4', 'g5', 'g6'];
    const writes = names.map((n) => track(b.write([n])));
    await vi.advanceTimersByTimeAsync(20);
    await settle();
    expect(writes.map((w) => w() === 'resolved')).toEqual(names.map((n) => !n.startsWith('bad')));
    expect(calls.length).toBeLessThanOrEqual(2 * names.length);
  });

  it('does not retry a lone request that fails permanently', async () => {
    const bad = { clickhouseCode: 27, message: 'Cannot parse input' };
    const insert = vi.fn(async () => {
      throw bad;
    });
    const b = batcher(insert);
    const w = track(b.write(rows('a', 3)));
    await vi.advanceTimersByTimeAsync(20);
    await settle();
    expect(insert).toHaveBeenCalledTimes(1);
    expect(w()).toEqual({ rejected: bad });
  });

  it('on a retryable error, fails every request of the batch and does not retry', async () => {
    for (const err of [
      { clickhouseCode: 241, message: 'Memory limit exceeded' },
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }),
    ]) {
      const insert = vi.fn(async (_rows: string[]) => {
        throw err;
      });
      const b = batcher(insert);
      const writes = [b.write(rows('a', 1)), b.write(rows('b', 2)), b.write(rows('c', 1))].map(track);
      await vi.advanceTimersByTimeAsync(20);
      await settle();
      expect(insert).toHaveBeenCalledTimes(1);
      expect(insert.mock.calls[0][0]).toEqual(['a0', 'b0', 'b1', 'c0']);
      expect(writes.map((w) => w())).toEqual([{ rejected: err }, { rejected: err }, { rejected: err }]);
      expect(b.pendingRows).toBe(0);
    }
  });

  it('flush() sends what is gathered at once and waits for every insert', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxRows: 3, maxDelayMs: 60_000, concurrency: 1 });
    const writes = [b.write(rows('a', 2)), b.write(rows('b', 2)), b.write(rows('c', 1))].map(track);
    await settle();
    // a+b is 4 > 3: a goes out; b and c wait for max_delay (a minute).
    expect(f.calls.map((c) => c.rows)).toEqual([['a0', 'a1']]);

    const flushed = track(b.flush());
    await settle();
    expect(flushed()).toBe('pending');
    f.calls[0].resolve();
    await settle();
    // No timer has fired: flush sent the rest.
    expect(f.calls.map((c) => c.rows).slice(1)).toEqual([['b0', 'b1', 'c0']]);
    expect(flushed()).toBe('pending');
    f.calls[1].resolve();
    await settle();
    expect(flushed()).toBe('resolved');
    expect(writes.map((w) => w())).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it('flush() resolves at once when nothing is pending', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert);
    const flushed = track(b.flush());
    await settle();
    expect(flushed()).toBe('resolved');
    expect(f.calls).toHaveLength(0);
  });

  it('after flush() (stopping), a write is sent at once instead of waiting max_delay', async () => {
    const f = fakeInsert();
    const b = batcher(f.insert, { maxDelayMs: 60_000, concurrency: 1 });
    await b.flush();
    const w = track(b.write(rows('late', 1)));
    await settle();
    expect(f.calls.map((c) => c.rows)).toEqual([['late0']]);
    f.calls[0].resolve();
    await settle();
    expect(w()).toBe('resolved');
  });
});

describe('Batcher following another', () => {
  it('sends when kicked, without waiting its own delay, and tells each send to a follower', async () => {
    const items = fakeInsert();
    const follower = batcher(items.insert, { maxDelayMs: 10_000 });
    const spans = fakeInsert();
    const leader = batcher(spans.insert, { maxRows: 2, onSend: () => follower.kick() });
    const item = track(follower.write(['item-a']));
    const span = track(leader.write(['span-a', 'span-b']));
    await settle();
    expect(spans.calls.map((c) => c.rows)).toEqual([['span-a', 'span-b']]);
    expect(items.calls.map((c) => c.rows)).toEqual([['item-a']]);
    items.calls[0].resolve();
    spans.calls[0].resolve();
    await settle();
    expect([item(), span()]).toEqual(['resolved', 'resolved']);
  });

  it('without a kick, waits its own (long) delay', async () => {
    const items = fakeInsert();
    const follower = batcher(items.insert, { maxDelayMs: 10_000 });
    void follower.write(['alone']);
    await settle();
    expect(items.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(items.calls.map((c) => c.rows)).toEqual([['alone']]);
    items.calls[0].resolve();
  });
});
