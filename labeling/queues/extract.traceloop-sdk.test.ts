/**
 * Real span shapes from @traceloop/node-server-sdk (OpenLLMetry for Node), produced the way a
 * user of the SDK does: initialize() with an exporter, then
 *   - withWorkflow / withTask: entity spans, traceloop.entity.input / traceloop.entity.output;
 *   - withLLMCall + reportRequest / reportResponse: a manually reported LLM call,
 *     gen_ai.prompt.N.* / gen_ai.completion.N.*;
 *   - its bundled OpenAI and Anthropic instrumentations (instrumentModules), which since
 *     0.2x write the current semconv gen_ai.input.messages / gen_ai.output.messages /
 *     gen_ai.system_instructions. The `openai` and `@anthropic-ai/sdk` packages are not
 *     installed here and there is no LLM to call, so the instrumented "modules" are stand-in
 *     classes with the same method names that return canned API responses; every attribute
 *     is still written by the real instrumentation code.
 * No network: the exporter is an InMemorySpanExporter, prompt-registry sync is off, and the
 * spans go through the OTLP protobuf serializer and spansift's decoder, exactly as spansift
 * receives them.
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import * as traceloop from '@traceloop/node-server-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../collector/model/span.js';
import { extractPayload } from './extract.js';
import { apiPromise, byName, overTheWire } from '../../tests/support/spans.js';


const OPENAI_RESPONSE = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{
    index: 0,
    finish_reason: 'tool_calls',
    message: {
      role: 'assistant',
      content: 'Checking the weather.',
      tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } }],
    },
  }],
  usage: { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62 },
};

class FakeOpenAI {
  static Chat = { Completions: class { baseURL = 'http://127.0.0.1:9/v1'; create(_params: unknown) { return apiPromise(OPENAI_RESPONSE); } } };
  static Completions = class { create(_params: unknown) { return apiPromise({}); } };
}

const ANTHROPIC_RESPONSE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-20250514',
  stop_reason: 'end_turn',
  content: [{ type: 'thinking', thinking: 'The user wants a haiku.' }, { type: 'text', text: 'Autumn moonlight—\na worm digs silently\ninto the chestnut.' }],
  usage: { input_tokens: 30, output_tokens: 20 },
};

class Messages { create(_params: unknown) { return Promise.resolve(ANTHROPIC_RESPONSE); } }
const FakeAnthropicModule = {
  Anthropic: { Completions: class { create() { return Promise.resolve({}); } }, Messages, Beta: { Messages } },
};

const exporter = new InMemorySpanExporter();
let spans: Span[];

beforeAll(async () => {
  process.env.TRACELOOP_ENRICH_TOKENS = 'false';
  traceloop.initialize({
    appName: 'spansift-test',
    baseUrl: 'http://127.0.0.1:9', // never contacted: `exporter` replaces the OTLP exporter
    exporter,
    disableBatch: true,
    traceloopSyncEnabled: false,
    silenceInitializationMessage: true,
    instrumentModules: { openAI: FakeOpenAI as never, anthropic: FakeAnthropicModule as never },
  });

  await traceloop.withWorkflow({ name: 'support_chat' }, async (question: string) => {
    const facts = await traceloop.withTask({ name: 'lookup_order' }, async (args: { orderId: string; verbose: boolean }) => ({
      status: 'shipped',
      orderId: args.orderId,
    }), { orderId: 'A-17', verbose: true });

    return traceloop.withLLMCall({ vendor: 'openai', type: 'chat' }, async ({ span }) => {
      span.reportRequest({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You answer order questions. Order facts: ' + JSON.stringify(facts) },
          { role: 'user', content: question },
          { role: 'user', content: [{ type: 'text', text: 'Here is my receipt:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
          ...Array.from({ length: 9 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i + 3}` })),
        ],
      });
      const answer = 'Your order A-17 has shipped. "Soon" </script> ✓';
      span.reportResponse({
        model: 'gpt-4o-mini-2024-07-18',
        usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
        completions: [{ finish_reason: 'stop', message: { role: 'assistant', content: answer } }],
      });
      return answer;
    });
  }, 'Where is my order A-17?');

  const openai = new FakeOpenAI.Chat.Completions();
  await openai.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris, then Lyon?' }, { type: 'image_url', image_url: { url: 'https://example.com/map.png' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C and sunny' },
    ],
  });

  // A developer and a system message first, a system reminder later in the conversation.
  await openai.create({
    model: 'gpt-4o',
    messages: [
      { role: 'developer', content: 'Answer in French.' },
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'system', content: 'Reminder: metric units.' },
      { role: 'user', content: 'And in Lyon?' },
    ],
  });

  // A workflow whose one argument is the chat messages (an array: the JS SDK records it as kwargs).
  await traceloop.withWorkflow({ name: 'chat_turn' }, async (messages: { role: string; content: string }[]) => `${messages.length} messages`, [
    { role: 'system', content: 'You answer order questions.' },
    { role: 'user', content: 'Where is my order A-17?' },
  ]);

  const anthropic = new FakeAnthropicModule.Anthropic.Messages();
  await anthropic.create({
    model: 'claude-sonnet-4-20250514',
    max_tokens: 256,
    system: 'You write haiku.',
    messages: [
      { role: 'user', content: 'A haiku about autumn, please.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'season', input: { hemisphere: 'north' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'autumn' }] }] },
    ],
  });

  await traceloop.forceFlush();
  spans = overTheWire(exporter.getFinishedSpans());
});

describe('@traceloop/node-server-sdk spans, as spansift receives them', () => {
  it('produces the spans and attribute keys this test relies on', () => {
    expect(spans.map((s) => s.name).sort()).toStrictEqual([
      'chat claude-sonnet-4-20250514', 'chat gpt-4o', 'chat gpt-4o-mini', 'chat_turn.workflow', 'lookup_order.task', 'openai.chat', 'support_chat.workflow',
    ]);
    expect(byName(spans, 'chat_turn.workflow').attributes['traceloop.entity.input']).toBe(
      '{"args":[],"kwargs":[{"role":"system","content":"You answer order questions."},{"role":"user","content":"Where is my order A-17?"}]}',
    );
    expect(Object.keys(byName(spans, 'support_chat.workflow').attributes)).toEqual(expect.arrayContaining(['traceloop.entity.input', 'traceloop.entity.output', 'traceloop.span.kind']));
    expect(Object.keys(byName(spans, 'openai.chat').attributes)).toEqual(expect.arrayContaining([
      'gen_ai.prompt.0.role', 'gen_ai.prompt.0.content', 'gen_ai.prompt.11.content', 'gen_ai.completion.0.role', 'gen_ai.completion.0.content', 'gen_ai.completion.0.finish_reason', 'gen_ai.request.model',
    ]));
    expect(Object.keys(byName(spans, 'chat gpt-4o-mini').attributes)).toEqual(expect.arrayContaining(['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.request.model']));
    expect(Object.keys(byName(spans, 'chat claude-sonnet-4-20250514').attributes)).toEqual(expect.arrayContaining(['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions']));
  });

  it('withWorkflow: one positional argument, a string result', () => {
    expect(extractPayload(byName(spans, 'support_chat.workflow'))).toStrictEqual({
      source: 'traceloop',
      input: 'Where is my order A-17?',
      output: 'Your order A-17 has shipped. "Soon" </script> ✓',
    });
  });

  it('withTask: one object argument (recorded as kwargs), an object result', () => {
    expect(extractPayload(byName(spans, 'lookup_order.task'))).toStrictEqual({
      source: 'traceloop',
      input: { orderId: 'A-17', verbose: true },
      output: { status: 'shipped', orderId: 'A-17' },
    });
  });

  it('withWorkflow: one array argument (the chat messages), recorded as kwargs; the system prompt apart', () => {
    expect(extractPayload(byName(spans, 'chat_turn.workflow'))).toStrictEqual({
      source: 'traceloop',
      system: 'You answer order questions.',
      input: [{ role: 'user', content: 'Where is my order A-17?' }],
      output: '2 messages',
    });
  });

  it('withLLMCall: indexed prompts in numeric order, multi-part content, the completion; gen_ai.prompt.0 (system) is the system prompt', () => {
    const p = extractPayload(byName(spans, 'openai.chat'));
    expect(p.source).toBe('gen_ai.indexed');
    expect(p.model).toBe('gpt-4o-mini');
    expect(p.system).toBe('You answer order questions. Order facts: {"status":"shipped","orderId":"A-17"}');
    const input = p.input as { role: string; content: string }[];
    expect(input).toHaveLength(11);
    expect(input.slice(0, 2)).toStrictEqual([
      { role: 'user', content: 'Where is my order A-17?' },
      { role: 'user', content: 'Here is my receipt:\n[image]' },
    ]);
    expect(input.slice(2).map((m) => m.content)).toStrictEqual(Array.from({ length: 9 }, (_, i) => `turn ${i + 3}`));
    expect(p.output).toStrictEqual([{ role: 'assistant', content: 'Your order A-17 has shipped. "Soon" </script> ✓' }]);
  });

  it('OpenAI instrumentation: gen_ai.input/output.messages with tool calls and tool answers; the system message apart', () => {
    expect(extractPayload(byName(spans, 'chat gpt-4o-mini'))).toStrictEqual({
      source: 'gen_ai.messages',
      model: 'gpt-4o-mini',
      system: 'You are a weather bot.',
      input: [
        { role: 'user', content: 'Weather in Paris, then Lyon?\n[image]' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', content: '18°C and sunny', tool_call_id: 'call_1' },
      ],
      output: [{ role: 'assistant', content: 'Checking the weather.', tool_calls: [{ id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' }] }],
    });
  });

  it('OpenAI instrumentation: leading developer and system messages joined into system; a later system message stays', () => {
    expect(extractPayload(byName(spans, 'chat gpt-4o'))).toStrictEqual({
      source: 'gen_ai.messages',
      model: 'gpt-4o',
      system: 'Answer in French.\n\nYou are a weather bot.',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'system', content: 'Reminder: metric units.' },
        { role: 'user', content: 'And in Lyon?' },
      ],
      output: [{ role: 'assistant', content: 'Checking the weather.', tool_calls: [{ id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' }] }],
    });
  });

  it('Anthropic instrumentation: system instructions given separately, tool_use / tool_result; thinking left out', () => {
    expect(extractPayload(byName(spans, 'chat claude-sonnet-4-20250514'))).toStrictEqual({
      source: 'gen_ai.messages',
      model: 'claude-sonnet-4-20250514',
      system: 'You write haiku.',
      input: [
        { role: 'user', content: 'A haiku about autumn, please.' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'toolu_1', name: 'season', arguments: '{"hemisphere":"north"}' }] },
        { role: 'user', content: 'autumn', tool_call_id: 'toolu_1' },
      ],
      output: [{ role: 'assistant', content: 'Autumn moonlight—\na worm digs silently\ninto the chestnut.' }],
    });
  });
});
