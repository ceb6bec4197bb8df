/**
 * Node's own heap, collected on spansift's schedule: under `limits.memory_limit`, and when
 * a load stops (the idle release); and the pages its native allocator keeps free.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { libcFunction } from './libc.js';

type Gc = (options?: { type?: 'major' | 'minor' }) => void;

let gc: Gc | null | undefined;

function reachGc(): Gc | null {
  if (gc === undefined) {
    try {
      const exposed = (globalThis as { gc?: Gc }).gc;
      if (typeof exposed === 'function') gc = exposed;
      else {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc') as Gc;
      }
    } catch {
      gc = null;
    }
  }
  return gc;
}

/** Runs V8's garbage collector now (a full collection), when it can be reached. */
export function collectGarbage(): void {
  reachGc()?.();
}

/**
 * How long after the first collection the second one runs: V8 judges the allocation rate
 * from its collections over the last 5 s, and shrinks its young generation only at a
 * collection that sees the rate low over that span.
 */
export const YOUNG_SHRINK_GAP_MS = 6000;

/**
 * Gives back the young generation that a load grew. Under load V8 grows it (to twice the
 * semi-space size: by default its heap limit / 128, at most 16 MiB on 64-bit, so up to 32
 * MiB) and shrinks it only at a collection that finds the allocation rate low over the last
 * 5 s; an idle process makes too little garbage to collect at all, so without this it could
 * keep the whole of it. A full collection now, and a young one `gapMs` later, shrink it to a
 * few MiB when nothing much was allocated in between; if a load came back meanwhile, V8 keeps
 * it, as it should. Resolves once the second collection is done (its timer does not keep
 * the process alive).
 */
export async function shrinkYoungGeneration(gapMs = YOUNG_SHRINK_GAP_MS): Promise<void> {
  const collect = reachGc();
  if (!collect) return;
  collect();
  await new Promise<void>((resolve) => setTimeout(resolve, gapMs).unref());
  collect({ type: 'minor' });
}

let mallocTrim: ((pad: number) => number) | null | undefined;

/**
 * Gives back the free pages that glibc's malloc keeps: Node's buffers (a request's body, the
 * log's records, the rows of a batch) come from it, and once freed it returns them to the
 * kernel only from the top of each of its heaps. After a load the free pages lie between
 * chunks still in use, and a sidecar idle after a load kept 30 to 60 MiB of them
 * (bench/RESULTS.md); malloc_trim(0) returns every whole free page. False where glibc's
 * malloc_trim cannot be called (another C library, or not Linux).
 */
export function trimNativeHeap(): boolean {
  if (mallocTrim === undefined) mallocTrim = libcFunction<(pad: number) => number>('int malloc_trim(size_t pad)');
  if (mallocTrim === null) return false;
  mallocTrim(0);
  return true;
}
