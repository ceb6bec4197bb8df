/**
 * One record of the local log: the rows one export request brought, for each table they go
 * to, as the serialized text that is inserted (see json-rows.ts). On disk a record is a
 * frame: its payload's length and CRC-32, then the payload, so a record cut short by a
 * crash, or damaged, is recognised when the log is read back.
 *
 *   frame:   u32 payload length | u32 crc32(payload) | payload
 *   payload: u8 part count, then per part: u8 table, u32 rows, u32 bytes, the rows' bytes
 *
 * A part's rows are JSON text (UTF-8), or, where the table byte's high bit is set, Native
 * blocks (native.ts). Parts are appended as strings or bytes and read back as the bytes
 * appended (in memory) or of the frame (from the segment), which go into the insert as they
 * are. A spansift from before Native parts stops reading a segment at the first of them; one
 * from before Native items parts cannot insert those (empty the log before going back).
 */
import { crc32 } from 'node:zlib';

/** Where a part's rows go. Numbered on disk: append only, never renumbered. */
export const TABLES = ['spans', 'items'] as const;
export type TableKind = (typeof TABLES)[number];

export interface RecordPart {
  table: TableKind;
  /** Rows the text holds. */
  rows: number;
  /**
   * Rows serialized as JSON arrays separated by commas (SerializedRows.json): a string, or its
   * UTF-8 bytes; or Native blocks. Bytes handed to the log are its own from then on: it writes
   * them later and keeps them, so they are never changed.
   */
  json: string | Buffer;
  /** `json` holds Native blocks (SerializedRows.native). */
  native?: boolean;
}

const NATIVE_BIT = 0x80;

export const FRAME_HEADER = 8;
const PART_HEADER = 9;
/** A frame longer than this is damage, not a record (a request's rows stay far below it). */
export const MAX_PAYLOAD = 2 ** 31 - 1;

/**
 * A part in memory of its own (a Native block) is written from where it is rather than
 * copied into the frame. Other parts are copied, so that no kept part is a view of a larger
 * buffer (such as Node's shared pool of small buffers) that it would keep alive; so are
 * parts too small for the difference to count.
 */
const SHARED_PART_BYTES = 4096;
const EMPTY = Buffer.alloc(0);

/**
 * The frame of a record, ready to write (its bytes are `bufs` one after another), and its
 * parts as they are kept in memory once written: their bytes as the frame holds them (no
 * second copy is held).
 */
export function encodeRecord(parts: readonly RecordPart[]): { bufs: Buffer[]; size: number; parts: RecordPart[] } {
  const bytes = parts.map((p) => (typeof p.json === 'string' ? undefined : p.json));
  const shared = bytes.map((b) => b !== undefined && b.length >= SHARED_PART_BYTES && b.byteOffset === 0 && b.buffer.byteLength === b.length);
  const lengths = parts.map((p, i) => bytes[i]?.length ?? Buffer.byteLength(p.json as string));
  let size = FRAME_HEADER + 1;
  for (const n of lengths) size += PART_HEADER + n;
  // The bytes of the piece that starts at part `from`: headers and copied parts, up to and with the next shared part's header.
  const pieceBytes = (from: number) => {
    let n = 0;
    for (let j = from; j < parts.length; j++) {
      n += PART_HEADER;
      if (shared[j]) break;
      n += lengths[j];
    }
    return n;
  };
  // The frame is pieces of their own memory, each followed by the shared part its last header announces.
  const bufs: Buffer[] = [];
  const kept: RecordPart[] = [];
  let buf = Buffer.allocUnsafeSlow(FRAME_HEADER + 1 + pieceBytes(0));
  let at = FRAME_HEADER;
  buf.writeUInt8(parts.length, at++);
  let crc = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    buf.writeUInt8(TABLES.indexOf(p.table) | (p.native ? NATIVE_BIT : 0), at);
    buf.writeUInt32LE(p.rows, at + 1);
    buf.writeUInt32LE(lengths[i], at + 5);
    at += PART_HEADER;
    let json: Buffer;
    if (shared[i]) {
      json = bytes[i]!;
      // The checksum covers the payload: the first piece from after the frame header.
      crc = crc32(bufs.length === 0 ? buf.subarray(FRAME_HEADER) : buf, crc);
      crc = crc32(json, crc);
      bufs.push(buf, json);
      const next = pieceBytes(i + 1);
      buf = next > 0 ? Buffer.allocUnsafeSlow(next) : EMPTY;
      at = 0;
    } else {
      const start = at;
      const b = bytes[i];
      at += b !== undefined ? b.copy(buf, at) : buf.write(p.json as string, at, 'utf8');
      json = buf.subarray(start, at);
    }
    const part: RecordPart = { table: p.table, rows: p.rows, json };
    if (p.native) part.native = true;
    kept.push(part);
  }
  if (buf.length > 0) {
    crc = crc32(bufs.length === 0 ? buf.subarray(FRAME_HEADER) : buf, crc);
    bufs.push(buf);
  }
  bufs[0].writeUInt32LE(size - FRAME_HEADER, 0);
  bufs[0].writeUInt32LE(crc, 4);
  return { bufs, size, parts: kept };
}

/**
 * Parts whose bytes are copies of their own: parts read from a whole segment's buffer would
 * otherwise keep all of that buffer in memory for as long as any one of them is kept.
 */
export function ownParts(parts: readonly RecordPart[]): RecordPart[] {
  return parts.map((p) => (typeof p.json === 'string' ? p : { ...p, json: Buffer.from(p.json) }));
}

/** The parts of a payload (a frame without its header), as views of its bytes; undefined when it is not one. */
export function decodePayload(payload: Buffer): RecordPart[] | undefined {
  if (payload.length < 1) return undefined;
  const count = payload.readUInt8(0);
  const parts: RecordPart[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (at + PART_HEADER > payload.length) return undefined;
    const tag = payload.readUInt8(at);
    const table = TABLES[tag & ~NATIVE_BIT];
    const rows = payload.readUInt32LE(at + 1);
    const bytes = payload.readUInt32LE(at + 5);
    at += PART_HEADER;
    if (table === undefined || at + bytes > payload.length) return undefined;
    const part: RecordPart = { table, rows, json: payload.subarray(at, at + bytes) };
    if (tag & NATIVE_BIT) part.native = true;
    parts.push(part);
    at += bytes;
  }
  return at === payload.length ? parts : undefined;
}

/**
 * The frame starting at `at` in `buf`: its payload and the offset after it; `short` when
 * the buffer ends inside it; `bad` when its header or checksum is wrong.
 */
export function readFrame(buf: Buffer, at: number): { payload: Buffer; end: number } | 'short' | 'bad' {
  if (at + FRAME_HEADER > buf.length) return 'short';
  const length = buf.readUInt32LE(at);
  if (length === 0 || length > MAX_PAYLOAD) return 'bad';
  const end = at + FRAME_HEADER + length;
  if (end > buf.length) return 'short';
  const payload = buf.subarray(at + FRAME_HEADER, end);
  if (crc32(payload) !== buf.readUInt32LE(at + 4)) return 'bad';
  return { payload, end };
}
