import { createHash } from 'node:crypto';

/**
 * Queue item ids are derived, never random, so a retried export, a second replica or a
 * backfill over the same span all produce the same id and storage keeps one item.
 */
export function itemIdForSpan(queue: string, traceId: string, spanId: string): string {
  return hash(`span\0${queue}\0${traceId}\0${spanId}`);
}

export function itemIdForKey(queue: string, idempotencyKey: string): string {
  return hash(`key\0${queue}\0${idempotencyKey}`);
}

function hash(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 32);
}
