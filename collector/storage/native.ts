/**
 * otel_traces rows in ClickHouse's Native format, the form the embedded engine inserts at
 * the least cost: a block holds each column's values together, so the engine takes them
 * as they are instead of parsing text row by row. For 7,500 LLM spans the engine's insert
 * took 40 to 70 ms of CPU from Native against 110 to 160 from JSONCompactEachRow, and
 * encoding costs Node about what JSON.stringify does (bench/RESULTS.md).
 *
 * A block is `columns (varint) rows (varint)`, then per column its name and type (strings)
 * and its values: fixed-width numbers little-endian, strings as varint length and UTF-8
 * bytes, an array as the cumulative end offsets of all rows (UInt64), then all elements; a
 * map as the array of its (key, value) tuples, keys then values. Blocks follow one another
 * in a stream, so the blocks of many requests, concatenated, are one insert.
 *
 * Columns are declared with the types ClickHouse converts from on insert: String for a
 * LowCardinality(String) column, Map(String, String) for Map(LowCardinality(String), String).
 */
import type { Span } from '../model/span.js';
import { SpansiftError } from '../errors.js';
import { MAX_TIME_NS } from '../receivers/otlp/limits.js';
import { attrToString } from '../model/attributes.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../model/names.js';
import { msToDateTime64, nanosToDateTime64, TRACE_COLUMNS } from './rows.js';

/** The type each of TRACE_COLUMNS is written as. */
const NATIVE_TYPES: Record<(typeof TRACE_COLUMNS)[number], string> = {
  Timestamp: 'DateTime64(9)',
  TraceId: 'String',
  SpanId: 'String',
  ParentSpanId: 'String',
  TraceState: 'String',
  SpanName: 'String',
  SpanKind: 'String',
  ServiceName: 'String',
  ResourceAttributes: 'Map(String, String)',
  ScopeName: 'String',
  ScopeVersion: 'String',
  SpanAttributes: 'Map(String, String)',
  Duration: 'UInt64',
  StatusCode: 'String',
  StatusMessage: 'String',
  'Events.Timestamp': 'Array(DateTime64(9))',
  'Events.Name': 'Array(String)',
  'Events.Attributes': 'Array(Map(String, String))',
  'Links.TraceId': 'Array(String)',
  'Links.SpanId': 'Array(String)',
  'Links.TraceState': 'Array(String)',
  'Links.Attributes': 'Array(Map(String, String))',
};

const TWO_32 = 4294967296;

/**
 * Blocks are written into one buffer kept between them (grown as needed, and let go when it
 * grew past KEEP_BYTES), then copied out at their size: no buffer per block is grown.
 */
let scratch = Buffer.allocUnsafeSlow(1 << 20);
const KEEP_BYTES = 16 << 20;

/**
 * The most one request's rows may take. Every row repeats its resource's attributes, so a
 * small body can stand for far more: past this it is refused (413) before it is built.
 */
export const MAX_NATIVE_BYTES = 2 ** 29;

/** The error for `rows` rows larger than MAX_NATIVE_BYTES together. */
export function rowsTooLarge(rows: number): SpansiftError {
  return new SpansiftError('BODY_TOO_LARGE', `${rows} rows are too large to store together (more than ${MAX_NATIVE_BYTES / 2 ** 20} MiB); send fewer spans or items per request`);
}

/** About the bytes a row takes for `map` (its keys and values, their lengths). */
export function mapBytes(map: Record<string, string>): number {
  let n = 0;
  for (const k in map) n += 2 + Buffer.byteLength(k) + Buffer.byteLength(map[k]);
  return n;
}

/** Writes front to back into the scratch buffer; a block at a time (take() copies it out). */
export class NativeWriter {
  buf = scratch;
  at = 0;

