/**
 * The Router over one export: filling a routed span's missing input / output from its
 * descendants, and one item for a span and its ancestor that show the same. Hand-made spans
 * for the corners the SDK tests (router.*-sdk.test.ts) do not reach: levels and ties, other
 * traces, queue settings, hostile parent links.
 */
import { describe, expect, it } from 'vitest';
import type { Attributes, Span } from '../../collector/model/span.js';
import { queueSchema, ruleSchema } from '../../config/queues.js';
import { Router, RoutingCounters } from './router.js';
import type { QueueItemRow } from './items.js';
import { spanWith } from '../../tests/support/spans.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const OTHER_TRACE = '1bf7651916cd43dd8448eb211c80319d';
const json = JSON.stringify;

interface Opts { parent?: string; trace?: string; start?: number; end?: number }

/** A span named `id`, with span id derived from it. */
function span(id: string, attributes: Attributes, o: Opts = {}): Span {
  const s = spanWith(attributes, id);
  s.spanId = spanIdOf(id);
  s.parentSpanId = o.parent === undefined ? '' : spanIdOf(o.parent);
  s.traceId = o.trace ?? TRACE;
  s.startTimeUnixNano = BigInt(o.start ?? 0) * 1_000_000n;
  s.endTimeUnixNano = BigInt(o.end ?? 1000) * 1_000_000n;
  return s;
}
function spanIdOf(id: string): string {
  return Buffer.from(id.padEnd(8, '_').slice(0, 8)).toString('hex');
}

const chat = (question: string, answer: string): Attributes => ({
  'gen_ai.input.messages': json([{ role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] }, { role: 'user', parts: [{ type: 'text', content: question }] }]),
  'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]),
  'kind': 'llm',
});
const entity = (input: unknown, output: unknown): Attributes => ({
  'traceloop.entity.input': json(input),
  'traceloop.entity.output': json(output),
  'kind': 'entity',
});
const NO_ARGS = { args: [], kwargs: {} };

const LABELS = [{ name: 'ok', type: 'boolean' }];
const rule = (name: string, when: string, queue = 'q') => ruleSchema.parse({ name, when, route_to: queue });
const ENTITIES = rule('entities', 'attributes["kind"] == "entity"');

function routed(spans: Span[], opts: { show?: string[]; redact?: string[]; rules?: ReturnType<typeof rule>[] } = {}) {
  const q = queueSchema.parse({ labels: LABELS, ...(opts.show ? { show: opts.show } : {}), ...(opts.redact ? { redact: opts.redact } : {}) });
  const counters = new RoutingCounters();
  const rows = new Router({ queues: { q }, rules: opts.rules ?? [ENTITIES] }, counters).route(spans, 1_700_000_000_000);
  return { rows, counters, payload: (id: string) => payloadOf(rows, id) };
}
function payloadOf(rows: QueueItemRow[], id: string): Record<string, unknown> | undefined {
  const row = rows.find((r) => r.span_id === spanIdOf(id));
  return row && JSON.parse(row.payload);
}

describe('a routed span without input or output shows its nearest descendant\'s conversation', () => {
  it('takes the nearest level; in it, the input of the earliest-starting span and the output of the latest-ending one', () => {
    const { payload } = routed([
      span('root', entity(NO_ARGS, undefined)),
      span('step', { 'kind': 'step' }, { parent: 'root' }),
      span('late', chat('asked second', 'answered last'), { parent: 'root', start: 500, end: 900 }),
      span('early', chat('asked first', 'answered first'), { parent: 'root', start: 100, end: 400 }),
      span('deeper', chat('deeper question', 'deeper answer'), { parent: 'step', start: 0, end: 1000 }),
    ]);
    expect(payload('root')).toStrictEqual({
      source: 'traceloop',
      input: [{ role: 'user', content: 'asked first' }],
      output: [{ role: 'assistant', content: 'answered last' }],
      system: 'Be brief.',
      from_span: { input: spanIdOf('early'), output: spanIdOf('late') },
    });
  });

  it('keeps what the span has of its own, fills only what it lacks, and only from its own trace', () => {
    const { payload } = routed([
      span('root', entity(NO_ARGS, 'its own answer')),
      // Another trace whose spans happen to carry the same span ids: not a descendant.
      span('stranger', chat('other trace', 'other answer'), { parent: 'root', trace: OTHER_TRACE, start: 0 }),
      span('llm', chat('the question', 'the answer'), { parent: 'root', start: 50 }),
    ]);
    expect(payload('root')).toStrictEqual({
      source: 'traceloop',
      input: [{ role: 'user', content: 'the question' }],
      output: 'its own answer',
      system: 'Be brief.',
      from_span: { input: spanIdOf('llm') },
    });
  });

  it('a span with nothing recognisable shows the conversation instead of all its attributes, unless the queue chose attributes', () => {
    const spans = [span('http', { 'kind': 'entity', 'http.route': '/chat' }), span('llm', chat('q', 'a'), { parent: 'http' })];
    expect(routed(spans).payload('http')).toStrictEqual({
      source: 'attributes',
      input: [{ role: 'user', content: 'q' }],
      output: [{ role: 'assistant', content: 'a' }],
      system: 'Be brief.',
      from_span: { input: spanIdOf('llm'), output: spanIdOf('llm') },
    });
    expect(routed(spans, { show: ['input', 'output', 'attributes.http.route'] }).payload('http')).toStrictEqual({
      source: 'attributes',
      input: [{ role: 'user', content: 'q' }],
      output: [{ role: 'assistant', content: 'a' }],
      fields: { 'attributes.http.route': '/chat' },
      from_span: { input: spanIdOf('llm'), output: spanIdOf('llm') },
    });
  });

  it('sees the descendant through the queue: its redaction holds, parts it does not show are not looked for', () => {
    const spans = [span('root', entity(NO_ARGS, undefined)), span('llm', chat('secret question', 'the answer'), { parent: 'root' })];
    // The redacted input is '[redacted]', not a conversation: only the output is taken.
    expect(routed(spans, { redact: ['gen_ai.input.*'] }).payload('root')).toStrictEqual({
      source: 'traceloop',
      output: [{ role: 'assistant', content: 'the answer' }],
      from_span: { output: spanIdOf('llm') },
    });
    expect(routed(spans, { show: ['output'] }).payload('root')).toStrictEqual({
      source: 'traceloop',
      output: [{ role: 'assistant', content: 'the answer' }],
      from_span: { output: spanIdOf('llm') },
    });
  });
});

