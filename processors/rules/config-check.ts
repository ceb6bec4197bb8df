/**
 * The rules' part of config validation: every rule's condition compiles. A bad condition
 * is reported at its position inside the `when` string, with the file's other problems.
 */
import type { PathProblem } from '../../config/cross-check.js';
import { compileCondition, ConditionError } from '../condition/index.js';

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function checkConditions(raw: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(raw) || !Array.isArray(raw.rules)) return out;
  raw.rules.forEach((r, i) => {
    if (!isObj(r) || typeof r.when !== 'string' || r.when.length === 0) return;
    try {
      compileCondition(r.when);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      out.push({ path: ['rules', i, 'when'], message: `invalid condition at ${e.line}:${e.column}: ${e.detail}`, offset: e.offset });
    }
  });
  return out;
}
