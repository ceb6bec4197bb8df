/**
 * Real span shapes from @lmnr-ai/lmnr (Laminar), produced the way its users do: observe()
 * around plain functions and around an LLM call (spanType 'LLM', with the model set through
 * Laminar.setSpanAttributes and LaminarAttributes). Laminar records lmnr.span.input /
 * lmnr.span.output.
 * No network: Laminar.initialize takes a `spanProcessor`, here Laminar's own
 * LaminarSpanProcessor with its `exporter` option set to an InMemorySpanExporter, and
 * auto-instrumentation is off (instrumentModules: {}). The project key is a dummy that nothing ever sends. The spans
 * go through the OTLP protobuf serializer and spansift's decoder, as spansift receives them.
 */
import { Laminar, LaminarAttributes, LaminarSpanProcessor, observe } from '@lmnr-ai/lmnr';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../collector/model/span.js';
import { extractPayload } from './extract.js';
import { byName, overTheWire } from '../../tests/support/spans.js';

const exporter = new InMemorySpanExporter();
let spans: Span[];

const MESSAGES = [
  { role: 'system', content: 'You are a weather bot.' },
  { role: 'user', content: [{ type: 'text', text: 'Weather in Paris, then Lyon?' }, { type: 'image_url', image_url: { url: 'https://example.com/map.png' } }] },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: '18°C and sunny' },
];

beforeAll(async () => {
  process.env.LMNR_LOG_LEVEL ??= 'error';
  Laminar.initialize({
    projectApiKey: 'offline-test-key',
    baseUrl: 'http://127.0.0.1',
    spanProcessor: new LaminarSpanProcessor({ exporter, disableBatch: true }),
    instrumentModules: {},
    disableBatch: true,
  });

  // A plain function with one string argument, returning a string asynchronously.
  await observe({ name: 'answer_question' }, async (question: string) => `You asked: ${question}`, 'Where is my order "A-17"? </script>');

  // One object argument, an object result; and two arguments.
  await observe({ name: 'lookup_order' }, async (args: { orderId: string }) => ({ orderId: args.orderId, status: 'shipped' }), { orderId: 'A-17' });
  observe({ name: 'add' }, (a: number, b: number) => a + b, 2, 3);

  // An LLM call: the messages in, the assistant message out.
  await observe({ name: 'chat_completion', spanType: 'LLM' }, async (messages: typeof MESSAGES) => {
    Laminar.setSpanAttributes({
      [LaminarAttributes.PROVIDER]: 'openai',
      [LaminarAttributes.REQUEST_MODEL]: 'gpt-4o',
      [LaminarAttributes.RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      [LaminarAttributes.INPUT_TOKEN_COUNT]: 40,
      [LaminarAttributes.OUTPUT_TOKEN_COUNT]: 8,
    });
    void messages;
    return { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } }] };
  }, MESSAGES);

  // A function called without arguments: its input is recorded as `{}`.
  await observe({ name: 'no_arguments' }, async () => 'done');

  // A synchronous string result is recorded raw (not JSON).
  observe({ name: 'translate' }, (text: string) => `Bonjour (${text})`, 'good morning');

  await Laminar.flush();
  spans = overTheWire(exporter.getFinishedSpans());
});

afterAll(async () => {
  await Laminar.shutdown();
});

describe('@lmnr-ai/lmnr spans, as spansift receives them', () => {
  it('produces the spans and attribute keys this test relies on', () => {
    expect(spans.map((s) => s.name).sort()).toStrictEqual(['add', 'answer_question', 'chat_completion', 'lookup_order', 'no_arguments', 'translate']);
    expect(byName(spans, 'no_arguments').attributes['lmnr.span.input']).toBe('{}');
    for (const s of spans) expect(Object.keys(s.attributes)).toEqual(expect.arrayContaining(['lmnr.span.input', 'lmnr.span.output', 'lmnr.span.path']));
    expect(byName(spans, 'chat_completion').attributes).toMatchObject({ 'lmnr.span.type': 'LLM', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.system': 'openai' });
    expect(byName(spans, 'answer_question').attributes['lmnr.span.input']).toBe('["Where is my order \\"A-17\\"? </script>"]');
    expect(byName(spans, 'translate').attributes['lmnr.span.output']).toBe('Bonjour (good morning)');
  });

  it('one string argument, a string result', () => {
    expect(extractPayload(byName(spans, 'answer_question'))).toStrictEqual({
      source: 'laminar',
      input: 'Where is my order "A-17"? </script>',
      output: 'You asked: Where is my order "A-17"? </script>',
    });
  });

  it('one object argument, an object result; two arguments, a number', () => {
    expect(extractPayload(byName(spans, 'lookup_order'))).toStrictEqual({
      source: 'laminar', input: { orderId: 'A-17' }, output: { orderId: 'A-17', status: 'shipped' },
    });
    expect(extractPayload(byName(spans, 'add'))).toMatchObject({ source: 'laminar', input: [2, 3], output: '5' });
  });

  it('a function called without arguments has no input', () => {
    expect(extractPayload(byName(spans, 'no_arguments'))).toStrictEqual({ source: 'laminar', input: undefined, output: 'done' });
  });

  it('an LLM span: structured messages with content parts, tool calls and tool answers; the system message apart', () => {
    expect(extractPayload(byName(spans, 'chat_completion'))).toStrictEqual({
      source: 'laminar',
      model: 'gpt-4o',
      system: 'You are a weather bot.',
      input: [
        { role: 'user', content: 'Weather in Paris, then Lyon?\n[image]' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', content: '18°C and sunny', tool_call_id: 'call_1' },
      ],
      output: [{ role: 'assistant', content: '', tool_calls: [{ id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' }] }],
    });
  });

  it('a synchronous string result, recorded raw', () => {
    expect(extractPayload(byName(spans, 'translate'))).toStrictEqual({ source: 'laminar', input: 'good morning', output: 'Bonjour (good morning)' });
  });
});