  constructor(
    /** Bytes this block may take; past them, the request's rows are too large. */
    private readonly room: number,
    /** The request's rows, for the error. */
    private readonly rows: number,
  ) {}

  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    if (this.at + n > this.room) throw rowsTooLarge(this.rows);
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
    if (size <= KEEP_BYTES) scratch = next;
  }

  varuint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  }

  /**
   * Length and UTF-8 bytes. Short ASCII text (most keys, ids and names) is copied here, a
   * call into Node's encoder costing more than the copy; a lone surrogate becomes U+FFFD,
   * as in the JSON rows.
   */
  string(s: string): void {
    const len = s.length;
    if (len <= 42) {
      // At most 126 bytes: the length fits one varint byte.
      this.ensure(1 + len * 3);
      const b = this.buf;
      const start = this.at + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + i] = c;
      }
      const n = i === len ? len : b.write(s, start, 'utf8');
      b[this.at] = n;
      this.at = start + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varuint(n);
    this.ensure(n);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** A column's name and type, before its values. */
  column(name: string, type: string): void {
    this.string(name);
    this.string(type);
  }

  /** A non-negative integer below 2^53 as UInt64 (or as a DateTime64(3)'s milliseconds). */
  uint64(v: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(v % TWO_32, this.at);
    this.buf.writeUInt32LE(Math.floor(v / TWO_32), this.at + 4);
    this.at += 8;
  }

  bigUint64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.at);
    this.at += 8;
  }

  /** A time in nanoseconds as DateTime64(9), within what it holds (as nanosToDateTime64 does for JSON). */
  time(ns: bigint): void {
    this.bigUint64(ns < 0n ? 0n : ns > MAX_TIME_NS ? MAX_TIME_NS : ns);
  }

  /** What was written, in a buffer of its own size. */
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.at);
    this.buf.copy(out, 0, 0, this.at);
    return out;
  }

  /**
   * A Map(String, String) column of `maps` (each iterated as attrsToStrings does): the
   * offsets, then every key, then every value as `value` gives it.
   */
  maps<V>(maps: readonly Record<string, V>[], value: (v: V) => string): void {
    let end = 0;
    for (const m of maps) {
      for (const _ in m) end++;
      this.uint64(end);
    }
    for (const m of maps) for (const k in m) this.string(k);
    for (const m of maps) for (const k in m) this.string(value(m[k]));
  }
}

const same = (s: string) => s;

/**
 * One Native block of otel_traces rows for `spans`, the same rows spanToValues makes;
 * `resources[i]` is the i-th span's resource attributes as strings (shared by the spans of
 * one resource). A block that would pass `room` bytes is refused with rowsTooLarge for
 * `requestRows` rows (the request it is part of).
 */
export function spansToNative(spans: readonly Span[], resources: readonly Record<string, string>[], room = MAX_NATIVE_BYTES, requestRows = spans.length): Buffer {
  const w = new NativeWriter(room, requestRows);
  const column = (name: (typeof TRACE_COLUMNS)[number]) => w.column(name, NATIVE_TYPES[name]);
  const strings = (name: (typeof TRACE_COLUMNS)[number], of: (s: Span) => string) => {
    column(name);
    for (const s of spans) w.string(of(s));
  };
  const arrays = <T>(name: (typeof TRACE_COLUMNS)[number], of: (s: Span) => readonly T[], write: (items: T[]) => void) => {
    column(name);
    let end = 0;
    const items: T[] = [];
    for (const s of spans) {
      const list = of(s);
      w.uint64((end += list.length));
      for (const x of list) items.push(x);
    }
    write(items);
  };

  w.varuint(TRACE_COLUMNS.length);
  w.varuint(spans.length);
  column('Timestamp');
  for (const s of spans) w.time(s.startTimeUnixNano);
  strings('TraceId', (s) => s.traceId);
  strings('SpanId', (s) => s.spanId);
  strings('ParentSpanId', (s) => s.parentSpanId);
  strings('TraceState', (s) => s.traceState);
  strings('SpanName', (s) => s.name);
  strings('SpanKind', (s) => SPAN_KIND_NAMES[s.kind] ?? String(s.kind));
  strings('ServiceName', (s) => s.resource.serviceName);
  column('ResourceAttributes');
  w.maps(resources, same);
  strings('ScopeName', (s) => s.scope.name);
  strings('ScopeVersion', (s) => s.scope.version);
  column('SpanAttributes');
  w.maps(
    spans.map((s) => s.attributes),
    attrToString,
  );
  column('Duration');
  for (const s of spans) {
    const d = s.endTimeUnixNano - s.startTimeUnixNano;
    w.bigUint64(d > 0n ? d : 0n);
  }
  strings('StatusCode', (s) => STATUS_CODE_NAMES[s.status.code] ?? String(s.status.code));
  strings('StatusMessage', (s) => s.status.message);
  arrays('Events.Timestamp', (s) => s.events, (events) => {
    for (const e of events) w.time(e.timeUnixNano);
  });
  arrays('Events.Name', (s) => s.events, (events) => {
    for (const e of events) w.string(e.name);
  });
  arrays('Events.Attributes', (s) => s.events, (events) => w.maps(events.map((e) => e.attributes), attrToString));
  arrays('Links.TraceId', (s) => s.links, (links) => {
    for (const l of links) w.string(l.traceId);
  });
  arrays('Links.SpanId', (s) => s.links, (links) => {
    for (const l of links) w.string(l.spanId);
  });
  arrays('Links.TraceState', (s) => s.links, (links) => {
    for (const l of links) w.string(l.traceState);
  });
  arrays('Links.Attributes', (s) => s.links, (links) => w.maps(links.map((l) => l.attributes), attrToString));
  return w.take();
}

