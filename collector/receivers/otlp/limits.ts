/**
 * What one span may carry, in the spirit of the OpenTelemetry SDK's span limits: attributes
 * beyond the count are dropped, string values beyond the length are cut, events and links
 * beyond their counts are dropped, and every drop is counted (the SDK's dropped_*_count).
 * The decoders apply them while reading, so that a request with millions of attributes
 * costs a skip per extra attribute rather than a string, a property and a stored map entry.
 *
 * The stored table (the contrib clickhouseexporter layout) has no dropped-count columns, so
 * the counts of a request are returned with its spans and end up in the receivers' metrics.
 */
import type { Config } from '../../../config/schema.js';

export interface SpanLimits {
  /** Attributes of a span; also bounds those of a resource and a scope, and the entries of a map value. */
  maxAttributes: number;
  /** Characters of a string value (also inside arrays and maps); 0: no limit. */
  maxValueLength: number;
  maxEvents: number;
  maxLinks: number;
  maxAttributesPerEvent: number;
  maxAttributesPerLink: number;
}

/** The defaults of config/schema.ts `limits`, for callers without a config (tests, tools). */
export const DEFAULT_SPAN_LIMITS: Readonly<SpanLimits> = {
  maxAttributes: 1024,
  maxValueLength: 4 * 1024 * 1024,
  maxEvents: 1024,
  maxLinks: 128,
  maxAttributesPerEvent: 128,
  maxAttributesPerLink: 128,
};

/** What the limits took out of one request. */
export class Dropped {
  attributes = 0;
  events = 0;
  links = 0;
  truncatedValues = 0;

  get any(): boolean {
    return this.attributes + this.events + this.links + this.truncatedValues > 0;
  }
}

/**
 * `s` cut to `max` UTF-16 code units (as the SDK counts), never between the two halves of a
 * surrogate pair: a lone half is invalid text that storage refuses.
 */
export function truncateString(s: string, max: number, dropped: Dropped): string {
  if (max <= 0 || s.length <= max) return s;
  dropped.truncatedValues++;
  const last = s.charCodeAt(max - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * The latest time `DateTime64(9)` holds (2^63 - 1 ns, 2262-04-11T23:47:16.854775807Z). A later
 * time cannot be stored (it fails a JSON insert), so such spans are refused with their request.
 */
export const MAX_TIME_NS = (1n << 63n) - 1n;

export function timeProblem(field: string, ns: bigint): string | null {
  return ns > MAX_TIME_NS ? `${field} is after 2262-04-11T23:47:16.854775807Z, the latest time storage holds` : null;
}

/** The span limits of a config's `limits` section. */
export function spanLimitsFrom(l: Config['limits']): SpanLimits {
  return {
    maxAttributes: l.max_attributes_per_span,
    maxValueLength: l.max_attribute_value_length,
    maxEvents: l.max_events_per_span,
    maxLinks: l.max_links_per_span,
    maxAttributesPerEvent: l.max_attributes_per_event,
    maxAttributesPerLink: l.max_attributes_per_link,
  };
}
