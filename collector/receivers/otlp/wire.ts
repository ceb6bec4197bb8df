/**
 * Protobuf wire reads that protobufjs's Reader does not do the way spansift needs (64-bit
 * numbers as exact bigint/number rather than Long objects, ids straight to hex, bytes copied
 * out of the request buffer), and the common.proto messages KeyValue and AnyValue.
 */
import type protobuf from 'protobufjs';
import type { AttrValue, Attributes } from '../../model/span.js';
import { DecodeError } from './decode-error.js';
import { MAX_VALUE_DEPTH, setAttr } from './decode-shared.js';
import { cachedKey } from './key-cache.js';
import { truncateString, type Dropped, type SpanLimits } from './limits.js';

type Reader = protobuf.Reader;

const TWO_32 = 4294967296;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function truncated(r: Reader, need: number): RangeError {
  return new RangeError(`index out of range: ${r.pos} + ${need} > ${r.len}`);
}

/** fixed64 as an exact unsigned bigint (nanosecond timestamps need all 64 bits). */
export function readFixed64(r: Reader): bigint {
  const b = r.buf;
  const p = r.pos;
  if (p + 8 > r.len) throw truncated(r, 8);
  r.pos = p + 8;
  const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
  // Below 2^53 one double holds the value exactly: a single BigInt conversion.
  if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * A varint int64: a number while it is a safe integer, otherwise a bigint. Values up to
 * 49 bits (7 varint bytes) are summed in doubles; longer ones, including every negative
 * value (always 10 bytes), take the bigint path.
 */
export function readInt64(r: Reader): number | bigint {
  const b = r.buf;
  let p = r.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (p >= r.len) throw truncated(r, 1);
    const byte = b[p++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      r.pos = p;
      return value;
    }
    scale *= 128;
  }
  let big = BigInt(value);
  let shift = 49n;
  for (let i = 7; i < 10; i++) {
    if (p >= r.len) throw truncated(r, 1);
    const byte = b[p++];
    big |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) {
      r.pos = p;
      const signed = BigInt.asIntN(64, big);
      return signed >= MIN_SAFE && signed <= MAX_SAFE ? Number(signed) : signed;
    }
    shift += 7n;
  }
  r.pos = p;
  throw new Error('invalid varint encoding');
}

/**
 * A length-delimited id of the expected size as lower-case hex. Any other size is returned
 * as its byte count (the caller turns it into a reject reason) without converting it.
 */
export function readId(r: Reader, size: number): string | number {
  const length = r.uint32();
  const start = r.pos;
  if (start + length > r.len) throw truncated(r, length);
  r.pos = start + length;
  if (length !== size) return length;
  // decodeProtobuf always reads from a Buffer, whose native hex encoder is the fastest way.
  return (r.buf as Buffer).toString('hex', start, start + length);
}

function readKey(r: Reader): string {
  const length = r.uint32();
  const start = r.pos;
  if (start + length > r.len) throw truncated(r, length);
  r.pos = start + length;
  return cachedKey(r.buf as Buffer, start, start + length);
}

/** A bytes field copied out, so a stored attribute does not pin the whole request buffer. */
export function readBytesCopy(r: Reader): Uint8Array {
  const length = r.uint32();
  const start = r.pos;
  if (start + length > r.len) throw truncated(r, length);
  r.pos = start + length;
  const out = new Uint8Array(length);
  out.set(r.buf.subarray(start, start + length));
  return out;
}

/** Reads a length prefix and narrows the reader to it; returns the outer limit to restore. */
export function enter(r: Reader): number {
  const length = r.uint32();
  const end = r.pos + length;
  if (end > r.len) throw new RangeError(`length ${length} runs past the end of the enclosing message`);
  const outer = r.len;
  r.len = end;
  return outer;
}

/**
 * One KeyValue (length prefix not yet read) into `target`. String values, also inside arrays
 * and maps, are cut to `limits.maxValueLength` characters, and a map value keeps at most
 * `limits.maxAttributes` entries; what is cut or left out is counted in `dropped`.
 */
export function decodeKeyValue(r: Reader, target: Attributes, depth: number, limits: SpanLimits, dropped: Dropped): void {
  const outer = enter(r);
  let key = '';
  let value: AttrValue = null;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) key = readKey(r);
    else if (tag === 18) value = decodeAnyValue(r, depth, limits, dropped);
    else r.skipType(tag & 7, 0, tag >>> 3);
  }
  r.len = outer;
  setAttr(target, key, value);
}

/** One AnyValue (length prefix not yet read); the last oneof member on the wire wins. */
function decodeAnyValue(r: Reader, depth: number, limits: SpanLimits, dropped: Dropped): AttrValue {
  if (depth >= MAX_VALUE_DEPTH) throw new DecodeError(`AnyValue nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const outer = enter(r);
  let value: AttrValue = null;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 10: value = truncateString(r.string(), limits.maxValueLength, dropped); break;
      case 16: value = r.bool(); break;
      case 24: value = readInt64(r); break;
      case 33: value = r.double(); break;
      case 42: {
        const list: AttrValue[] = [];
        const inner = enter(r);
        while (r.pos < r.len) {
          const t = r.uint32();
          if (t === 10) list.push(decodeAnyValue(r, depth + 1, limits, dropped));
          else r.skipType(t & 7, 0, t >>> 3);
        }
        r.len = inner;
        value = list;
        break;
      }
      case 50: {
        const map: Attributes = {};
        const inner = enter(r);
        let n = 0;
        while (r.pos < r.len) {
          const t = r.uint32();
          if (t !== 10) r.skipType(t & 7, 0, t >>> 3);
          else if (n >= limits.maxAttributes) {
            r.skipType(2);
            dropped.attributes++;
          } else {
            n++;
            decodeKeyValue(r, map, depth + 1, limits, dropped);
          }
        }
        r.len = inner;
        value = map;
        break;
      }
      case 58: value = readBytesCopy(r); break;
      default: r.skipType(tag & 7, 0, tag >>> 3);
    }
  }
  r.len = outer;
  return value;
}
