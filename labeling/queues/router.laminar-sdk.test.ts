/**
 * What the Router makes of one export of @lmnr-ai/lmnr spans (Laminar's own span processor,
 * batching, with an in-memory exporter; no network): observe() around a function without
 * arguments records `lmnr.span.input` = `{}`, and the labeler sees the conversation of the
 * LLM span inside it; an observe()d function that hands its argument to another one, both
 * routed by one rule into one queue, is one item.
 */
import { Laminar, LaminarSpanProcessor, observe } from '@lmnr-ai/lmnr';
import type { ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../collector/model/span.js';
import { queueSchema, ruleSchema } from '../../config/queues.js';
import { Router, RoutingCounters } from './router.js';
import { byName, overTheWire } from '../../tests/support/spans.js';

class RecordingExporter extends InMemorySpanExporter {
  readonly exports: ReadableSpan[][] = [];
  override export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.exports.push(spans);
    super.export(spans, done);
  }
}

const exporter = new RecordingExporter();
let spans: Span[];

const MESSAGES = [
  { role: 'system', content: 'You are a weather bot.' },
  { role: 'user', content: 'Weather in Paris?' },
];

beforeAll(async () => {
  process.env.LMNR_LOG_LEVEL ??= 'error';
  Laminar.initialize({
    projectApiKey: 'offline-test-key', // never sent: the span processor's exporter is ours
    baseUrl: 'http://127.0.0.1',
    spanProcessor: new LaminarSpanProcessor({ exporter }),
    instrumentModules: {},
  });

  await observe({ name: 'support_turn' }, async () =>
    observe({ name: 'chat_completion', spanType: 'LLM' }, async (_messages: typeof MESSAGES) => ({ role: 'assistant', content: '18°C and sunny.' }), MESSAGES));

  await observe({ name: 'answer' }, async (question: string) =>
    observe({ name: 'answer_inner' }, async (q: string) => `You asked: ${q}`, question), 'Where is my order?');

  await Laminar.flush();
  expect(exporter.exports).toHaveLength(1);
  spans = overTheWire(exporter.exports[0]);
});

afterAll(async () => {
  await Laminar.shutdown();
});

describe('one export of @lmnr-ai/lmnr spans, routed together', () => {
  it('a function observed without arguments shows the conversation of the LLM span inside it; a repeat of its parent is one item', () => {
    expect(byName(spans, 'support_turn').attributes['lmnr.span.input']).toBe('{}');
    expect(byName(spans, 'chat_completion').parentSpanId).toBe(byName(spans, 'support_turn').spanId);
    expect(byName(spans, 'answer_inner').parentSpanId).toBe(byName(spans, 'answer').spanId);

    const review = queueSchema.parse({ labels: [{ name: 'ok', type: 'boolean' }] });
    const rule = ruleSchema.parse({ name: 'turns', when: 'name == "support_turn" or HasPrefix(name, "answer")', route_to: 'review' });
    const counters = new RoutingCounters();
    const rows = new Router({ queues: { review }, rules: [rule] }, counters).route(spans, Date.now());

    const bySpan = new Map(rows.map((r) => [r.span_id, JSON.parse(r.payload)]));
    expect([...bySpan.keys()].sort()).toStrictEqual([byName(spans, 'support_turn').spanId, byName(spans, 'answer').spanId].sort());
    expect(bySpan.get(byName(spans, 'support_turn').spanId)).toStrictEqual({
      source: 'laminar',
      system: 'You are a weather bot.',
      input: [{ role: 'user', content: 'Weather in Paris?' }],
      output: [{ role: 'assistant', content: '18°C and sunny.' }],
      from_span: { input: byName(spans, 'chat_completion').spanId },
    });
    expect(bySpan.get(byName(spans, 'answer').spanId)).toStrictEqual({ source: 'laminar', input: 'Where is my order?', output: 'You asked: Where is my order?' });
    expect(counters.rules.get('turns')).toStrictEqual({ matched: 3, sampledOut: 0, rateLimited: 0, deduplicated: 1, enqueued: 2 });
  });
});
