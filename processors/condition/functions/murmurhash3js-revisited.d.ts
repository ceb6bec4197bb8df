/** Types for murmurhash3js-revisited (it ships none): MurmurHash3 over bytes, seed 0 by default. */
declare module 'murmurhash3js-revisited' {
  const murmur: {
    x86: { hash32(bytes: Uint8Array, seed?: number): number; hash128(bytes: Uint8Array, seed?: number): string };
    x64: { hash128(bytes: Uint8Array, seed?: number): string };
  };
  export default murmur;
}
