/**
 * `spansift validate --strict-ottl`: the rules' conditions that use spansift's own additions
 * to OTTL (durations such as `5s`, the `duration` path, HasEvent, a bare attribute as a
 * condition...), each at its place in its `when` string, so a rule can be moved into the
 * collector's filter processor or routing connector unchanged. These are warnings: the
 * config is valid either way.
 */
import type { PathProblem } from '../../config/cross-check.js';
import { compileCondition, ConditionError, ottlExtensions } from '../condition/index.js';

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function checkStrictOttl(raw: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(raw) || !Array.isArray(raw.rules)) return out;
  raw.rules.forEach((r, i) => {
    if (!isObj(r) || typeof r.when !== 'string' || r.when.length === 0) return;
    let ast;
    try {
      ast = compileCondition(r.when).ast;
    } catch (e) {
      if (e instanceof ConditionError) return;
      throw e;
    }
    for (const x of ottlExtensions(r.when, ast)) {
      out.push({ path: ['rules', i, 'when'], message: `not OTTL (spansift extension) at ${x.line}:${x.column}: ${x.message}`, offset: x.offset });
    }
  });
  return out;
}
