/**
 * Stored list and map text read back for the closure: int64 values above 2^53 keep every
 * digit (the exporter writes them so, and SQL reads them as Int64); everything else reads as
 * JSON.parse reads it.
 */
import { describe, expect, it } from 'vitest';
import { storedValue } from './stored.js';

describe('storedValue', () => {
  it('reads integers a double cannot hold inside lists and maps as bigint', () => {
    expect(storedValue('[9007199254740993,-9223372036854775808,1]')).toEqual([9007199254740993n, -9223372036854775808n, 1]);
    expect(storedValue('{"a":{"b":[9223372036854775807]}}')).toEqual({ a: { b: [9223372036854775807n] } });
  });

  it('leaves digits inside strings, fractions and exponents alone', () => {
    expect(storedValue('["12345678901234567",1.12345678901234567,1e12345678901234567,"a\\"12345678901234567"]')).toEqual([
      '12345678901234567', 1.1234567890123457, Infinity, 'a"12345678901234567',
    ]);
    expect(storedValue('[1234567890123456]')).toEqual([1234567890123456]);
  });
});
