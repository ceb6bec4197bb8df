/**
 * The collector's summary attributes, added to a map that redaction changed when
 * `summary` is `info` (counts) or `debug` (counts and the keys, sorted, comma-separated).
 * Counts and keys already on the map (from a collector in front) are added to.
 */
import type { Attributes } from '../../collector/model/span.js';

export const SUMMARY_KEYS = new Set([
  'redaction.redacted.keys',
  'redaction.redacted.count',
  'redaction.masked.keys',
  'redaction.masked.count',
  'redaction.allowed.keys',
  'redaction.allowed.count',
  'redaction.ignored.count',
]);

export class Summary {
  private readonly lists = { redacted: [] as string[], masked: [] as string[], allowed: [] as string[] };
  private ignoredCount = 0;

  redacted(path: string): void {
    this.lists.redacted.push(path);
  }
  masked(path: string): void {
    this.lists.masked.push(path);
  }
  allowed(path: string): void {
    if (!this.lists.allowed.includes(path)) this.lists.allowed.push(path);
  }
  ignored(path: string): void {
    if (!SUMMARY_KEYS.has(path)) this.ignoredCount++;
  }

  write(attrs: Attributes, withKeys: boolean): void {
    for (const [what, keys] of Object.entries(this.lists)) {
      if (keys.length === 0) continue;
      if (withKeys) {
        const before = attrs[`redaction.${what}.keys`];
        const all = typeof before === 'string' && before !== '' ? [...keys, ...before.split(',')] : keys;
        attrs[`redaction.${what}.keys`] = all.sort().join(',');
      }
      addCount(attrs, `redaction.${what}.count`, keys.length);
    }
    if (this.ignoredCount) addCount(attrs, 'redaction.ignored.count', this.ignoredCount);
  }
}

function addCount(attrs: Attributes, key: string, n: number): void {
  const before = attrs[key];
  attrs[key] = typeof before === 'number' ? before + n : typeof before === 'bigint' ? Number(before) + n : n;
}
