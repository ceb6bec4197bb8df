import { z } from 'zod';

/**
 * `processors.redaction` (and an exporter's own `redaction`): attributes deleted or masked
 * by key, and sensitive text masked inside values, as the OpenTelemetry Collector's
 * redaction processor does. Keys are globs (`*` any run of characters, `?` one); value
 * patterns are RE2, checked by processors/redaction/config-check.ts. The processor itself
 * is processors/redaction/.
 */

/** Built-in detectors of sensitive text (processors/redaction/detectors.ts). */
export const BUILTIN_DETECTORS = ['email', 'credit_card', 'api_key'] as const;
export type BuiltinDetector = (typeof BUILTIN_DETECTORS)[number];

const globs = () => z.array(z.string().min(1, 'a key pattern must not be empty')).default([]);
const patterns = () => z.array(z.string().min(1, 'a pattern must not be empty')).default([]);

export const redactionSchema = z.strictObject({
  /**
   * When given, only attributes whose key matches one of these (or `ignored_keys`) are kept;
   * the rest are deleted (the collector's allow list). Not given: every key is kept.
   */
  allowed_keys: z.array(z.string().min(1, 'a key pattern must not be empty')).optional(),
  /** Attributes never deleted or masked, whatever else matches them. */
  ignored_keys: globs(),
  /** Attributes deleted. */
  delete_keys: globs(),
  /** Attributes whose whole value is replaced by `mask`. */
  mask_keys: globs(),
  /** Built-in detectors whose matches inside values are replaced by `mask`. */
  mask_values: z.array(z.enum(BUILTIN_DETECTORS)).default([]),
  /** RE2 patterns whose matches inside values are replaced by `mask` (the collector's blocked_values). */
  blocked_values: patterns(),
  /** RE2 patterns: text inside one of their matches is never masked (the collector's allowed_values). */
  allowed_values: patterns(),
  /** Also look at integer and double values as text (a card number sent as an int), as the collector's option. */
  redact_all_types: z.boolean().default(false),
  /** What replaces a masked value or match. */
  mask: z.string().default('****'),
  /**
   * The collector's summary attributes on each changed attribute map: `silent` none,
   * `info` the counts (`redaction.masked.count`, ...), `debug` the counts and the keys
   * (`redaction.masked.keys`, ...). A list of keys can itself tell something, so none by default.
   */
  summary: z.enum(['silent', 'info', 'debug']).default('silent'),
});

export type RedactionConfig = z.output<typeof redactionSchema>;

/** A redaction section that changes nothing (no keys, no patterns) need not run at all. */
export function redactionIsEmpty(r: RedactionConfig): boolean {
  return r.allowed_keys === undefined && r.delete_keys.length === 0 && r.mask_keys.length === 0 && r.mask_values.length === 0 && r.blocked_values.length === 0;
}
