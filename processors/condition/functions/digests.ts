import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { createXXHash128, createXXHash3 } from 'hash-wasm';
import murmur from 'murmurhash3js-revisited';
import { strictInt, strictString } from '../convert.js';
import { onString } from '../sql-convert.js';
import { fail } from '../values.js';
import type { FunctionDef } from './define.js';

/**
 * Non-cryptographic hashes and the Community ID flow hash, with the collector's output
 * encodings: Murmur3Hash and Murmur3Hash128 the little-endian hex of MurmurHash3 x86_32 and
 * x64_128 (seed 0), XXH3 and XXH128 the big-endian hex of XXH3-64 and XXH3-128 (seed 0).
 * The WebAssembly hashers are made once when the module loads; each call is synchronous.
 */
const xxh3 = await createXXHash3();
const xxh128 = await createXXHash128();

const utf8 = (s: string) => Buffer.from(s, 'utf8');

export function murmur3Hex32(s: string): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(murmur.x86.hash32(utf8(s)) >>> 0);
  return b.toString('hex');
}

/** The library gives h1 then h2 as big-endian hex; the collector writes each little-endian. */
export function murmur3Hex128(s: string): string {
  const hex = murmur.x64.hash128(utf8(s));
  const le = (h: string) => Buffer.from(h, 'hex').reverse().toString('hex');
  return le(hex.slice(0, 16)) + le(hex.slice(16));
}

export function xxh3Hex(s: string): string {
  xxh3.init();
  xxh3.update(utf8(s));
  return xxh3.digest('hex');
}

export function xxh128Hex(s: string): string {
  xxh128.init();
  xxh128.update(utf8(s));
  return xxh128.digest('hex');
}

function stringHash(f: (s: string) => string, sql?: (x: string) => string): FunctionDef {
  return {
    params: [{ name: 'target', kind: 'value' }],
    returns: 'string',
    errors: true,
    closure: ([v]) => (s) => f(strictString(v.get(s))),
    sql: sql && (([v]) => onString(v, 'string', sql)),
  };
}

const PROTOCOLS: Record<string, number> = { ICMP: 1, TCP: 6, UDP: 17, RSVP: 46, ICMP6: 58, SCTP: 132 };

/** net.ParseIP then To4 (an IPv4 or IPv4-mapped address gives 4 bytes), else 16 bytes. */
function ipBytes(text: string): Buffer {
  const family = isIP(text);
  if (family === 4) {
    if (text.split('.').some((p) => p.length > 1 && p.startsWith('0'))) fail();
    return Buffer.from(text.split('.').map(Number));
  }
  if (family !== 6 || text.includes('%')) fail();
  const b = ipv6Bytes(text);
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.subarray(12) : b;
}

function ipv6Bytes(text: string): Buffer {
  let t = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    tail.push(...v4[1].split('.').map(Number));
    t = t.slice(0, -v4[1].length) + '0:0';
  }
  const [head, rest] = t.split('::');
  const groups = (x: string | undefined) => (x ? x.split(':').filter((g) => g !== '') : []);
  const h = groups(head);
  const r = groups(rest);
  const all = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) b.set(tail, 12);
  return b;
}

function port(v: number | bigint): number {
  if (v < 1 || v > 65535) fail();
  return Number(v);
}

/** Community ID v1: SHA-1 over seed, both addresses, protocol, padding and ports, the lower endpoint first. */
export function communityId(srcIp: string, srcPort: number, dstIp: string, dstPort: number, protocol: string, seed: number): string {
  if (!Object.hasOwn(PROTOCOLS, protocol)) fail();
  let a = ipBytes(srcIp);
  let b = ipBytes(dstIp);
  let pa = srcPort;
  let pb = dstPort;
  const cmp = Buffer.compare(a, b);
  if (a.length !== b.length ? a.length > b.length : cmp > 0 || (cmp === 0 && pa > pb)) {
    [a, b, pa, pb] = [b, a, pb, pa];
  }
  const head = Buffer.alloc(2);
  head.writeUInt16BE(seed);
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(pa, 0);
  ports.writeUInt16BE(pb, 2);
  const tuple = Buffer.concat([head, a, b, Buffer.from([PROTOCOLS[protocol], 0]), ports]);
  return '1:' + createHash('sha1').update(tuple).digest('base64');
}

export const DIGEST_FUNCTIONS: Record<string, FunctionDef> = {
  // ClickHouse's functions are the same hashes with seed 0; hex() of a number drops leading zero bytes.
  Murmur3Hash: stringHash(murmur3Hex32, (x) => `lower(hex(reverse(unhex(leftPad(hex(murmurHash3_32(${x})), 8, '0')))))`),
  Murmur3Hash128: stringHash(murmur3Hex128, (x) => `lower(hex(murmurHash3_128(${x})))`),
  XXH3: stringHash(xxh3Hex, (x) => `leftPad(lower(hex(xxh3(${x}))), 16, '0')`),
  XXH128: stringHash(xxh128Hex, (x) => `leftPad(lower(hex(xxh3_128(${x}))), 32, '0')`),
  CommunityID: {
    params: [
      { name: 'source_ip', kind: 'value' },
      { name: 'source_port', kind: 'value' },
      { name: 'destination_ip', kind: 'value' },
      { name: 'destination_port', kind: 'value' },
      { name: 'protocol', kind: 'value', default: 'TCP' },
      { name: 'seed', kind: 'value', default: 0 },
    ],
    returns: 'string',
    errors: true,
    closure: ([srcIp, srcPort, dstIp, dstPort, protocol, seed]) => (s) => {
      const src = strictString(srcIp.get(s));
      const dst = strictString(dstIp.get(s));
      const sp = port(strictInt(srcPort.get(s)));
      const dp = port(strictInt(dstPort.get(s)));
      const proto = strictString(protocol.get(s));
      const sd = strictInt(seed.get(s));
      if (sd < 0 || sd > 65535) fail();
      return communityId(src, sp, dst, dp, proto, Number(sd));
    },
  },
};
