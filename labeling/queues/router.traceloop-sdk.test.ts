/**
 * What the Router makes of one export of @traceloop/node-server-sdk spans: the SDK's batch
 * span processor hands the spans of several traces to the exporter at once, and spansift
 * routes each OTLP export request as one batch. Produced the way a user of the SDK does
 * (withWorkflow / withTask around its bundled OpenAI instrumentation, patched onto a stand-in
 * class with OpenAI's method names that returns a canned response: no network); the recorded
 * export goes through the OTLP protobuf serializer and spansift's decoder.
 *
 * - A workflow function called without arguments records `{"args":[],"kwargs":{}}`: the
 *   labeler sees the conversation of the LLM call inside it, and where it came from.
 * - A workflow and its task that show the same thing, routed by one rule into one queue,
 *   are one item: the workflow's.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ExportResult } from '@opentelemetry/core';
import * as traceloop from '@traceloop/node-server-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../collector/model/span.js';
import { itemIdForSpan } from '../../collector/model/ids.js';
import { queueSchema, ruleSchema } from '../../config/queues.js';
import { Router, RoutingCounters } from './router.js';
import type { QueueItemRow } from './items.js';
import { apiPromise, byName, overTheWire } from '../../tests/support/spans.js';

const ANSWER = 'Order A-17 has shipped.';
const OPENAI_RESPONSE = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: ANSWER } }],
  usage: { prompt_tokens: 20, completion_tokens: 6, total_tokens: 26 },
};
class FakeOpenAI {
  static Chat = { Completions: class { baseURL = 'http://127.0.0.1:9/v1'; create(_params: unknown) { return apiPromise(OPENAI_RESPONSE); } } };
  static Completions = class { create(_params: unknown) { return apiPromise({}); } };
}
const openai = new FakeOpenAI.Chat.Completions();

/** Each export the SDK makes, as it makes it. */
class RecordingExporter extends InMemorySpanExporter {
  readonly exports: ReadableSpan[][] = [];
  override export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.exports.push(spans);
    super.export(spans, done);
  }
}

const exporter = new RecordingExporter();
let spans: Span[];

const review = queueSchema.parse({ labels: [{ name: 'ok', type: 'boolean' }], show: ['input', 'output', 'system', 'model'] });
const ENTITIES = ruleSchema.parse({
  name: 'entities',
  when: 'attributes["traceloop.span.kind"] == "workflow" or attributes["traceloop.span.kind"] == "task"',
  route_to: 'review',
});

beforeAll(async () => {
  process.env.TRACELOOP_ENRICH_TOKENS = 'false';
  traceloop.initialize({
    appName: 'spansift-test',
    baseUrl: 'http://127.0.0.1:9', // never contacted: `exporter` replaces the OTLP exporter
    exporter,
    disableBatch: false, // the batch span processor, as in production: one export holds several traces
    traceloopSyncEnabled: false,
    silenceInitializationMessage: true,
    instrumentModules: { openAI: FakeOpenAI as never },
  });

  // A workflow without arguments; its task (also without arguments) makes the LLM call and returns the answer.
  await traceloop.withWorkflow({ name: 'support_chat' }, async () =>
    traceloop.withTask({ name: 'draft_answer' }, async () => {
      const res = await openai.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You answer order questions.' },
          { role: 'user', content: 'Where is my order A-17?' },
        ],
      });
      return (res as typeof OPENAI_RESPONSE).choices[0].message.content;
    }),
  );

  // A workflow that hands its question to a task: both record the same input and output.
  await traceloop.withWorkflow({ name: 'answer' }, async (question: string) =>
    traceloop.withTask({ name: 'answer_task' }, async (q: string) => `You asked: ${q}`, question), 'Where is my order A-17?');

  // A workflow whose task shows something else: two items.
  await traceloop.withWorkflow({ name: 'lookup' }, async (question: string) => {
    const facts = await traceloop.withTask({ name: 'lookup_order' }, async (args: { orderId: string }) => ({ orderId: args.orderId, status: 'shipped' }), { orderId: 'A-17' });
    return `${question}: ${facts.status}`;
  }, 'Where is my order A-17?');

  await traceloop.forceFlush();
  expect(exporter.exports).toHaveLength(1);
  spans = overTheWire(exporter.exports[0]);
});

