import { afterEach, describe, expect, it, vi } from 'vitest';
import { Admission } from './admission.js';
import { SpansiftError } from './errors.js';

const overloaded = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return e instanceof SpansiftError && e.code === 'OVERLOADED' ? e : undefined;
  }
  return undefined;
};

afterEach(() => vi.useRealTimers());

describe('Admission', () => {
  it('admits up to the byte limit, then refuses with the retry delay, and admits again once released', () => {
    const a = new Admission({ maxBytes: 100, maxSpans: 1000, memoryLimit: 0, retryAfterMs: 2500 });
    a.takeBytes(60);
    a.takeBytes(40);
    const e = overloaded(() => a.takeBytes(1));
    expect(e?.retryAfterMs).toBe(2500);
    a.releaseBytes(60);
    expect(overloaded(() => a.takeBytes(50))).toBeUndefined();
  });

  it('always admits one request when nothing is in flight, however large', () => {
    const a = new Admission({ maxBytes: 100, maxSpans: 10, memoryLimit: 0, retryAfterMs: 1000 });
    expect(overloaded(() => a.takeBytes(5000))).toBeUndefined();
    expect(overloaded(() => a.takeSpans(500))).toBeUndefined();
    expect(overloaded(() => a.takeSpans(1))).toBeDefined();
  });

  it('refuses on memory only while work is in flight', () => {
    // A limit of 1 byte: this process is always above it.
    const a = new Admission({ maxBytes: 1e9, maxSpans: 1e9, memoryLimit: 1, retryAfterMs: 1000 });
    expect(overloaded(() => a.takeBytes(10))).toBeUndefined();
    expect(overloaded(() => a.takeBytes(10))?.message).toContain('memory_limit');
    a.releaseBytes(10);
    expect(overloaded(() => a.takeBytes(10))).toBeUndefined();
  });

  it('collects garbage when memory is over the limit, as the collector\'s memory_limiter does', async () => {
    // An object nothing refers to any more, in the old generation: only a full collection frees it.
    let garbage: object | undefined = { payload: new Array(100_000).fill('x') };
    const ref = new WeakRef(garbage);
    garbage = undefined;
    await new Promise((r) => setImmediate(r));
    const a = new Admission({ maxBytes: 1e9, maxSpans: 1e9, memoryLimit: 1, retryAfterMs: 1000 });
    a.takeBytes(10);
    expect(overloaded(() => a.takeBytes(10))?.message).toContain('memory_limit');
    expect(ref.deref()).toBeUndefined();
  });

  it("over the limit, has the engine give back its allocator's pages each second and its code pages each minute", () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-12-01T12:00:00Z');
    vi.setSystemTime(t0);
    const asked: boolean[] = [];
    const a = new Admission({ maxBytes: 1e9, maxSpans: 1e9, memoryLimit: 1, retryAfterMs: 1000, releaseMemory: async ({ codePages }) => void asked.push(codePages) });
    a.takeBytes(10);
    const overAt = (ms: number) => {
      vi.setSystemTime(t0 + ms);
      expect(overloaded(() => a.takeBytes(10))).toBeDefined();
    };
    overAt(0);
    overAt(500); // within the second: nothing more
    overAt(1_000);
    overAt(30_000);
    overAt(60_000);
    expect(asked).toEqual([true, false, false, true]);
  });

  it('refuses new requests after close with SHUTTING_DOWN; those admitted finish reading', () => {
    const a = new Admission({ maxBytes: 100, maxSpans: 10, memoryLimit: 0, retryAfterMs: 1000 });
    a.admit(50);
    a.takeBytes(10);
    a.close();
    expect(() => a.admit(1)).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
    expect(() => a.takeBytes(10, 10)).not.toThrow();
  });

  it('reserves nothing for a declared size: only bytes that arrived count', () => {
    const a = new Admission({ maxBytes: 100, maxSpans: 10, memoryLimit: 0, retryAfterMs: 1000 });
    // Seven clients declare 90 bytes each and send one.
    for (let i = 0; i < 7; i++) {
      a.admit(90);
      a.takeBytes(1);
    }
    expect(a.inflightBytes).toBe(7);
    expect(overloaded(() => a.admit(90))).toBeUndefined();
    // A declared size that cannot fit with what has arrived is refused before it is read.
    a.takeBytes(50);
    expect(overloaded(() => a.admit(90))).toBeDefined();
  });

  it('refuses a chunk past the limit unless its request is all that is in flight', () => {
    const a = new Admission({ maxBytes: 100, maxSpans: 10, memoryLimit: 0, retryAfterMs: 1000 });
    a.takeBytes(80);
    a.takeBytes(80, 80); // its own bytes only: a request alone always gets in
    a.releaseBytes(160);
    a.takeBytes(60); // another request
    a.takeBytes(30);
    expect(overloaded(() => a.takeBytes(30, 30))).toBeDefined();
  });
});
