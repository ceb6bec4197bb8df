import { parseDuration } from '../../config/units.js';
import { FieldError } from '../../collector/errors.js';

/**
 * Times reach ClickHouse as Int64 nanoseconds since the epoch, the range of the spans' own
 * timestamps (1970-01-01 to 2262-04-11). A value outside it would wrap around in the
 * parameter, so it is refused instead, naming the field.
 */
const MAX_NS = 2n ** 63n - 1n;

/**
 * A time given in a query string: a duration back from now (`24h`), an RFC 3339 time, or
 * nanoseconds since the epoch. Returns nanoseconds.
 */
export function parseTimeParam(field: string, text: string | undefined, fallbackNs: bigint, nowMs = Date.now()): bigint {
  if (text === undefined || text === '') return fallbackNs;
  const shown = `"${text.slice(0, 64)}"`;
  const outside = () => new FieldError(field, `${field}: ${shown} is outside the times spansift stores (1970-01-01T00:00:00Z to 2262-04-11T23:47:16Z)`);
  if (/^\d{16,}$/.test(text)) {
    const ns = BigInt(text);
    if (ns > MAX_NS) throw outside();
    return ns;
  }
  const ago = parseDuration(text);
  if (ago !== undefined) {
    // Further back than the epoch (or an absurd number of hours) means "everything".
    const ms = nowMs - ago;
    return Number.isFinite(ms) && ms > 0 ? BigInt(Math.round(ms)) * 1_000_000n : 0n;
  }
  const t = Date.parse(text);
  if (!Number.isNaN(t) && /\d{4}-\d{2}-\d{2}/.test(text)) {
    const ns = BigInt(t) * 1_000_000n;
    if (ns < 0n || ns > MAX_NS) throw outside();
    return ns;
  }
  throw new FieldError(field, `${field}: ${shown} is not a time (use a duration back from now like 24h, an RFC 3339 time, or nanoseconds)`);
}
