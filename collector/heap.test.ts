/**
 * A load grows V8's young generation; once the load stops, spansift's idle release gives
 * it back (RSS 60 to 70 MiB lower after a load, measured when `npm start` set 64 MiB semi-spaces).
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectGarbage, shrinkYoungGeneration, trimNativeHeap } from './heap.js';
import { libcFunction } from './libc.js';

const MiB = 1024 * 1024;
const youngBytes = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

/** Short-lived objects with a few survivors, as requests make: V8 grows its young generation for them. */
function load(): number {
  let kept: object[] = [];
  let sum = 0;
  for (let i = 0; i < 3_000_000; i++) {
    const o = { i, s: `span-${i}`, a: [i, i + 1] };
    if (i % 50 === 0) kept.push(o);
    if (kept.length > 20_000) {
      sum += kept.length;
      kept = [];
    }
  }
  return sum;
}

describe('shrinkYoungGeneration', () => {
  it('gives back the young generation a load grew, once the load has stopped', async () => {
    expect(load()).toBeGreaterThan(0);
    expect(youngBytes()).toBeGreaterThanOrEqual(8 * MiB);
    // A full collection alone leaves it about as the load grew it.
    collectGarbage();
    expect(youngBytes()).toBeGreaterThanOrEqual(8 * MiB);
    await shrinkYoungGeneration();
    expect(youngBytes()).toBeLessThanOrEqual(2 * MiB);
  }, 30_000);
});

/** This process's anonymous resident memory, in bytes. */
const rssAnon = () => Number(/^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

// glibc's functions, called directly: what is freed and when is certain (Buffers come from the same malloc).
const malloc = libcFunction<(size: number) => unknown>('void *malloc(size_t size)');
const memset = libcFunction<(p: unknown, c: number, size: number) => unknown>('void *memset(void *s, int c, size_t n)');
const free = libcFunction<(p: unknown) => void>('void free(void *p)');

describe('trimNativeHeap', () => {
  // Where glibc cannot be called (macOS, musl), trimNativeHeap does nothing and says so.
  it.runIf(malloc && memset && free)('gives back the pages that freed native memory leaves between chunks still in use', () => {
    const size = 60 * 1024;
    const blocks: unknown[] = [];
    try {
      for (let i = 0; i < 2000; i++) {
        const p = malloc!(size);
        memset!(p, 1, size);
        blocks.push(p);
      }
      const full = rssAnon();
      // Fifteen of every sixteen freed (about 110 MiB): the ones left pin the free pages in place.
      for (let i = 0; i < blocks.length; i++) {
        if (i % 16 !== 0) free!(blocks[i]);
      }
      blocks.splice(0, blocks.length, ...blocks.filter((_, i) => i % 16 === 0));
      const freed = rssAnon();
      expect(full - freed).toBeLessThan(30 * MiB);
      expect(trimNativeHeap()).toBe(true);
      expect(freed - rssAnon()).toBeGreaterThan(80 * MiB);
    } finally {
      for (const p of blocks) free!(p);
    }
  });
});
