/**
 * A load grows V8's young generation; once the load stops, spansift's idle release gives
 * it back (RSS 60 to 70 MiB lower after a load, measured when `npm start` set 64 MiB semi-spaces).
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectGarbage, shrinkYoungGeneration } from './heap.js';

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
