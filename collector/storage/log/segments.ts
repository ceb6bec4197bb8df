/**
 * The log's files: numbered segments (`00000000000000000001.seg`) written one after the
 * other, and a checkpoint saying how far the oldest one has been drained. A segment is
 * deleted once every record in it has reached ClickHouse.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, ftruncateSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { decodePayload, readFrame, type RecordPart } from './record.js';

const SEGMENT = /^(\d{20})\.seg$/;

export function segmentPath(dir: string, seq: number): string {
  return join(dir, `${String(seq).padStart(20, '0')}.seg`);
}

/** The segment numbers in `dir`, oldest first (the directory is made when missing). */
export function listSegments(dir: string): number[] {
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir)
    .map((f) => SEGMENT.exec(f))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Makes a directory entry (a new segment, a renamed checkpoint) survive a power cut. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface Checkpoint {
  seq: number;
  offset: number;
}

/**
 * Where draining stands: every record before (seq, offset) is in ClickHouse. Written
 * without fsync: after a power cut an older checkpoint (or none) only means that some
 * records are inserted again, never that one is skipped.
 */
export function readCheckpoint(dir: string): Checkpoint | undefined {
  try {
    const m = /^(\d+) (\d+)\n$/.exec(readFileSync(join(dir, 'checkpoint'), 'utf8'));
    return m ? { seq: Number(m[1]), offset: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}

export function writeCheckpoint(dir: string, cp: Checkpoint): void {
  const tmp = join(dir, 'checkpoint.tmp');
  writeFileSync(tmp, `${cp.seq} ${cp.offset}\n`);
  renameSync(tmp, join(dir, 'checkpoint'));
}

export interface ScannedRecord {
  offset: number;
  size: number;
  parts: RecordPart[];
}

export interface Scan {
  records: ScannedRecord[];
  /** Bytes of whole records; a damaged or cut-off end past it is cut away when `truncate`. */
  validBytes: number;
  /** Bytes that were not whole records (cut off by a crash, or damaged). */
  skippedBytes: number;
}

/**
 * The records of a segment from `from` on. A record cut off by a crash in the middle of
 * its write, or failing its checksum, ends the scan; with `truncate` the file is cut back
 * to the last whole record, so appending can go on after it.
 */
export function scanSegment(path: string, from: number, truncate: boolean): Scan {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const buf = readFileSync(fd);
    const records: ScannedRecord[] = [];
    let at = Math.min(from, size);
    for (;;) {
      const frame = readFrame(buf, at);
      if (typeof frame === 'string') break;
      const parts = decodePayload(frame.payload);
      if (!parts) break;
      records.push({ offset: at, size: frame.end - at, parts });
      at = frame.end;
    }
    if (truncate && at < size) ftruncateSync(fd, at);
    return { records, validBytes: at, skippedBytes: size - at };
  } finally {
    closeSync(fd);
  }
}
