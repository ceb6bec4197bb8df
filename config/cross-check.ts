/**
 * Checks that need more than one key: rules route to queues that exist, names are
 * unique. Runs on the raw parsed document so its problems are reported together with
 * schema problems, each with its key path. Checks that need a part above config (a
 * rule's condition compiles) come in as a ConfigCheck from the wiring.
 */

/** A check of the raw document by a part above config (the rules check their conditions). */
export type ConfigCheck = (raw: unknown) => PathProblem[];

export interface PathProblem {
  path: (string | number)[];
  message: string;
  /** Offset into the string value at `path`, for a problem inside it (a condition's position). */
  offset?: number;
}

import { checkExporters } from './exporters-check.js';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);

export function crossCheck(raw: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(raw)) return out;
  out.push(...checkExporters(raw));
  const queues = isObj(raw.queues) ? raw.queues : {};
  const queueNames = new Set(Object.keys(queues));
  for (const [name, q] of Object.entries(queues)) {
    if (!isObj(q) || !Array.isArray(q.labels)) continue;
    const seen = new Map<string, number>();
    const hotkeys = new Map<string, number>();
    q.labels.forEach((l, i) => {
      if (!isObj(l)) return;
      if (typeof l.name === 'string') {
        if (seen.has(l.name)) out.push({ path: ['queues', name, 'labels', i, 'name'], message: `duplicate label name "${l.name}" (also labels[${seen.get(l.name)}])` });
        else seen.set(l.name, i);
      }
      if (typeof l.hotkey === 'string') {
        if (hotkeys.has(l.hotkey)) out.push({ path: ['queues', name, 'labels', i, 'hotkey'], message: `hotkey "${l.hotkey}" is already used by labels[${hotkeys.get(l.hotkey)}]` });
        else hotkeys.set(l.hotkey, i);
      }
    });
  }
  const knownQueues = () => [...queueNames].join(', ') || 'none defined';
  for (const [name, q] of Object.entries(queues)) {
    if (!isObj(q) || !isObj(q.review) || typeof q.review.queue !== 'string') continue;
    if (!queueNames.has(q.review.queue)) out.push({ path: ['queues', name, 'review', 'queue'], message: `unknown queue "${q.review.queue}" (queues: ${knownQueues()})` });
    else if (q.review.queue === name) out.push({ path: ['queues', name, 'review', 'queue'], message: 'a queue cannot be its own review queue' });
    else {
      // A review of a review must not come back: a -> b -> a would hold each for the other.
      const chain = [name];
      let at: unknown = q;
      while (isObj(at) && isObj(at.review) && typeof at.review.queue === 'string' && queueNames.has(at.review.queue)) {
        const next = at.review.queue;
        if (chain.includes(next)) {
          if (next === name && chain.length > 1) out.push({ path: ['queues', name, 'review', 'queue'], message: `review queues go round in a circle: ${[...chain, next].join(' -> ')}` });
          break;
        }
        chain.push(next);
        at = queues[next];
      }
    }
  }
  const evaluations = isObj(raw.evaluations) && isObj(raw.evaluations.human_evaluators) ? raw.evaluations.human_evaluators : {};
  for (const [name, h] of Object.entries(evaluations)) {
    if (isObj(h) && typeof h.queue === 'string' && !queueNames.has(h.queue)) {
      out.push({ path: ['evaluations', 'human_evaluators', name, 'queue'], message: `unknown queue "${h.queue}" (queues: ${knownQueues()})` });
    }
  }
  const users = isObj(raw.users) ? raw.users : {};
  for (const [name, u] of Object.entries(users)) {
    if (!isObj(u) || !Array.isArray(u.queues)) continue;
    u.queues.forEach((q, i) => {
      if (typeof q === 'string' && !queueNames.has(q)) {
        out.push({ path: ['users', name, 'queues', i], message: `unknown queue "${q}" (queues: ${[...queueNames].join(', ') || 'none defined'})` });
      }
    });
  }
  if (!Array.isArray(raw.rules)) return out;
  const ruleNames = new Map<string, number>();
  raw.rules.forEach((r, i) => {
    if (!isObj(r)) return;
    if (typeof r.name === 'string') {
      if (ruleNames.has(r.name)) out.push({ path: ['rules', i, 'name'], message: `duplicate rule name "${r.name}" (also rules[${ruleNames.get(r.name)}])` });
      else ruleNames.set(r.name, i);
    }
    const targets = typeof r.route_to === 'string' ? [r.route_to] : Array.isArray(r.route_to) ? r.route_to : [];
    targets.forEach((t, j) => {
      if (typeof t === 'string' && !queueNames.has(t)) {
        const known = [...queueNames].join(', ') || 'none defined';
        out.push({ path: typeof r.route_to === 'string' ? ['rules', i, 'route_to'] : ['rules', i, 'route_to', j], message: `unknown queue "${t}" (queues: ${known})` });
      }
    });
  });
  return out;
}
