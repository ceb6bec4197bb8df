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
    if (process.platform === 'linux' && runsOnGlibc()) {
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

/**
 * Whether Node runs on glibc, as its diagnostic report says (musl, even with a glibc
 * compatibility layer, reports none). The report leaves out its network section, which
 * looks up the names of open sockets' addresses and could wait on DNS.
 */
function runsOnGlibc(): boolean {
  const report = process.report as (typeof process.report & { excludeNetwork?: boolean }) | undefined;
  if (!report) return false;
  const exclude = report.excludeNetwork;
  report.excludeNetwork = true;
  try {
    return Boolean((report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
  } catch {
    return false;
  } finally {
    report.excludeNetwork = exclude;
  }
}
