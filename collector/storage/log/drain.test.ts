import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableLog } from './log.js';
import { LogDrain } from './drain.js';
import { createLogger } from '../../log.js';
import type { SerializedRows } from '../json-rows.js';

/**
 * The drain against sinks that hold each insert until released: how many record bytes are
 * handed over at once, with the process under and over limits.memory_limit.
 */
async function backlog(over: () => boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-drain-'));
  const wal = await DurableLog.open({ dir, maxBytes: 1 << 24, segmentBytes: 1 << 20, memoryBytes: 1 << 24, retryAfterMs: 1000 });
  // 40 records of about 1 KB: a backlog a burst left behind.
  await Promise.all(Array.from({ length: 40 }, (_, i) => wal.append([{ table: 'spans', rows: 1, json: JSON.stringify([i, 'x'.repeat(1000)]) }])));
  const held: { rows: SerializedRows; release: () => void }[] = [];
  let kicks = 0;
  const sink = (rows: SerializedRows) => new Promise<void>((release) => held.push({ rows, release }));
  const drain = new LogDrain(
    wal,
    { sinks: { spans: sink, items: sink }, windowBytes: 12_000, batchBytes: 4_000, memoryOver: over, retryAfterMs: 1000, kick: () => kicks++, log: createLogger('silent') },
    dir,
  );
  drain.start();
  const inFlight = () => held.reduce((n, h) => n + h.rows.json.length, 0);
  /** Lets every held insert finish, then waits until the drain has handed over the next ones (or has none left). */
  const releaseAll = async () => {
    const pending = wal.pendingRecords;
    const released = held.splice(0);
    for (const h of released) h.release();
    for (let i = 0; i < 1000; i++) {
      if (wal.pendingRecords === pending - released.length && (held.length > 0 || wal.pendingRecords === 0)) return;
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error('the drain did not go on after its inserts finished');
  };
  return { wal, drain, held, inFlight, releaseAll, kicks: () => kicks };
}

describe('the log drain under limits.memory_limit', () => {
  it('hands the sinks its whole window while memory is under the limit', async () => {
    const d = await backlog(() => false);
    expect(d.held.length).toBeGreaterThan(8);
    expect(d.inFlight()).toBeGreaterThan(9_000);
    expect(d.kicks()).toBe(0);
    d.drain.stop();
    await d.wal.close();
  });

  it('over the limit, hands over one batch at a time and sends it at once, until memory is back under', async () => {
    let over = true;
    const d = await backlog(() => over);
    // One batch's records (4,000 bytes of record text: four of about 1 KB), sent without waiting for the batch delay.
    expect(d.held.length).toBe(4);
    expect(d.inFlight()).toBeLessThan(4_500);
    expect(d.kicks()).toBe(1);
    await d.releaseAll();
    expect(d.held.length).toBe(4);
    expect(d.wal.pendingRecords).toBe(36);
    over = false;
    await d.releaseAll();
    expect(d.held.length).toBeGreaterThan(8);
    let rounds = 0;
    while (d.wal.pendingRecords > 0 && rounds++ < 100) await d.releaseAll();
    expect(d.wal.pendingRecords).toBe(0);
    d.drain.stop();
    await d.wal.close();
  });
});
