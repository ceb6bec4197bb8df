/**
 * The redaction processor: deletes and masks attributes of spans, their resources, scopes,
 * events and links, in place, before anything else sees them. Built once per config;
 * per span only the compiled key decisions (cached per key) and the value scans run.
 */
import type { AttrValue, Attributes, Span } from '../../collector/model/span.js';
import { redactionIsEmpty, type RedactionConfig } from '../../config/redaction.js';
import { keyMatcher, type KeyMatcher } from './globs.js';
import { textMasker, type TextMasker } from './values.js';
import { Summary, SUMMARY_KEYS } from './summary.js';
import { serviceNameOf } from '../../collector/model/attributes.js';

/** What happens to an attribute, decided by its key alone. */
const enum Action {
  Ignore,
  Delete,
  Mask,
  Scan,
}

/** Counts for /metrics, read when it is scraped. */
export interface RedactionCounters {
  deleted: number;
  masked: number;
}

export function newRedactionCounters(): RedactionCounters {
  return { deleted: 0, masked: 0 };
}

/** Keys seen are few and repeat in every span: their decisions are cached, up to this many. */
const MAX_CACHED_KEYS = 4096;

type Obj = { [key: string]: AttrValue };
const isMap = (v: AttrValue): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

export class Redactor {
  private readonly ignored: KeyMatcher;
  private readonly allowedKeys: KeyMatcher | undefined;
  private readonly deleted: KeyMatcher;
  private readonly masked: KeyMatcher;
  private readonly text: TextMasker;
  private readonly scansText: boolean;
  private readonly topCache = new Map<string, Action>();
  private readonly nestedCache = new Map<string, Action>();

  /** A processor for `config`, or undefined when it would change nothing (it then costs nothing). */
  static compile(config: RedactionConfig | undefined, counters: RedactionCounters = newRedactionCounters()): Redactor | undefined {
    return config && !redactionIsEmpty(config) ? new Redactor(config, counters) : undefined;
  }

  constructor(
    private readonly config: RedactionConfig,
    readonly counters: RedactionCounters = newRedactionCounters(),
  ) {
    this.ignored = keyMatcher(config.ignored_keys);
    this.allowedKeys = config.allowed_keys && keyMatcher(config.allowed_keys);
    this.deleted = keyMatcher(config.delete_keys);
    this.masked = keyMatcher(config.mask_keys);
    this.text = textMasker(config);
    this.scansText = config.mask_values.length > 0 || config.blocked_values.length > 0;
  }

  /** Redacts every span of one export; a resource or scope shared by several spans is redacted once. */
  spans(spans: Span[]): void {
    const step = this.stepper();
    for (const s of spans) step(s);
  }

  /** A function redacting the spans of one export one at a time, in order (for sliced work). */
  stepper(): (span: Span) => void {
    const done = new Set<object>();
    return (span) => {
      const { resource, scope } = span;
      if (!done.has(resource)) {
        done.add(resource);
        this.attributes(resource.attributes);
        resource.serviceName = serviceNameOf(resource.attributes);
      }
      if (!done.has(scope)) {
        done.add(scope);
        this.attributes(scope.attributes);
      }
      this.attributes(span.attributes);
      for (const e of span.events) this.attributes(e.attributes);
      for (const l of span.links) this.attributes(l.attributes);
    };
  }

  /** Redacts one attribute map in place, adding the summary attributes when configured. */
  attributes(attrs: Attributes): void {
    const summary = this.config.summary === 'silent' ? undefined : new Summary();
    for (const key of Object.keys(attrs)) this.entry(attrs, key, key, true, summary);
    summary?.write(attrs, this.config.summary === 'debug');
  }

  private decide(key: string, path: string, top: boolean): Action {
    const cache = top ? this.topCache : this.nestedCache;
    // A nested key is decided by its own name and its dotted path: both make the cache key.
    const id = top || key === path ? path : `${key}\0${path}`;
    let action = cache.get(id);
    if (action !== undefined) return action;
    const any = (m: KeyMatcher) => m(key) || (!top && m(path));
    if (any(this.ignored)) action = Action.Ignore;
    // The summary attributes stay, as in the collector, whatever allowed_keys lists.
    else if (top && this.allowedKeys && !this.allowedKeys(key) && !SUMMARY_KEYS.has(key)) action = Action.Delete;
    else if (any(this.deleted)) action = Action.Delete;
    else if (any(this.masked)) action = Action.Mask;
    else action = Action.Scan;
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(id, action);
    return action;
  }

  /** One key of a map (top level or nested inside a value): deleted, masked or scanned. */
  private entry(obj: Obj, key: string, path: string, top: boolean, summary: Summary | undefined): void {
    const action = this.decide(key, path, top);
    if (action === Action.Ignore) {
      summary?.ignored(path);
      return;
    }
    if (action === Action.Delete) {
      delete obj[key];
      this.counters.deleted++;
      summary?.redacted(path);
      return;
    }
    const value = obj[key];
    if (action === Action.Mask) {
      if (typeof value === 'string' && this.text.allowedWhole(value)) summary?.allowed(path);
      else {
        obj[key] = this.config.mask;
        this.counters.masked++;
        summary?.masked(path);
      }
      return;
    }
    if (!this.scansText && !isMap(value) && !Array.isArray(value)) return;
    const seen = { allowed: false };
    const next = this.value(value, path, seen, summary);
    if (seen.allowed) summary?.allowed(path);
    if (next !== undefined) {
      obj[key] = next;
      this.counters.masked++;
      summary?.masked(path);
    }
  }

  /** The value with its sensitive text masked, or undefined when it is unchanged (maps change in place). */
  private value(v: AttrValue, path: string, seen: { allowed: boolean }, summary: Summary | undefined): AttrValue | undefined {
    if (typeof v === 'string') return this.scansText ? this.text.mask(v, seen) : undefined;
    if (typeof v === 'number' || typeof v === 'bigint') {
      return this.scansText && this.config.redact_all_types ? this.text.mask(String(v), seen) : undefined;
    }
    if (Array.isArray(v)) {
      let changed = false;
      for (let i = 0; i < v.length; i++) {
        const next = this.value(v[i], path, seen, summary);
        if (next !== undefined) {
          v[i] = next;
          changed = true;
        }
      }
      return changed ? v : undefined;
    }
    if (isMap(v)) {
      for (const k of Object.keys(v)) this.entry(v, k, `${path}.${k}`, false, summary);
    }
    return undefined;
  }
}
