/**
 * The actions' part of config validation: every `when` of a queue's `on_complete` compiles
 * as a condition over labels. A mistake is reported at its place in the `when` string,
 * with the file's other problems.
 */
import type { PathProblem } from '../../config/cross-check.js';
import { ConditionError } from '../../processors/condition/index.js';
import { compileWhen } from './when.js';

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function checkActionConditions(raw: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(raw) || !isObj(raw.queues)) return out;
  for (const [queue, q] of Object.entries(raw.queues)) {
    if (!isObj(q) || !Array.isArray(q.on_complete)) continue;
    q.on_complete.forEach((a, i) => {
      if (!isObj(a)) return;
      for (const kind of ['add_to_dataset', 'webhook']) {
        const spec = a[kind];
        if (!isObj(spec) || typeof spec.when !== 'string' || spec.when === '') continue;
        try {
          compileWhen(spec.when);
        } catch (e) {
          if (!(e instanceof ConditionError)) throw e;
          out.push({ path: ['queues', queue, 'on_complete', i, kind, 'when'], message: `invalid condition at ${e.line}:${e.column}: ${e.detail}`, offset: e.offset });
        }
      }
    });
  }
  return out;
}
