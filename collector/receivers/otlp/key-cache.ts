/**
 * Attribute keys repeat in nearly every span ("gen_ai.request.model", ...). Decoding each
 * one afresh costs a native utf8 call plus V8 internalising the new string when it becomes a
 * property key; returning the same string object for the same bytes makes that nearly free
 * (about +20% spans/s on LLM spans, measured with ~19 attributes per span).
 *
 * A fixed-size, direct-mapped table: bounded memory whatever the input, a miss only costs the
 * hash, and a hit is confirmed byte by byte, so a collision can never return a wrong key.
 */
const SIZE = 4096; // a power of two
const MAX_KEY_BYTES = 64;
const keyBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SIZE);
const keyStrings: string[] = new Array<string>(SIZE).fill('');

/** The utf8 string of buf[start, end), from the cache when those bytes were seen before. */
export function cachedKey(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > MAX_KEY_BYTES) return buf.toString('utf8', start, end);
  let h = length;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193); // FNV-1a step
  const slot = h & (SIZE - 1);
  const cached = keyBytes[slot];
  if (cached !== undefined && cached.length === length) {
    let i = 0;
    while (i < length && cached[i] === buf[start + i]) i++;
    if (i === length) return keyStrings[slot];
  }
  const key = buf.toString('utf8', start, end);
  // A copy, not a view: the cache must not keep a whole request buffer alive.
  keyBytes[slot] = Uint8Array.prototype.slice.call(buf, start, end);
  keyStrings[slot] = key;
  return key;
}
