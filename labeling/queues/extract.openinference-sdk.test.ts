/**
 * Real span shapes from @arizeai/openinference-core (Arize Phoenix's JS tracing helpers),
 * produced the way its users do: traceChain / traceLLM / traceTool wrappers (input.value /
 * output.value with their mime types), and LLM spans whose messages are set through
 * getLLMAttributes (llm.input_messages.N.message.* / llm.output_messages.N.message.*), both
 * from the wrappers' processInput / processOutput and by hand on an OITracer span.
 * The tracer is an OpenTelemetry BasicTracerProvider with an InMemorySpanExporter; the spans
 * go through the OTLP protobuf serializer and spansift's decoder, as spansift receives them.
 */
import {
  type Message as OIMessage,
  OITracer,
  getInputAttributes,
  getLLMAttributes,
  getOutputAttributes,
  toInputType,
  toOutputType,
  traceChain,
  traceLLM,
  traceTool,
} from '@arizeai/openinference-core';
import { OpenInferenceSpanKind, SemanticConventions } from '@arizeai/openinference-semantic-conventions';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../collector/model/span.js';
import { extractPayload } from './extract.js';
import type { Message } from './messages.js';
import { byName, overTheWire } from '../../tests/support/spans.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = new OITracer({ tracer: provider.getTracer('support-bot', '1.0.0') });
let spans: Span[];

interface ChatRequest { model: string; messages: OIMessage[] }
interface ChatResponse { model: string; message: OIMessage }

const HISTORY: OIMessage[] = Array.from({ length: 9 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i + 3}` }));

beforeAll(async () => {
  // A chain: one string argument in, a string out (text/plain).
  const answer = traceChain(async (question: string) => `You asked: ${question}`, { tracer, name: 'answer_question' });
  await answer('Where is my order "A-17"? </script>');

  // A tool: one object argument in, an object out (application/json).
  const lookup = traceTool((args: { orderId: string }) => ({ orderId: args.orderId, status: 'shipped' }), { tracer, name: 'lookup_order' });
  lookup({ orderId: 'A-17' });

  // An LLM call wrapped with traceLLM, its messages recorded with getLLMAttributes.
  const chat = traceLLM(
    async (req: ChatRequest): Promise<ChatResponse> => ({
      model: 'gpt-4o-2024-08-06',
      message: { role: 'assistant', toolCalls: [{ id: 'call_2', function: { name: 'get_weather', arguments: { city: 'Lyon' } } }] },
    }),
    {
      tracer,
      name: 'chat_completion',
      processInput: (req) => ({
        ...getInputAttributes(toInputType(req)),
        ...getLLMAttributes({ provider: 'openai', modelName: req.model, inputMessages: req.messages, invocationParameters: { temperature: 0 } }),
      }),
      processOutput: (res) => ({
        ...getOutputAttributes(toOutputType(res)),
        ...getLLMAttributes({ responseModelName: res.model, outputMessages: [res.message], tokenCount: { prompt: 40, completion: 8, total: 48 } }),
      }),
    },
  );
  await chat({
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'You are a weather bot.' },
      {
        role: 'user',
        contents: [
          { type: 'text', text: 'Weather in Paris, then Lyon?' },
          { type: 'image', image: { url: 'https://example.com/map.png' } },
        ],
      },
      { role: 'assistant', toolCalls: [{ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', toolCallId: 'call_1', content: '18°C and sunny' },
      ...HISTORY,
    ],
  });

  // Manual instrumentation on an OITracer span, as Phoenix's docs show it.
  tracer.startActiveSpan('manual_llm', (span) => {
    span.setAttributes({
      [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
      ...getInputAttributes('Translate to French: good morning'),
      ...getLLMAttributes({
        provider: 'anthropic',
        modelName: 'claude-3-5-haiku',
        inputMessages: [{ role: 'user', content: 'Translate to French: good morning' }],
        outputMessages: [{ role: 'assistant', contents: [{ type: 'reasoning', text: 'Simple greeting.' }, { type: 'text', text: 'Bonjour' }] }],
      }),
      ...getOutputAttributes('Bonjour'),
    });
    span.end();
  });

  await provider.forceFlush();
  spans = overTheWire(exporter.getFinishedSpans());
});

describe('@arizeai/openinference-core spans, as spansift receives them', () => {
  it('produces the spans and attribute keys this test relies on', () => {
    expect(spans.map((s) => s.name).sort()).toStrictEqual(['answer_question', 'chat_completion', 'lookup_order', 'manual_llm']);
    expect(byName(spans, 'answer_question').attributes).toMatchObject({ 'openinference.span.kind': 'CHAIN', 'input.mime_type': 'text/plain', 'output.mime_type': 'text/plain' });
    expect(byName(spans, 'lookup_order').attributes).toMatchObject({ 'openinference.span.kind': 'TOOL', 'input.mime_type': 'application/json' });
    expect(Object.keys(byName(spans, 'chat_completion').attributes)).toEqual(expect.arrayContaining([
      'input.value', 'output.value', 'llm.model_name',
      'llm.input_messages.0.message.role', 'llm.input_messages.0.message.content',
      'llm.input_messages.1.message.contents.0.message_content.type', 'llm.input_messages.1.message.contents.0.message_content.text',
      'llm.input_messages.1.message.contents.1.message_content.image.image.url',
      'llm.input_messages.2.message.tool_calls.0.tool_call.id', 'llm.input_messages.2.message.tool_calls.0.tool_call.function.name',
      'llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments',
      'llm.input_messages.3.message.tool_call_id', 'llm.input_messages.12.message.content',
      'llm.output_messages.0.message.role', 'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments',
    ]));
  });

  it('traceChain: text in, text out', () => {
    expect(extractPayload(byName(spans, 'answer_question'))).toStrictEqual({
      source: 'openinference',
      input: 'Where is my order "A-17"? </script>',
      output: 'You asked: Where is my order "A-17"? </script>',
    });
  });

  it('traceTool: JSON in, JSON out, parsed', () => {
    expect(extractPayload(byName(spans, 'lookup_order'))).toStrictEqual({
      source: 'openinference',
      input: { orderId: 'A-17' },
      output: { orderId: 'A-17', status: 'shipped' },
    });
  });

  it('traceLLM + getLLMAttributes: messages win over input.value / output.value, in numeric order; the system message apart', () => {
    const p = extractPayload(byName(spans, 'chat_completion'));
    expect(p.source).toBe('openinference');
    // getLLMAttributes({responseModelName}) in processOutput overwrites llm.model_name with the response's model.
    expect(p.model).toBe('gpt-4o-2024-08-06');
    expect(p.system).toBe('You are a weather bot.');
    const input = p.input as Message[];
    expect(input).toHaveLength(12);
    expect(input.slice(0, 3)).toStrictEqual([
      { role: 'user', content: 'Weather in Paris, then Lyon?\n[image]' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', content: '18°C and sunny', tool_call_id: 'call_1' },
    ]);
    expect(input.slice(3).map((m) => m.content)).toStrictEqual(HISTORY.map((m) => m.content));
    expect(p.output).toStrictEqual([{ role: 'assistant', content: '', tool_calls: [{ id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' }] }]);
  });

  it('manual OITracer span: content parts (reasoning left out)', () => {
    expect(extractPayload(byName(spans, 'manual_llm'))).toStrictEqual({
      source: 'openinference',
      model: 'claude-3-5-haiku',
      input: [{ role: 'user', content: 'Translate to French: good morning' }],
      output: [{ role: 'assistant', content: 'Bonjour' }],
    });
  });
});