describe('a routed span and its ancestor that show the same are one item', () => {
  it('keeps the outermost span; siblings, other rules and spans showing nothing stay; counters say so', () => {
    const same = entity({ args: ['Q'], kwargs: {} }, 'A');
    const spans = [
      span('leaf', same, { parent: 'middle' }), // exported first, as children end first
      span('middle', entity({ args: ['other'], kwargs: {} }, 'A'), { parent: 'root' }),
      span('root', same),
      span('twin1', entity({ args: ['twin'], kwargs: {} }, 'T'), { parent: 'root' }),
      span('twin2', entity({ args: ['twin'], kwargs: {} }, 'T'), { parent: 'root' }),
      span('bare-parent', { 'kind': 'entity' }),
      span('bare-child', { 'kind': 'entity' }, { parent: 'bare-parent' }),
    ];
    const { rows, counters } = routed(spans, { rules: [ENTITIES, rule('leaves', 'name == "leaf"')] });
    expect(rows.map((r) => `${r.rule}:${spans.find((s) => s.spanId === r.span_id)!.name}`)).toStrictEqual([
      'leaves:leaf', // another rule: its own item
      'entities:middle',
      'entities:root',
      'entities:twin1',
      'entities:twin2',
      'entities:bare-parent',
      'entities:bare-child',
    ]);
    expect(counters.rules.get('entities')).toStrictEqual({ matched: 7, sampledOut: 0, rateLimited: 0, deduplicated: 1, enqueued: 6 });
    expect(counters.rules.get('leaves')).toStrictEqual({ matched: 1, sampledOut: 0, rateLimited: 0, deduplicated: 0, enqueued: 1 });
    expect(counters.queues.get('q')).toBe(7);
  });
});

describe('cost', () => {
  it('a routed span with its own input and output never looks at the other spans of the export', () => {
    let reads = 0;
    const others = Array.from({ length: 50 }, (_, i) => {
      const s = span(`o${i}`, { 'kind': 'other' });
      Object.defineProperty(s, 'parentSpanId', { get: () => (reads++, '') });
      return s;
    });
    const { rows } = routed([...others, span('root', entity({ args: ['Q'], kwargs: {} }, 'A'))]);
    expect(rows).toHaveLength(1);
    expect(reads).toBe(0);
    // The same export with a routed span that lacks its input does look.
    routed([...others, span('root', entity(NO_ARGS, 'A'))]);
    expect(reads).toBeGreaterThan(0);
  });

  it('hostile parent links (cycles, a span its own parent, 20,000-span chains all routed) cost linear time and never throw', () => {
    const cycle = [
      span('a', entity(NO_ARGS, undefined), { parent: 'b' }),
      span('b', entity(NO_ARGS, undefined), { parent: 'a' }),
      span('self', entity(NO_ARGS, undefined), { parent: 'self' }),
      span('c', entity(NO_ARGS, 'same'), { parent: 'd' }),
      span('d', entity(NO_ARGS, 'same'), { parent: 'c' }),
    ];
    expect(routed(cycle).rows).toHaveLength(5);

    const n = 20_000;
    // Each span its own answer, no input: all filled from the LLM call at the bottom.
    const filled = Array.from({ length: n }, (_, i) => span(`c${i}`, entity(NO_ARGS, `A${i}`), i === 0 ? {} : { parent: `c${i - 1}` }));
    filled.push(span('llm', chat('deep question', 'deep answer'), { parent: `c${n - 1}` }));
    // Every span the same: one item, the root's.
    const repeated = Array.from({ length: n }, (_, i) => span(`r${i}`, entity({ args: ['Q'], kwargs: {} }, 'A'), { trace: OTHER_TRACE, ...(i === 0 ? {} : { parent: `r${i - 1}` }) }));
    const t0 = performance.now();
    const { rows, payload, counters } = routed([...filled, ...repeated.reverse()]);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(rows).toHaveLength(n + 1);
    for (const id of ['c0', `c${n - 1}`]) expect(payload(id)).toMatchObject({ input: [{ role: 'user', content: 'deep question' }], from_span: { input: spanIdOf('llm') } });
    expect(payload('r0')).toStrictEqual({ source: 'traceloop', input: 'Q', output: 'A' });
    expect(counters.rules.get('entities')).toMatchObject({ matched: 2 * n, enqueued: n + 1, deduplicated: n - 1 });
  });
});
