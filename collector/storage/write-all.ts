/**
 * Writes buffers into a file whole: the local log's commits and the embedded engine's batch
 * files. A regular file takes a write short only when the disk is full.
 */
import { writev } from 'node:fs';
import { promisify } from 'node:util';

const writevAsync = promisify(writev);

/** Buffers one writev takes at most (IOV_MAX on Linux). */
const IOV_MAX = 1024;

/** Writes `bufs` in order at `position` of the open file `fd` (named `file` in errors); a short write is an ENOSPC error. */
export async function writevAll(fd: number, bufs: readonly Buffer[], position: number, file: string): Promise<void> {
  let at = position;
  for (let i = 0; i < bufs.length; i += IOV_MAX) {
    const chunk = bufs.slice(i, i + IOV_MAX);
    let want = 0;
    for (const b of chunk) want += b.length;
    const { bytesWritten } = await writevAsync(fd, chunk, at);
    if (bytesWritten !== want) throw Object.assign(new Error(`short write to ${file} (${bytesWritten} of ${want} bytes; is the disk full?)`), { code: 'ENOSPC' });
    at += want;
  }
}
