/**
 * Golden tests for rules, in the style of the OpenTelemetry Collector contrib routing
 * connector: every directory under testdata/ holds
 *
 * - `config.yaml`: queues and rules, read by the real config loader (`parseConfig`);
 * - `input.json`: an OTLP/JSON ExportTraceServiceRequest, read by the real decoder;
 * - `expected.yaml`: per queue, the items the router emits in routing order, as
 *   `{ span: <span name>, rule: <rule name> }`, and optionally `counters` per rule.
 *
 * Spans are routed one at a time, in file order, with the span's start time (ms) as `now`,
 * so rate limits and dedupe windows are deterministic. The router emits one row per
 * (rule, queue) that lets the span through; when two rules (or a resend of the same span)
 * put one span into one queue, the rows share the item id of (queue, trace, span), and
 * storage keeps one item (a ReplacingMergeTree keyed by it). expected.yaml lists what the
 * router emits, so such rows appear twice there.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig } from '../../config/load.js';
import { checkConditions } from './config-check.js';
import type { Config } from '../../config/schema.js';
import { decodeJson } from '../../collector/receivers/otlp/decode.js';
import type { Span } from '../../collector/model/span.js';
import { Router, RoutingCounters } from '../../labeling/queues/router.js';
import { itemIdForSpan } from '../../collector/model/ids.js';
import { compileCondition } from '../condition/index.js';
import { newCounters, type RuleCounters } from './engine.js';
import { sampledIn } from './sample.js';

const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));
const CASES = readdirSync(TESTDATA, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(TESTDATA, d.name, 'config.yaml')))
  .map((d) => d.name)
  .sort();

interface ExpectedItem {
  span: string;
  rule: string;
}
interface Expected {
  queues: Record<string, ExpectedItem[]>;
  counters?: Record<string, RuleCounters>;
}

interface Case {
  config: Config;
  spans: Span[];
  expected: Expected;
}

function load(name: string): Case {
  const dir = `${TESTDATA}${name}/`;
  const config = parseConfig(readFileSync(`${dir}config.yaml`, 'utf8'), `${name}/config.yaml`, {}, [checkConditions]);
  const decoded = decodeJson(readFileSync(`${dir}input.json`));
  expect(decoded.rejected, decoded.rejectReason).toBe(0);
  const expected = parse(readFileSync(`${dir}expected.yaml`, 'utf8')) as Expected;
  return { config, spans: decoded.spans, expected };
}

const nowOf = (span: Span) => Number(span.startTimeUnixNano / 1_000_000n);

interface Emitted {
  queue: string;
  span: Span;
  rule: string;
  itemId: string;
}

/** Routes the spans one at a time, as the golden files describe. */
function route(c: Case): { emitted: Emitted[]; counters: RoutingCounters } {
  const counters = new RoutingCounters();
  const router = new Router({ queues: c.config.queues, rules: c.config.rules }, counters);
  const emitted: Emitted[] = [];
  for (const span of c.spans) {
    for (const row of router.route([span], nowOf(span))) emitted.push({ queue: row.queue, span, rule: row.rule, itemId: row.item_id });
  }
  return { emitted, counters };
}

function byQueue(c: Case, emitted: Emitted[]): Record<string, ExpectedItem[]> {
  const out: Record<string, ExpectedItem[]> = Object.fromEntries(Object.keys(c.config.queues).map((q) => [q, []]));
  for (const e of emitted) out[e.queue].push({ span: e.span.name, rule: e.rule });
  return out;
}

it('has golden cases, each with config.yaml, input.json and expected.yaml', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(15);
  for (const name of CASES) {
    for (const f of ['config.yaml', 'input.json', 'expected.yaml']) expect(existsSync(`${TESTDATA}${name}/${f}`), `${name}/${f}`).toBe(true);
  }
});

describe.each(CASES)('%s', (name) => {
  it('routes the spans into the expected items, in order', () => {
    const c = load(name);
    expect(Object.keys(c.expected.queues).sort(), 'expected.yaml lists every queue of config.yaml').toEqual(Object.keys(c.config.queues).sort());
    const { emitted, counters } = route(c);
    expect(byQueue(c, emitted)).toEqual(c.expected.queues);
    for (const [rule, want] of Object.entries(c.expected.counters ?? {})) {
      expect(c.config.rules.some((r) => r.name === rule), `counters for unknown rule ${rule}`).toBe(true);
      expect(counters.rules.get(rule) ?? newCounters(), `counters of ${rule}`).toEqual(want);
    }
  });

  it('names every item by (queue, trace, span), so repeats are one item in storage', () => {
    const c = load(name);
    for (const e of route(c).emitted) expect(e.itemId).toBe(itemIdForSpan(e.queue, e.span.traceId, e.span.spanId));
  });

  it('gives span names that identify one span (or one span sent again)', () => {
    const c = load(name);
    const ids = new Map<string, string>();
    for (const s of c.spans) {
      const id = `${s.traceId}/${s.spanId}`;
      expect(ids.get(s.name) ?? id, `span name ${s.name}`).toBe(id);
      ids.set(s.name, id);
    }
  });

  it('matches the same rules through the index as by evaluating every rule in config order', () => {
    const c = load(name);
    const router = new Router({ queues: c.config.queues, rules: c.config.rules });
    const brute = c.config.rules.filter((r) => r.enabled).map((r) => ({ name: r.name, match: compileCondition(r.when).match }));
    for (const span of c.spans) {
      const indexed = router.engine.matching(span).map((r) => r.name);
      const all = brute.filter((r) => r.match(span)).map((r) => r.name);
      expect(indexed, `span ${span.name}`).toEqual(all);
    }
  });
});

describe('properties the golden files rely on', () => {
  it('two rules routing one span into one queue emit two rows with one item id', () => {
    const c = load('two-rules-same-queue');
    const rows = route(c).emitted.filter((e) => e.span.name === 'slow-gpt4o');
    expect(rows.map((r) => r.rule)).toEqual(['gpt4o', 'slow']);
    expect(new Set(rows.map((r) => r.itemId)).size).toBe(1);
  });

  it('sampling: the frozen subset is what sampledIn decides, and every span of a trace gets the same decision', () => {
    const c = load('sampling');
    const { emitted } = route(c);
    const traces = new Map<string, Span[]>();
    for (const s of c.spans) traces.set(s.traceId, [...(traces.get(s.traceId) ?? []), s]);
    expect([...traces.values()].every((spans) => spans.length === 2)).toBe(true);
    const kept = (queue: string) => new Set(emitted.filter((e) => e.queue === queue).map((e) => e.span.traceId));
    for (const [queue, rate] of [
      ['never', 0],
      ['always', 1],
      ['half', 0.5],
    ] as const) {
      const inQueue = kept(queue);
      for (const [traceId, spans] of traces) {
        const routed = spans.map((s) => emitted.some((e) => e.queue === queue && e.span === s));
        expect(new Set(routed).size, `both spans of ${traceId} in ${queue}`).toBe(1);
        expect(inQueue.has(traceId), `${traceId} at ${rate}`).toBe(sampledIn(traceId, rate));
      }
    }
    // A fair subset: neither none nor all of the 22 traces.
    expect(kept('half').size).toBeGreaterThan(3);
    expect(kept('half').size).toBeLessThan(19);
  });

  it('disabled rules are not compiled into the engine', () => {
    const c = load('disabled-rule');
    const router = new Router({ queues: c.config.queues, rules: c.config.rules });
    expect(router.engine.rules.map((r) => r.name)).toEqual(['switched-on']);
  });
});
