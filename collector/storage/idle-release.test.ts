/**
 * Memory is given back once started and after each quiet stretch of `afterMs` without
 * exports: once per stretch, not again until exports come and stop again.
 */
import { describe, expect, it } from 'vitest';
import { IdleRelease } from './idle-release.js';

function setup(afterMs = 60_000) {
  let now = 1_000_000;
  let last = 0;
  let releases = 0;
  let fail = false;
  const errors: unknown[] = [];
  const idle = new IdleRelease({
    afterMs,
    lastActivity: () => last,
    release: async () => {
      if (fail) throw new Error('engine busy');
      releases++;
    },
    onError: (e) => errors.push(e),
    now: () => now,
  });
  return {
    idle,
    advance: (ms: number) => (now += ms),
    request: () => (last = now),
    releases: () => releases,
    failNext: (f: boolean) => (fail = f),
    errors,
  };
}

describe('IdleRelease', () => {
  it('releases when started, then once per quiet stretch', async () => {
    const t = setup();
    await t.idle.start();
    t.idle.stop();
    expect(t.releases()).toBe(1);
    // Exports keep coming: nothing is released while they do.
    for (let i = 0; i < 10; i++) {
      t.advance(15_000);
      t.request();
      expect(await t.idle.check()).toBe(false);
    }
    expect(t.releases()).toBe(1);
    // Quiet after exports: released a minute after the last one, and only once.
    t.advance(15_000);
    expect(await t.idle.check()).toBe(false);
    t.advance(44_999);
    expect(await t.idle.check()).toBe(false);
    t.advance(1);
    expect(await t.idle.check()).toBe(true);
    t.advance(600_000);
    expect(await t.idle.check()).toBe(false);
    expect(t.releases()).toBe(2);
    // An export, then quiet again: a new stretch, a new release.
    t.request();
    expect(await t.idle.check()).toBe(false);
    t.advance(60_000);
    expect(await t.idle.check()).toBe(true);
    expect(t.releases()).toBe(3);
  });

  it('does not release again when no export has come since the start', async () => {
    const t = setup();
    await t.idle.start();
    t.idle.stop();
    t.advance(3_600_000);
    expect(await t.idle.check()).toBe(false);
    expect(t.releases()).toBe(1);
  });

  it('reports a failed release and tries again after the next quiet stretch', async () => {
    const t = setup();
    t.failNext(true);
    await t.idle.start();
    t.idle.stop();
    expect(t.errors).toHaveLength(1);
    t.failNext(false);
    t.advance(1000);
    t.request();
    await t.idle.check();
    t.advance(60_000);
    expect(await t.idle.check()).toBe(true);
    expect(t.releases()).toBe(1);
  });

  it('does nothing with afterMs 0', async () => {
    const t = setup(0);
    await t.idle.start();
    t.advance(3_600_000);
    expect(await t.idle.check()).toBe(false);
    expect(t.releases()).toBe(0);
  });
});
