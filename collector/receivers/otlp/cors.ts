/**
 * CORS on the OTLP/HTTP receiver, as the OpenTelemetry Collector's confighttp does it (with
 * rs/cors): so that an OTLP exporter in a web page of another origin can send. Origins match
 * case-insensitively; one `*` in an origin stands for any text; a lone `*` allows every
 * origin and is answered `*` (browsers then send no credentials). Credentials are allowed
 * otherwise, as the collector allows them.
 *
 * Where spansift differs, it is stricter or says more: a preflight or a request from an
 * origin that is not allowed gets 403 naming the origin and the key (the collector answers
 * without CORS headers and lets the request through); Content-Type is always allowed (the
 * OTLP media types are not safelisted, so without it no exporter could send), and
 * Retry-After is always exposed (exporters read it on 429 and 503).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsConfig } from '../../../config/cors.js';
import { SpansiftError } from '../../errors.js';

/** Request headers every allowed origin may send: the safelisted ones, Content-Type with any value, and X-Requested-With. */
const ALWAYS_ALLOWED = ['accept', 'accept-language', 'content-language', 'content-type', 'x-requested-with'];
const ALWAYS_EXPOSED = ['Retry-After'];

interface Wildcard {
  prefix: string;
  suffix: string;
}

export class CorsPolicy {
  private readonly any: boolean;
  private readonly exact = new Set<string>();
  private readonly wildcards: Wildcard[] = [];
  private readonly anyHeader: boolean;
  private readonly headers: Set<string>;
  private readonly exposed: string;
  private readonly maxAge: string | undefined;

  /** The policy of a config section, or undefined when CORS is off (no allowed origins). */
  static from(config: CorsConfig, key = 'receivers.otlp.http.cors'): CorsPolicy | undefined {
    return config.allowed_origins.length > 0 ? new CorsPolicy(config, key) : undefined;
  }

  constructor(
    config: CorsConfig,
    private readonly key: string,
  ) {
    this.any = config.allowed_origins.includes('*');
    for (const o of config.allowed_origins.map((x) => x.toLowerCase())) {
      const star = o.indexOf('*');
      if (star < 0) this.exact.add(o);
      else this.wildcards.push({ prefix: o.slice(0, star), suffix: o.slice(star + 1) });
    }
    this.anyHeader = config.allowed_headers.includes('*');
    this.headers = new Set([...ALWAYS_ALLOWED, ...config.allowed_headers.map((h) => h.toLowerCase())]);
    this.exposed = [...new Set([...ALWAYS_EXPOSED, ...config.exposed_headers])].join(', ');
    this.maxAge = config.max_age === undefined ? undefined : String(config.max_age);
  }

  allows(origin: string): boolean {
    if (this.any) return true;
    const o = origin.toLowerCase();
    return this.exact.has(o) || this.wildcards.some((w) => o.length >= w.prefix.length + w.suffix.length && o.startsWith(w.prefix) && o.endsWith(w.suffix));
  }

  /**
   * Applies the policy to a request before anything else looks at it. A preflight is
   * answered here (true is returned); any other request from an allowed origin gets the
   * CORS headers on whatever answer follows, errors included. A refused origin, method or
   * header throws FORBIDDEN.
   */
  apply(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    res.setHeader('Vary', preflight ? 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' : 'Origin');
    if (origin === undefined) {
      if (preflight) throw new SpansiftError('FORBIDDEN', 'a CORS preflight (OPTIONS with Access-Control-Request-Method) needs an Origin header');
      return false;
    }
    if (!this.allows(origin)) throw new SpansiftError('FORBIDDEN', `origin ${clip(origin)} is not allowed: add it to ${this.key}.allowed_origins`);
    if (!preflight) {
      this.allowOrigin(res, origin);
      res.setHeader('Access-Control-Expose-Headers', this.exposed);
      return false;
    }
    const method = String(req.headers['access-control-request-method']);
    if (method !== 'POST') throw new SpansiftError('FORBIDDEN', `method ${clip(method)} is not allowed cross-origin; OTLP/HTTP takes POST`);
    const requested = String(req.headers['access-control-request-headers'] ?? '');
    const names = requested.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
    const refused = this.anyHeader ? [] : names.filter((h) => !this.headers.has(h));
    if (refused.length) throw new SpansiftError('FORBIDDEN', `request header${refused.length > 1 ? 's' : ''} ${clip(refused.join(', '))} not allowed: add ${refused.length > 1 ? 'them' : 'it'} to ${this.key}.allowed_headers`);
    this.allowOrigin(res, origin);
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    if (names.length) res.setHeader('Access-Control-Allow-Headers', names.join(', '));
    if (this.maxAge !== undefined) res.setHeader('Access-Control-Max-Age', this.maxAge);
    res.statusCode = 204;
    res.end();
    return true;
  }

  private allowOrigin(res: ServerResponse, origin: string): void {
    if (this.any) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
}

/** Header text echoed into an answer or the log, kept short. */
function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
