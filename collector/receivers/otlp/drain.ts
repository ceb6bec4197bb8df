/**
 * The drain at shutdown. Closing the ports at once answers nobody: a new connection is
 * refused and a keep-alive connection is reset, and a client that does not retry network
 * errors loses its spans. Instead the receivers keep their ports open for a grace period and
 * answer each new export with a retryable refusal (HTTP 503 + Retry-After + Connection:
 * close, gRPC UNAVAILABLE), which every OTLP exporter retries (elsewhere, or after the
 * restart), while the requests in flight finish and are stored; then the ports close.
 */

/** Requests in progress and when the last one arrived. */
export class Activity {
  active = 0;
  lastArrival = -Infinity;

  begin(): void {
    this.active++;
    this.lastArrival = performance.now();
  }

  end(): void {
    this.active--;
  }
}

/**
 * Resolves after `graceMs`, or sooner once nothing is in flight and no request has arrived
 * for `quietMs`: a process nobody is sending to (a terminal's Ctrl-C, a test) need not wait
 * the whole grace, while one under load keeps answering 503 for all of it.
 */
export async function drainPeriod(activities: Activity[], graceMs: number, quietMs = 1000): Promise<void> {
  const start = performance.now();
  const quiet = Math.min(quietMs, graceMs);
  for (;;) {
    const now = performance.now();
    if (now - start >= graceMs) return;
    if (activities.every((a) => a.active === 0 && now - a.lastArrival >= quiet)) return;
    await new Promise((r) => setTimeout(r, Math.min(50, graceMs - (now - start))));
  }
}
