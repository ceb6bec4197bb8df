import { describe, expect, it } from 'vitest';
import { appendFileSync, constants, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { DurableLog, type LogOptions } from './log.js';
import { segmentPath } from './segments.js';
import { decodePayload, encodeRecord, readFrame, type RecordPart } from './record.js';
import { logBatchBytes } from './ingest.js';
import { configSchema } from '../../../config/schema.js';

const options = (dir: string, o: Partial<LogOptions> = {}): LogOptions => ({ dir, maxBytes: 1 << 20, segmentBytes: 4096, memoryBytes: 1 << 20, retryAfterMs: 1000, ...o });
const spans = (i: number, text = 'x'): RecordPart[] => [{ table: 'spans', rows: 1, json: JSON.stringify([i, text]) }];

async function drainAll(log: DurableLog): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (let r = log.take(0)[0]; r; r = log.take(0)[0]) {
    for (const p of log.read(r)) out.push(JSON.parse(`[${p.json}]`));
    await log.done(r);
  }
  return out;
}

describe('the local log', () => {
  it('gives back every committed record, in order, after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir));
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([...spans(i), { table: 'items', rows: 2, json: '["a"],["é\u{1F600}"]' }])));
    expect(log.pendingRecords).toBe(50);
    // A crash: no close, nothing drained.
    const again = await DurableLog.open(options(dir, { memoryBytes: 0 }));
    expect(again.replayed.records).toBe(50);
    expect(again.replayed.rows).toBe(150);
    const rows = await drainAll(again);
    expect(rows.filter((_, i) => i % 2 === 0).map((r) => (r[0] as unknown[])[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(rows[1]).toEqual([['a'], ['é\u{1F600}']]);
    await again.close();
    await log.close();
  });

  // Acknowledged means on the disk: on Linux the segment a commit writes is opened for
  // synchronized data writes, so the write itself returns only once its bytes are there
  // (Linux shows an open file's flags in /proc/self/fdinfo, in octal).
  it.runIf(process.platform === 'linux')('writes its segments with synchronized data writes (O_DSYNC)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir));
    await log.append(spans(1));
    const fds = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    });
    expect(fds.length).toBeGreaterThan(0);
    for (const fd of fds) {
      const flags = parseInt(/^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
      expect(flags & constants.O_DSYNC).toBe(constants.O_DSYNC);
    }
    await log.close();
  });

  it('keeps replayed records in memory as copies of their own, not as views of the whole segment read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir, { segmentBytes: 1 << 20 }));
    for (let i = 0; i < 40; i++) await log.append(spans(i, 'z'.repeat(10_000)));
    // A crash, then a reopen that keeps only the first few records in memory (the rest are read back when drained).
    const again = await DurableLog.open(options(dir, { segmentBytes: 1 << 20, memoryBytes: 50_000 }));
    expect(again.replayed.records).toBe(40);
    const [first] = again.take(0);
    const [part] = again.read(first);
    expect(Buffer.isBuffer(part.json)).toBe(true);
    // The segment holds about 400 KB; a kept record must not hold on to all of it.
    expect((part.json as Buffer).buffer.byteLength).toBeLessThan(20_000);
    expect(JSON.parse(`[${part.json}]`)).toEqual([[0, 'z'.repeat(10_000)]]);
    await again.done(first);
    expect((await drainAll(again)).map((r) => (r[0] as unknown[])[0])).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    await again.close();
    await log.close();
  });

  it('replays only what was not drained, and deletes drained segments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir));
    for (let i = 0; i < 100; i++) await log.append(spans(i, 'y'.repeat(200)));
    const segments = readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
    expect(segments).toBeGreaterThan(3);
    for (let i = 0; i < 60; i++) await log.done(log.take(0)[0]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeLessThan(segments);
    await log.close();
    const again = await DurableLog.open(options(dir));
    expect(again.replayed.records).toBe(40);
    const rows = await drainAll(again);
    expect((rows[0][0] as unknown[])[0]).toBe(60);
    await again.close();
    const empty = await DurableLog.open(options(dir));
    expect(empty.replayed.records).toBe(0);
    expect(empty.bytes).toBe(0);
    await empty.close();
  });

  it('cuts away a record whose write a crash cut off, and goes on in a new segment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir, { segmentBytes: 1 << 20 }));
    for (let i = 0; i < 3; i++) await log.append(spans(i));
    const seq = log.front!.seq;
    await log.close();
    const path = segmentPath(dir, seq);
    const size = statSync(path).size;
    // Half a record more, as a kill in the middle of a write leaves it.
    appendFileSync(path, Buffer.from([50, 0, 0, 0, 1, 2, 3, 4, 1]));
    const again = await DurableLog.open(options(dir));
    expect(again.replayed).toEqual({ records: 3, rows: 3, skippedBytes: 9 });
    expect(statSync(path).size).toBe(size);
    await again.append(spans(3));
    expect((await drainAll(again)).map((r) => (r[0] as unknown[])[0])).toEqual([0, 1, 2, 3]);
    await again.close();
  });

  it('stops at a damaged record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir, { segmentBytes: 1 << 20 }));
    for (let i = 0; i < 3; i++) await log.append(spans(i));
    const seq = log.front!.seq;
    await log.close();
    const path = segmentPath(dir, seq);
    truncateSync(path, statSync(path).size - 1);
    const again = await DurableLog.open(options(dir));
    expect(again.replayed.records).toBe(2);
    await again.close();
  });

  it('refuses an append that does not fit, with a retry delay, and takes it once drained', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir, { maxBytes: 1000, segmentBytes: 400 }));
    let refused: unknown;
    for (let i = 0; i < 20 && !refused; i++) await log.append(spans(i, 'z'.repeat(100))).catch((e: unknown) => (refused = e));
    expect(refused).toMatchObject({ code: 'OVERLOADED', retryAfterMs: 1000 });
    expect((refused as Error).message).toMatch(/local log is full .*storage\.log\.max_size/);
    expect(log.bytes).toBeLessThanOrEqual(1000);
    await drainAll(log);
    await log.append(spans(99, 'z'.repeat(100)));
    await log.close();
  });

  it('keeps texts in memory only up to its budget, and reads the rest back from disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir, { memoryBytes: 500, segmentBytes: 1 << 20 }));
    for (let i = 0; i < 20; i++) await log.append(spans(i, 'm'.repeat(50)));
    expect(log.memory).toBeLessThanOrEqual(500);
    expect((await drainAll(log)).map((r) => (r[0] as unknown[])[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(log.memory).toBe(0);
    await log.close();
  });

  it('refuses appends once closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir));
    await log.close();
    await expect(log.append(spans(1))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});

describe('a record of the log', () => {
  // A Native block of its own memory, large enough to be written where it is.
  const block = (n: number, fill: number) => Buffer.allocUnsafeSlow(n).fill(fill);

  it('writes a large part where it is, and reads back every part, small and large, in order', async () => {
    const big = block(200_000, 7);
    const other = block(5_000, 9);
    const parts: RecordPart[] = [
      { table: 'items', rows: 1, json: '["é"]' },
      { table: 'spans', rows: 500, json: big, native: true },
      { table: 'items', rows: 2, json: Buffer.from('["a"],["b"]') },
      { table: 'spans', rows: 300, json: other, native: true },
    ];
    const { bufs, size, parts: kept } = encodeRecord(parts);
    // The large blocks are not copied: the frame holds them, and so does what the log keeps.
    expect(bufs).toContain(big);
    expect(kept[1].json).toBe(big);
    expect(kept[3].json).toBe(other);
    const frame = Buffer.concat(bufs);
    expect(frame.length).toBe(size);
    const read = readFrame(frame, 0);
    if (typeof read === 'string') throw new Error(`frame read back as ${read}`);
    expect(read.end).toBe(size);
    const back = decodePayload(read.payload)!;
    expect(back.map((p) => [p.table, p.rows, p.native === true])).toEqual([['items', 1, false], ['spans', 500, true], ['items', 2, false], ['spans', 300, true]]);
    expect(back[0].json.toString()).toBe('["é"]');
    expect(Buffer.compare(back[1].json as Buffer, big)).toBe(0);
    expect(back[2].json.toString()).toBe('["a"],["b"]');
    expect(Buffer.compare(back[3].json as Buffer, other)).toBe(0);
    // A bit flipped in the frame's copy of the last block is damage the checksum finds.
    frame[size - 10] ^= 1;
    expect(readFrame(frame, 0)).toBe('bad');
  });

  it('makes the same frame bytes whichever parts are written from where they are', () => {
    // The frame as one buffer, every part copied: the layout the log has on disk.
    const reference = (parts: RecordPart[]) => {
      const payload = Buffer.concat([
        Buffer.from([parts.length]),
        ...parts.flatMap((p) => {
          const bytes = typeof p.json === 'string' ? Buffer.from(p.json) : p.json;
          const head = Buffer.alloc(9);
          head.writeUInt8((p.table === 'spans' ? 0 : 1) | (p.native ? 0x80 : 0), 0);
          head.writeUInt32LE(p.rows, 1);
          head.writeUInt32LE(bytes.length, 5);
          return [head, bytes];
        }),
      ]);
      const header = Buffer.alloc(8);
      header.writeUInt32LE(payload.length, 0);
      header.writeUInt32LE(crc32(payload), 4);
      return Buffer.concat([header, payload]);
    };
    const big = (fill: number) => ({ table: 'spans' as const, rows: fill, json: block(8192 + fill, fill), native: true });
    const small = (text: string) => ({ table: 'items' as const, rows: 1, json: text });
    const cases: RecordPart[][] = [[], [big(1)], [big(1), big(2)], [big(1), small('["é"]')], [small(''), big(3)], [big(1), small('[1]'), big(2)], [small('[1]'), small(''), big(4), small('[2]')]];
    for (const parts of cases) {
      const { bufs, size } = encodeRecord(parts);
      const frame = Buffer.concat(bufs);
      expect(frame.length).toBe(size);
      expect(frame.equals(reference(parts))).toBe(true);
    }
  });

  it('copies a part that is a view of a larger buffer, so that keeping it does not keep the rest', () => {
    const whole = block(300_000, 1);
    const view = whole.subarray(1000, 101_000);
    const { parts: kept } = encodeRecord([{ table: 'spans', rows: 1, json: view, native: true }]);
    expect(kept[0].json).not.toBe(view);
    expect((kept[0].json as Buffer).buffer).not.toBe(whole.buffer);
    expect(Buffer.compare(kept[0].json as Buffer, view)).toBe(0);
  });

  it('survives a reopen with large and small parts mixed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-log-'));
    const log = await DurableLog.open(options(dir, { maxBytes: 64 << 20, segmentBytes: 1 << 20 }));
    const blocks = Array.from({ length: 6 }, (_, i) => block(5_000 + i * 1000, i));
    await Promise.all(blocks.map((b, i) => log.append([{ table: 'spans', rows: i + 1, json: b, native: true }, ...(i % 2 ? [{ table: 'items' as const, rows: 1, json: `[${i}]` }] : [])])));
    const again = await DurableLog.open(options(dir, { memoryBytes: 0, maxBytes: 64 << 20, segmentBytes: 1 << 20 }));
    expect(again.replayed.records).toBe(6);
    const got: Buffer[] = [];
    for (let r = again.take(0)[0]; r; r = again.take(0)[0]) {
      const [spansPart, itemsPart] = again.read(r);
      got.push(spansPart.json as Buffer);
      if (itemsPart) expect(itemsPart.json.toString()).toBe(`[${got.length - 1}]`);
      await again.done(r);
    }
    expect(got.map((b, i) => Buffer.compare(b, blocks[i]))).toEqual([0, 0, 0, 0, 0, 0]);
    await again.close();
    await log.close();
  });
});

