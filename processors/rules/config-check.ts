/**
 * The rules' part of config validation: every rule's condition compiles, and so does every
 * exporter's `when`, written in the same language. A bad condition
 * is reported at its position inside the `when` string, with the file's other problems.
 */
import type { PathProblem } from '../../config/cross-check.js';
import { compileCondition, ConditionError } from '../condition/index.js';

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function checkConditions(raw: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(raw)) return out;
  const check = (when: unknown, path: (string | number)[]) => {
    if (typeof when !== 'string' || when.length === 0) return;
    try {
      compileCondition(when);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      out.push({ path, message: `invalid condition at ${e.line}:${e.column}: ${e.detail}`, offset: e.offset });
    }
  };
  if (Array.isArray(raw.rules)) raw.rules.forEach((r, i) => isObj(r) && check(r.when, ['rules', i, 'when']));
  if (isObj(raw.exporters)) for (const [id, e] of Object.entries(raw.exporters)) if (isObj(e)) check(e.when, ['exporters', id, 'when']);
  return out;
}
