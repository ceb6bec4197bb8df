/**
 * The embedded engine is one large library (libchdb.so, about 540 MB). Starting it runs code
 * from all over it (the registration of every function, format and table engine), and the
 * pages it touched stay resident: about 170 MiB of spansift's RSS, of which an idle or
 * steady sidecar runs a small part. Those pages are clean copies of the file; the kernel
 * takes them back when memory is short, but until then they count in RSS, in a container's
 * working set and against its limit.
 *
 * `pageOutEngineCode` asks the kernel to reclaim them now (madvise MADV_PAGEOUT on the
 * library's read-only mappings). Nothing is lost: a page the engine runs again is read back
 * from the file. Writable mappings are left alone; the few pages of the read-only ones that
 * the loader wrote to (relocated constants) are not copies of the file and stay resident
 * (or go to swap, where there is swap).
 */
import { readFileSync } from 'node:fs';
import { libcFunction } from '../libc.js';

/** Linux's MADV_PAGEOUT (5.4 and later). */
const MADV_PAGEOUT = 21;

type Madvise = (addr: bigint, len: bigint, advice: number) => number;

let madvise: Madvise | null | undefined;

/** libc's madvise, or null where it cannot be had. */
function loadMadvise(): Madvise | null {
  if (madvise === undefined) madvise = libcFunction<Madvise>('int madvise(uintptr_t addr, size_t len, int advice)');
  return madvise;
}

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
}

/** The read-only mappings (code and constants) of files whose name ends with `library`, from /proc/self/maps text. */
export function readOnlyMappings(maps: string, library: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s+(\S.*)$/.exec(line);
    if (!m) continue;
    const [, start, end, perms, path] = m;
    if (perms[0] !== 'r' || perms[1] !== '-' || !path.endsWith(library)) continue;
    out.push({ start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), perms, path });
  }
  return out;
}

export interface PageOutResult {
  /** The library file. */
  library: string;
  /** Resident bytes of the process before and after (VmRSS). */
  rssBefore: number;
  rssAfter: number;
}

/**
 * Returns the resident pages of the embedded engine's code to the kernel (those it runs
 * again are read back). Undefined when it cannot (not Linux, no libc to call, a kernel
 * before 5.4, or the engine not loaded).
 */
export function pageOutEngineCode(library = 'libchdb.so'): PageOutResult | undefined {
  const fn = loadMadvise();
  if (!fn) return undefined;
  const mappings = readOnlyMappings(readFileSync('/proc/self/maps', 'utf8'), library);
  if (mappings.length === 0) return undefined;
  const rssBefore = process.memoryUsage.rss();
  for (const m of mappings) if (fn(m.start, m.end - m.start, MADV_PAGEOUT) !== 0) return undefined;
  return { library: mappings[0].path, rssBefore, rssAfter: process.memoryUsage.rss() };
}