describe('the size of an insert from the log', () => {
  const MiB = 1024 * 1024;
  const cfg = (max_bytes?: number) => configSchema.parse({ storage: { log: { batch: max_bytes === undefined ? {} : { max_bytes } } } }).storage.log;

  it('is 16 MiB of row text by default, and follows limits.memory_limit when that is set', () => {
    expect(logBatchBytes(cfg(), 0)).toBe(16 * MiB);
    // Tight budgets: 1/192 of the budget, at least 1 MiB.
    expect(logBatchBytes(cfg(), 64 * MiB)).toBe(1 * MiB);
    expect(logBatchBytes(cfg(), 384 * MiB)).toBe(2 * MiB);
    expect(logBatchBytes(cfg(), 512 * MiB)).toBe(Math.floor((512 * MiB) / 192));
    // Roomier ones: 1/32 of what lies above the 512 MiB spansift holds besides its inserts.
    expect(logBatchBytes(cfg(), 768 * MiB)).toBe(8 * MiB);
    expect(logBatchBytes(cfg(), 1024 * MiB)).toBe(16 * MiB);
    expect(logBatchBytes(cfg(), 8192 * MiB)).toBe(16 * MiB);
  });

  it('is storage.log.batch.max_bytes when the config sets it, whatever the memory limit', () => {
    expect(logBatchBytes(cfg(32 * MiB), 768 * MiB)).toBe(32 * MiB);
  });
});
