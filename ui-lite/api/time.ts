import { parseDuration } from '../../config/units.js';
import { FieldError } from '../../collector/errors.js';

/**
 * A time given in a query string: a duration back from now (`24h`), an RFC 3339 time, or
 * nanoseconds since the epoch. Returns nanoseconds.
 */
export function parseTimeParam(field: string, text: string | undefined, fallbackNs: bigint, nowMs = Date.now()): bigint {
  if (text === undefined || text === '') return fallbackNs;
  if (/^\d{16,}$/.test(text)) return BigInt(text);
  const ago = parseDuration(text);
  if (ago !== undefined) return BigInt(Math.round(nowMs - ago)) * 1_000_000n;
  const t = Date.parse(text);
  if (!Number.isNaN(t) && /\d{4}-\d{2}-\d{2}/.test(text)) return BigInt(t) * 1_000_000n;
  throw new FieldError(field, `${field}: "${text.slice(0, 64)}" is not a time (use a duration back from now like 24h, an RFC 3339 time, or nanoseconds)`);
}
