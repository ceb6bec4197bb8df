import { hash } from 'node:crypto';

/**
 * Queue item ids are derived, never random, so a retried export, a second replica or a
 * backfill over the same span all produce the same id and storage keeps one item.
 * (crypto.hash is the one-shot form: about three times faster than createHash here.)
 */
export function itemIdForSpan(queue: string, traceId: string, spanId: string): string {
  return digest(`span\0${queue}\0${traceId}\0${spanId}`);
}

export function itemIdForKey(queue: string, idempotencyKey: string): string {
  return digest(`key\0${queue}\0${idempotencyKey}`);
}

function digest(s: string): string {
  return hash('sha256', s).slice(0, 32);
}