/** Reads back what spansToNative wrote. */
class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error(`Native rows end early (at byte ${this.at} of ${this.buf.length})`);
  }

  varuint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const b = this.buf[this.at++];
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    throw new Error(`Native rows hold a length longer than 10 bytes (at byte ${this.at})`);
  }

  string(): string {
    const n = this.varuint();
    this.need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }

  /** Past a string without decoding it. */
  skipString(): void {
    const n = this.varuint();
    this.need(n);
    this.at += n;
  }

  skip(n: number): void {
    this.need(n);
    this.at += n;
  }

  uint64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.at);
    this.at += 8;
    return v;
  }

  get done(): boolean {
    return this.at >= this.buf.length;
  }
}

/**
 * The values of the columns named in `names`, over every block of a stream, as readColumn
 * gives them; the other columns are stepped over without being decoded (a queue item's
 * payload, when only its key is wanted).
 */
export function nativeColumns<N extends string>(buf: Buffer, names: readonly N[]): Record<N, unknown[]> {
  const r = new Reader(buf);
  const out = Object.fromEntries(names.map((n) => [n, [] as unknown[]])) as Record<N, unknown[]>;
  const wanted = new Set<string>(names);
  while (!r.done) {
    const columns = r.varuint();
    const rows = r.varuint();
    for (let c = 0; c < columns; c++) {
      const name = r.string();
      const type = r.string();
      if (!wanted.has(name)) {
        skipColumn(r, type, rows);
        continue;
      }
      const into = out[name as N];
      for (const v of readColumn(r, type, rows)) into.push(v);
    }
  }
  return out;
}

/** Fixed-width column types spansift writes, and their width. */
const FIXED_BYTES: Record<string, number> = { 'DateTime64(9)': 8, 'DateTime64(3)': 8, UInt64: 8 };

function skipColumn(r: Reader, type: string, rows: number): void {
  if (type === 'String') {
    for (let i = 0; i < rows; i++) r.skipString();
    return;
  }
  const fixed = FIXED_BYTES[type];
  if (fixed !== undefined) return r.skip(fixed * rows);
  const inner = /^(Array|Map)\((.*)\)$/.exec(type);
  if (!inner) throw new Error(`Native rows hold a column of type ${type}, which spansift does not write`);
  let total = 0;
  for (let i = 0; i < rows; i++) total = Number(r.uint64());
  if (inner[1] === 'Array') return skipColumn(r, inner[2], total);
  skipColumn(r, 'String', total);
  skipColumn(r, 'String', total);
}

/**
 * The rows of a stream of blocks written by spansToNative (or itemsToNative), as spanToValues
 * (itemValues) makes them: for a ClickHouse server, which is sent JSON, and for the file of
 * rows ClickHouse refused.
 */
export function nativeToValues(buf: Buffer): unknown[][] {
  const r = new Reader(buf);
  const out: unknown[][] = [];
  while (!r.done) {
    const columns = r.varuint();
    const rows = r.varuint();
    const block: unknown[][] = Array.from({ length: rows }, () => []);
    for (let c = 0; c < columns; c++) {
      r.string();
      const type = r.string();
      const values = readColumn(r, type, rows);
      for (let i = 0; i < rows; i++) block[i].push(values[i]);
    }
    for (const row of block) out.push(row);
  }
  return out;
}

function readColumn(r: Reader, type: string, rows: number): unknown[] {
  if (type === 'String') return Array.from({ length: rows }, () => r.string());
  if (type === 'DateTime64(9)') return Array.from({ length: rows }, () => nanosToDateTime64(r.uint64()));
  if (type === 'DateTime64(3)') return Array.from({ length: rows }, () => msToDateTime64(Number(r.uint64())));
  if (type === 'UInt64') return Array.from({ length: rows }, () => r.uint64().toString());
  const inner = /^(Array|Map)\((.*)\)$/.exec(type);
  if (!inner) throw new Error(`Native rows hold a column of type ${type}, which spansift does not write`);
  const ends = Array.from({ length: rows }, () => Number(r.uint64()));
  const total = ends.at(-1) ?? 0;
  if (inner[1] === 'Array') {
    const items = readColumn(r, inner[2], total);
    return ends.map((end, i) => items.slice(i ? ends[i - 1] : 0, end));
  }
  const keys = readColumn(r, 'String', total) as string[];
  const values = readColumn(r, 'String', total) as string[];
  return ends.map((end, i) => {
    const m: Record<string, string> = {};
    for (let j = i ? ends[i - 1] : 0; j < end; j++) {
      // A plain assignment to `__proto__` would set the prototype and lose the attribute.
      if (keys[j] === '__proto__') Object.defineProperty(m, keys[j], { value: values[j], enumerable: true, writable: true, configurable: true });
      else m[keys[j]] = values[j];
    }
    return m;
  });
}
