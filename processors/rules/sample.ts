/**
 * Deterministic sampling by trace id: the decision depends only on the trace id and the
 * rate, so every replica, every retry and every span of a trace agree. Uses the trace
 * id's last 14 hex digits (56 bits), the part W3C Trace Context level 2 makes random.
 */
const TWO_POW_56 = 2 ** 56;

export function sampledIn(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const tail = traceId.length >= 14 ? traceId.slice(-14) : traceId.padStart(14, '0');
  const r = parseInt(tail.slice(0, 7), 16) * 2 ** 28 + parseInt(tail.slice(7), 16);
  return r / TWO_POW_56 < rate;
}
