import { describe, expect, it } from 'vitest';
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

  it('refuses everything after close with SHUTTING_DOWN', () => {
    const a = new Admission({ maxBytes: 100, maxSpans: 10, memoryLimit: 0, retryAfterMs: 1000 });
    a.close();
    expect(() => a.takeBytes(1)).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
  });
});
