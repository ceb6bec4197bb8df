import { z } from 'zod';
import { parseDuration } from './units.js';

/**
 * `receivers.otlp.http.cors`, in the OpenTelemetry Collector's confighttp shape, so that
 * OTLP exporters in web pages of other origins can send. Origins are checked here for the
 * mistakes that would make them never match a browser's `Origin` header (a path, a
 * missing scheme).
 */

/** A token as HTTP header names are made of (RFC 9110). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** scheme://host[:port], nothing after; a `*` stands for any text and is checked as if it were a letter. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s@]+$/i;

const origin = z.string().superRefine((v, ctx) => {
  if (v === '*') return;
  if ((v.match(/\*/g) ?? []).length > 1) {
    ctx.addIssue({ code: 'custom', message: `"${v}": one * per origin at most, as in the collector (e.g. https://*.example.com)` });
    return;
  }
  const probe = v.replaceAll('*', 'x');
  if (ORIGIN.test(probe)) return;
  if (!probe.includes('://')) ctx.addIssue({ code: 'custom', message: `"${v}" is not an origin: write its scheme too, e.g. "https://${v}"` });
  else if (/^[^:]+:\/\/[^/]+\/.*$/.test(probe)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not an origin: an origin has no path, and browsers send none, so it would never match; write "${v.slice(0, v.indexOf('/', v.indexOf('://') + 3))}"` });
  } else ctx.addIssue({ code: 'custom', message: `"${v}" is not an origin (scheme://host[:port], e.g. https://app.example.com)` });
});

const headerName = (what: string) =>
  z.string().refine((v) => HEADER_NAME.test(v), { message: `not a header name (${what})` });

/** Seconds, as the collector's `max_age`; a duration (`2h`) works too. */
const maxAge = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (a number of seconds as in the collector, or a unit: 600s, 2h)` });
    return z.NEVER;
  }
  return Math.round(ms / 1000);
});

export const corsSchema = z
  .strictObject({
    /**
     * Origins whose pages may send (`https://app.example.com`); one `*` stands for any text
     * (`https://*.example.com`), a lone `*` for every origin. Empty: CORS is off.
     */
    allowed_origins: z.array(origin).default([]),
    /**
     * Request headers allowed beyond those always allowed (Accept, Accept-Language,
     * Content-Language, Content-Type, X-Requested-With), e.g. Authorization for an ingest
     * token; `*`: any.
     */
    allowed_headers: z.array(headerName('or * for any')).default([]),
    /** Response headers a page may read beyond the safelisted ones and Retry-After. */
    exposed_headers: z.array(headerName('e.g. X-Request-Id')).default([]),
    /** How long a browser may keep a preflight answer, in seconds (or a duration); unset: the browser's default (5s). */
    max_age: maxAge.optional(),
  })
  .superRefine(
    (v, ctx) => {
      const origins = Array.isArray(v.allowed_origins) ? v.allowed_origins : [];
      const others = (['allowed_headers', 'exposed_headers', 'max_age'] as const).filter((k) => v[k] !== undefined && !(Array.isArray(v[k]) && v[k].length === 0));
      if (origins.length === 0 && others.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['allowed_origins'], message: `is empty, so CORS is off and ${others.join(', ')} would do nothing; list the origins of the pages that send spans (e.g. https://app.example.com)` });
      }
    },
    { when: (p) => typeof p.value === 'object' && p.value !== null },
  );

export type CorsConfig = z.output<typeof corsSchema>;