function routeAll(): { rows: QueueItemRow[]; counters: RoutingCounters } {
  const counters = new RoutingCounters();
  const router = new Router({ queues: { review }, rules: [ENTITIES] }, counters);
  return { rows: router.route(spans, Date.now()), counters };
}

const rowOf = (rows: QueueItemRow[], span: Span) => rows.find((r) => r.span_id === span.spanId);

describe('one export of @traceloop/node-server-sdk spans, routed together', () => {
  it('a workflow called without arguments shows the conversation of the LLM call inside it, and which span that is', () => {
    // The export holds what this test relies on.
    expect(spans.map((s) => s.name).sort()).toStrictEqual([
      'answer.workflow', 'answer_task.task', 'chat gpt-4o-mini', 'draft_answer.task', 'lookup.workflow', 'lookup_order.task', 'support_chat.workflow',
    ]);
    expect(byName(spans, 'support_chat.workflow').attributes['traceloop.entity.input']).toBe('{"args":[],"kwargs":{}}');
    expect(byName(spans, 'draft_answer.task').attributes['traceloop.entity.input']).toBe('{"args":[],"kwargs":{}}');
    expect(byName(spans, 'draft_answer.task').parentSpanId).toBe(byName(spans, 'support_chat.workflow').spanId);
    expect(byName(spans, 'chat gpt-4o-mini').parentSpanId).toBe(byName(spans, 'draft_answer.task').spanId);
    expect(byName(spans, 'answer_task.task').attributes['traceloop.entity.input']).toBe(byName(spans, 'answer.workflow').attributes['traceloop.entity.input']);
    expect(byName(spans, 'answer_task.task').attributes['traceloop.entity.output']).toBe(byName(spans, 'answer.workflow').attributes['traceloop.entity.output']);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(3);

    const { rows } = routeAll();
    const workflow = byName(spans, 'support_chat.workflow');
    const row = rowOf(rows, workflow);
    expect(row).toBeDefined();
    expect(JSON.parse(row!.payload)).toStrictEqual({
      source: 'traceloop',
      output: ANSWER,
      input: [{ role: 'user', content: 'Where is my order A-17?' }],
      system: 'You answer order questions.',
      from_span: { input: byName(spans, 'chat gpt-4o-mini').spanId },
    });
    expect(row!.item_id).toBe(itemIdForSpan('review', workflow.traceId, workflow.spanId));
  });

  it('a workflow and its task that show the same thing are one item, the workflow\'s; the task counts as deduplicated', () => {
    const { rows, counters } = routeAll();
    const workflow = byName(spans, 'answer.workflow');
    expect(rows.filter((r) => r.trace_id === workflow.traceId).map((r) => r.span_id)).toStrictEqual([workflow.spanId]);
    expect(JSON.parse(rowOf(rows, workflow)!.payload)).toStrictEqual({ source: 'traceloop', input: 'Where is my order A-17?', output: 'You asked: Where is my order A-17?' });
    // The same once the task's missing input is filled: support_chat and draft_answer both show the LLM call's question and the answer.
    expect(rowOf(rows, byName(spans, 'draft_answer.task'))).toBeUndefined();
    // lookup's task shows its own arguments: two items.
    expect(rowOf(rows, byName(spans, 'lookup.workflow'))).toBeDefined();
    expect(JSON.parse(rowOf(rows, byName(spans, 'lookup_order.task'))!.payload)).toStrictEqual({
      source: 'traceloop', input: { orderId: 'A-17' }, output: { orderId: 'A-17', status: 'shipped' },
    });

    expect(rows.map((r) => r.span_id).sort()).toStrictEqual(
      ['support_chat.workflow', 'answer.workflow', 'lookup.workflow', 'lookup_order.task'].map((n) => byName(spans, n).spanId).sort(),
    );
    expect(counters.rules.get('entities')).toStrictEqual({ matched: 6, sampledOut: 0, rateLimited: 0, deduplicated: 2, enqueued: 4 });
    expect(counters.queues.get('review')).toBe(4);

    // A retried export makes the same items, with the same ids.
    expect(routeAll().rows.map((r) => [r.item_id, r.payload])).toStrictEqual(rows.map((r) => [r.item_id, r.payload]));
  });
});
