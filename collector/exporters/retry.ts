/**
 * When to try a failed batch again, as the collector's retry_on_failure does: exponential
 * backoff with jitter, the receiver's own delay (Retry-After, RetryInfo) when it is longer,
 * and a limit on the time since the first attempt after which the batch is given up.
 */
import type { ExporterConfig } from '../../config/exporters.js';

export type RetryPolicy = ExporterConfig['retry_on_failure'];

/** The wait before retry number `attempt` (1 for the first retry), before the receiver's delay. */
export function backoff(p: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(p.max_interval, p.initial_interval * p.multiplier ** (attempt - 1));
  const spread = base * p.randomization_factor;
  return Math.max(0, base - spread + random() * 2 * spread);
}

/**
 * The wait before the next attempt, or undefined to give up: retries are off, or the wait
 * would end past `max_elapsed_time` from the first attempt (0: no limit).
 */
export function nextWait(p: RetryPolicy, attempt: number, elapsedMs: number, receiverDelayMs: number | undefined, random?: () => number): number | undefined {
  if (!p.enabled) return undefined;
  const wait = Math.max(backoff(p, attempt, random), receiverDelayMs ?? 0);
  if (p.max_elapsed_time > 0 && elapsedMs + wait > p.max_elapsed_time) return undefined;
  return wait;
}
