/**
 * Node's own heap, collected on spansift's schedule: under `limits.memory_limit`, and when
 * a load stops (the idle release).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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
