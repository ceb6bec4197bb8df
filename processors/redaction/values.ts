/**
 * Masking inside a text: the stretches the built-in detectors and `blocked_values` find,
 * less those lying inside a match of `allowed_values`, each replaced by the mask.
 */
import { RE2JS } from 're2js';
import type { RedactionConfig } from '../../config/redaction.js';
import { DETECTORS, type Detector, type Range } from './detectors.js';

export interface TextMasker {
  /** The masked text, or undefined when nothing in it is masked; `allowed` is set when allowed_values spared something. */
  mask(text: string, seen: { allowed: boolean }): string | undefined;
  /** Whether allowed_values covers the whole text (a masked key's value is then kept). */
  allowedWhole(text: string): boolean;
}

/** Patterns are checked when the config loads (config-check.ts), so they compile here. */
function compile(patterns: readonly string[]): RE2JS[] {
  return patterns.map((p) => RE2JS.compile(p));
}

function findAll(re: RE2JS, text: string, out: Range[]): void {
  // test() runs RE2's DFA, much faster than a matcher; most values do not match at all.
  if (!re.test(text)) return;
  const m = re.matcher(text);
  while (m.find()) if (m.end() > m.start()) out.push([m.start(), m.end()]);
}

export function textMasker(c: RedactionConfig): TextMasker {
  const detectors: Detector[] = [...new Set(c.mask_values)].map((d) => DETECTORS[d]);
  const blocked = compile(c.blocked_values);
  const allowed = compile(c.allowed_values);
  const mask = c.mask;

  return {
    mask(text, seen) {
      let found: Range[] = [];
      for (const d of detectors) d(text, found);
      for (const re of blocked) findAll(re, text, found);
      if (found.length === 0) return undefined;
      if (allowed.length) {
        const spared: Range[] = [];
        for (const re of allowed) findAll(re, text, spared);
        if (spared.length) {
          const kept = found.filter(([s, e]) => !spared.some(([as, ae]) => as <= s && e <= ae));
          if (kept.length < found.length) seen.allowed = true;
          if (kept.length === 0) return undefined;
          found = kept;
        }
      }
      found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
      let out = '';
      let at = 0;
      for (const [s, e] of found) {
        if (e <= at) continue;
        if (s >= at) out += text.slice(at, s) + mask;
        at = e;
      }
      return out + text.slice(at);
    },
    allowedWhole(text) {
      for (const re of allowed) {
        const m = re.matcher(text);
        if (m.matches()) return true;
      }
      return false;
    },
  };
}
