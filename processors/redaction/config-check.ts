/**
 * The redaction part of config validation: every `blocked_values` and `allowed_values`
 * pattern is valid RE2, in `processors.redaction` and in each exporter's own `redaction`.
 * A bad pattern is reported at its place inside the string, with the file's other problems.
 */
import type { PathProblem } from '../../config/cross-check.js';
import { compileRegex } from '../condition/regex.js';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);

const PATTERN_KEYS = ['blocked_values', 'allowed_values'] as const;

function checkSection(section: unknown, at: string[], out: PathProblem[]): void {
  if (!isObj(section)) return;
  for (const key of PATTERN_KEYS) {
    const list = section[key];
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      if (typeof p !== 'string' || p === '') return;
      const r = compileRegex(p);
      if (!r.ok) out.push({ path: [...at, key, i], message: `invalid RE2 pattern: ${r.reason}`, offset: r.at });
    });
  }
}

export function checkRedaction(raw: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(raw)) return out;
  if (isObj(raw.processors)) checkSection(raw.processors.redaction, ['processors', 'redaction'], out);
  if (isObj(raw.exporters)) {
    for (const [id, e] of Object.entries(raw.exporters)) if (isObj(e)) checkSection(e.redaction, ['exporters', id, 'redaction'], out);
  }
  return out;
}
