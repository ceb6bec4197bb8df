/**
 * Functions of the C library that Node does not expose, through koffi (prebuilt, no compiler
 * needed). Each is null where it cannot be had: not Linux, a C library other than glibc
 * (such as musl, in Alpine images), or no prebuilt koffi for the platform.
 */
import { createRequire } from 'node:module';

let libc: { func(signature: string): unknown } | null | undefined;

/** The glibc function declared by `signature` (C syntax), or null. */
export function libcFunction<F>(signature: string): F | null {
  if (libc === undefined) {
    libc = null;
    // Node reports the glibc it runs on; musl (even with a glibc compatibility layer) has none.
    const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
    if (process.platform === 'linux' && glibc) {
      try {
        const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
        libc = koffi.load('libc.so.6');
      } catch {
        libc = null;
      }
    }
  }
  if (libc === null) return null;
  try {
    return libc.func(signature) as F;
  } catch {
    return null;
  }
}
