import { mkdtempSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrokenBatchError, DiskQueue, QueueLockedError } from './disk-queue.js';

const dir = () => mkdtempSync(join(tmpdir(), 'spansift-queue-'));
const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('DiskQueue', () => {
  it('keeps batches in order across a restart, and joins neighbours of one signal when taken', async () => {
    const d = dir();
    const q = await DiskQueue.open(d, { capacity: 1000 });
    expect(await q.put('traces', bytes(10, 1), 2)).toBe(true);
    expect(await q.put('traces', bytes(20, 2), 3)).toBe(true);
    expect(await q.put('logs', bytes(5, 3), 1)).toBe(true);
    expect(await q.put('traces', bytes(7, 4), 1)).toBe(true);
    expect([q.size, q.length]).toEqual([42, 4]);
    q.close();

    const again = await DiskQueue.open(d, { capacity: 1000 });
    expect([again.size, again.length]).toEqual([42, 4]);
    const first = (await again.take(1000))!;
    expect(first.map((b) => [b.signal, b.items, b.bytes])).toEqual([
      ['traces', 2, 10],
      ['traces', 3, 20],
    ]);
    expect(Buffer.from(await again.read(first))).toEqual(Buffer.concat([bytes(10, 1), bytes(20, 2)]));
    const second = (await again.take(1000))!;
    expect(second.map((b) => b.signal)).toEqual(['logs']);
    // Not sent: back to the front of the line, before the batch after it.
    again.giveBack(first);
    expect((await again.take(15))!.map((b) => b.bytes)).toEqual([10]);
    await again.remove(second);
    expect(again.size).toBe(37);
    expect(readdirSync(d).filter((f) => f.endsWith('.otlp'))).toHaveLength(3);
    again.close();
  });

  it('refuses a batch that does not fit and keeps what is queued', async () => {
    const q = await DiskQueue.open(dir(), { capacity: 100 });
    expect(await q.put('traces', bytes(60), 1)).toBe(true);
    expect(await q.put('traces', bytes(50), 1)).toBe(false);
    expect(await q.put('traces', bytes(40), 1)).toBe(true);
    expect(q.size).toBe(100);
    const taken = (await q.take(1000))!;
    await q.remove(taken);
    expect(q.size).toBe(0);
    expect(await q.put('traces', bytes(50), 1)).toBe(true);
    q.close();
  });

  it('wakes a waiting taker when a batch arrives, and with nothing when closed', async () => {
    const q = await DiskQueue.open(dir(), { capacity: 100 });
    const waiting = q.take(100);
    await q.put('metrics', bytes(3), 9);
    expect((await waiting)!.map((b) => b.items)).toEqual([9]);
    const idle = q.take(100);
    q.close();
    expect(await idle).toBeUndefined();
  });

  it('reads back from disk what it does not hold in memory, and names a batch cut short', async () => {
    const d = dir();
    const q = await DiskQueue.open(d, { capacity: 1000, memoryBytes: 10 });
    await q.put('traces', bytes(8, 5), 1);
    await q.put('traces', bytes(8, 6), 1);
    const [a] = (await q.take(8))!;
    const [b] = (await q.take(8))!;
    expect(a.payload).toBeDefined();
    expect(b.payload).toBeUndefined();
    expect(Buffer.from(await q.read([b]))).toEqual(Buffer.from(bytes(8, 6)));
    truncateSync(join(d, readdirSync(d).find((f) => f.startsWith('0000000000000002'))!), 3);
    await expect(q.read([b])).rejects.toBeInstanceOf(BrokenBatchError);
    q.close();
  });

  it('forgets half-written files and belongs to one live process at a time', async () => {
    const d = dir();
    writeFileSync(join(d, '0000000000000001-traces-1-5.otlp.tmp'), 'xx');
    writeFileSync(join(d, 'lock'), String(process.ppid));
    await expect(DiskQueue.open(d, { capacity: 10 })).rejects.toBeInstanceOf(QueueLockedError);
    writeFileSync(join(d, 'lock'), '999999999');
    const q = await DiskQueue.open(d, { capacity: 10 });
    expect(q.length).toBe(0);
    expect(readdirSync(d)).toEqual(['lock']);
    q.close();
    expect(readdirSync(d)).toEqual([]);
  });
});
