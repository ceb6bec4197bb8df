import { describe, expect, it } from 'vitest';
import { Activity, drainPeriod } from './drain.js';

describe('drainPeriod', () => {
  it('lasts the grace while requests keep coming, and ends early once quiet', async () => {
    const a = new Activity();
    const request = () => {
      a.begin();
      a.end();
    };
    request();
    const busy = setInterval(request, 20);
    let t0 = performance.now();
    await drainPeriod([a], 300, 100);
    clearInterval(busy);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    t0 = performance.now();
    await drainPeriod([a], 5000, 100);
    expect(performance.now() - t0).toBeLessThan(1000);
    // A request in flight holds the drain until the grace ends.
    a.begin();
    t0 = performance.now();
    await drainPeriod([a], 300, 0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
