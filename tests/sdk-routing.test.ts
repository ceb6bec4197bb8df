/**
 * End to end with the real LLM tracing SDKs: spans made by @traceloop/node-server-sdk,
 * @arizeai/openinference-core and @lmnr-ai/lmnr are exported by a real OTLPTraceExporter
 * (OTLP/HTTP protobuf) to a running spansift, routed by YAML rules on the attributes each
 * SDK writes into one queue per SDK, and read back through the API: each item carries the
 * messages exactly as the user gave them to the SDK, and links back to its stored span.
 *
 * No LLM is called and nothing leaves 127.0.0.1: Traceloop's bundled OpenAI instrumentation
 * patches a stand-in class with OpenAI's method names that returns a canned response (as in
 * collector/queues/extract.traceloop-sdk.test.ts), prompt-registry sync is off, Laminar's
 * project key is a dummy that is never sent anywhere (its only exporter is ours).
 *
 * Traceloop.initialize and Laminar.initialize keep process-wide state (a global tracer
 * provider and context manager, static SDK state). They coexist in one process, but each
 * SDK runs in its own `describe`, one after another, so a failure names the SDK; the last
 * test checks no SDK's spans reached another SDK's queue.
 *
 * "Exported" means acknowledged: every exporter is wrapped to record its ExportResults, the
 * SDK's flush resolves only after the OTLP response, and spansift answers success only after
 * the spans are stored and routed, so the items are there without any waiting.
 */
import { apiPromise } from './support/spans.js';
import { type Message as OIMessage, OITracer, getInputAttributes, getLLMAttributes, getOutputAttributes, toInputType, toOutputType, traceChain, traceLLM, traceTool } from '@arizeai/openinference-core';
import { OpenInferenceSpanKind, SemanticConventions } from '@arizeai/openinference-semantic-conventions';
import { Laminar, LaminarAttributes, LaminarSpanProcessor, observe } from '@lmnr-ai/lmnr';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import * as traceloop from '@traceloop/node-server-sdk';
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, getTrace, startSpansift } from './support/spansift.js';

const SHOW = ['input', 'output', 'system', 'model'];
const LABELS = [{ name: 'ok', type: 'boolean' }];
const QUEUES = {
  traceloop: { labels: LABELS, show: SHOW },
  openinference: { labels: LABELS, show: SHOW },
  laminar: { labels: LABELS, show: SHOW },
};
// Conditions on what each SDK actually writes (checked against the stored spans in the first test of each describe).
const RULES = [
  { name: 'traceloop-entities', when: 'attributes["traceloop.span.kind"] == "workflow" or attributes["traceloop.span.kind"] == "task"', route_to: 'traceloop' },
  { name: 'traceloop-llm', when: 'HasPrefix(instrumentation_scope.name, "@traceloop/") and (attributes["llm.request.type"] == "chat" or attributes["gen_ai.operation.name"] == "chat")', route_to: 'traceloop' },
  { name: 'openinference-llm', when: 'attributes["openinference.span.kind"] == "LLM"', route_to: 'openinference' },
  { name: 'openinference-tools', when: 'attributes["openinference.span.kind"] == "TOOL" and HasPrefix(name, "lookup_")', route_to: 'openinference' },
  { name: 'laminar-llm', when: 'attributes["lmnr.span.type"] == "LLM"', route_to: 'laminar' },
  { name: 'laminar-support', when: 'HasPrefix(name, "support_") and attributes["lmnr.span.input"] != nil', route_to: 'laminar' },
];

/** The tool-using weather conversation every SDK records, as a labeler should see it: the leading system message apart. */
const WEATHER_CHAT = {
  system: 'You are a weather bot.',
  input: [
    { role: 'user', content: 'Weather in Paris, then Lyon?' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', content: '18°C and sunny', tool_call_id: 'call_1' },
  ],
  output: [{ role: 'assistant', content: 'Checking Lyon.', tool_calls: [{ id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' }] }],
};

let sift: Running;

// Every outgoing connection (and host name lookup) this process makes, SDKs included.
const destinations = new Set<string>();
subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  socket.on('connectionAttempt', (ip: string) => destinations.add(ip));
  socket.on('lookup', (_err: unknown, _address: unknown, _family: unknown, host: string) => destinations.add(`lookup:${host}`));
});

/** The real OTLP/HTTP protobuf exporter, recording what spansift answered to each export. */
class RecordingExporter implements SpanExporter {
  readonly otlp: OTLPTraceExporter;
  readonly results: ExportResult[] = [];
  exportedSpans = 0;
  constructor(url: string) {
    this.otlp = new OTLPTraceExporter({ url });
  }
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.otlp.export(spans, (r) => {
      this.results.push(r);
      if (r.code === ExportResultCode.SUCCESS) this.exportedSpans += spans.length;
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.otlp.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.otlp.forceFlush();
  }
}

function newExporter(): RecordingExporter {
  return new RecordingExporter(`${sift.httpUrl}/v1/traces`);
}

/** Every export answered success (an error would carry spansift's message). */
function expectAllExported(e: RecordingExporter, spans: number): void {
  expect(e.results.map((r) => (r.code === ExportResultCode.SUCCESS ? 'ok' : String(r.error)))).toEqual(e.results.map(() => 'ok'));
  expect(e.exportedSpans).toBe(spans);
}

const api = async (path: string) => {
  const res = await fetch(`${sift.uiUrl}${path}`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
  return { status: res.status, body: await res.json() };
};

async function allItems(queue: string): Promise<any[]> {
  const out = [];
  for (let p = 0; ; p++) {
    const { status, body } = await api(`/api/v1/queues/${queue}/items?position=${p}`);
    if (status === 404) return out;
    expect(status).toBe(200);
    expect(body.position).toBe(p);
    out.push(body.item);
  }
}

/**
 * The queue's items keyed by the name of the span each one links to, found by reading the
 * item's trace back through the API: the span with the item's spanId must be stored there.
 */
async function itemsBySpanName(queue: string): Promise<Map<string, any>> {
  const byName = new Map<string, any>();
  for (const item of await allItems(queue)) {
    expect(item).toMatchObject({ queue, source: 'rule' });
    const trace = await getTrace(sift, item.traceId);
    expect(trace.status).toBe(200);
    expect(trace.body.traceId).toBe(item.traceId);
    const span = trace.body.spans.find((s: any) => s.spanId === item.spanId);
    expect(span, `span ${item.spanId} of item ${item.id} in trace ${item.traceId}`).toBeDefined();
    expect(byName.has(span.name), `two items for spans named ${span.name}`).toBe(false);
    byName.set(span.name, { ...item, span });
  }
  return byName;
}

/** Stored spans matching a condition, by name. */
async function storedSpans(where: string): Promise<Map<string, any>> {
  const { status, body } = await api(`/api/v1/spans?since=1h&limit=1000&where=${encodeURIComponent(where)}`);
  expect(status).toBe(200);
  return new Map(body.spans.map((s: any) => [s.name, s]));
}

beforeAll(async () => {
  process.env.TRACELOOP_ENRICH_TOKENS = 'false';
  process.env.LMNR_LOG_LEVEL ??= 'error';
  sift = await startSpansift({ queues: QUEUES, rules: RULES });
});

const exporters: RecordingExporter[] = [];
afterAll(async () => {
  await Laminar.shutdown().catch(() => undefined);
  for (const e of exporters) await e.shutdown();
  await sift?.stop();
});

// ---------------------------------------------------------------------------------------------
describe('@traceloop/node-server-sdk → OTLP/HTTP → spansift', () => {
  const OPENAI_RESPONSE = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{
      index: 0,
      finish_reason: 'tool_calls',
      message: { role: 'assistant', content: 'Checking Lyon.', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } }] },
    }],
    usage: { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62 },
  };
  /** Stand-in for the `openai` module: the bundled instrumentation patches Chat.Completions.prototype.create. */
  class FakeOpenAI {
    static Chat = { Completions: class { baseURL = 'http://127.0.0.1:9/v1'; create(_params: unknown) { return apiPromise(OPENAI_RESPONSE); } } };
    static Completions = class { create(_params: unknown) { return apiPromise({}); } };
  }

  let exporter: RecordingExporter;

  beforeAll(async () => {
    exporter = newExporter();
    exporters.push(exporter);
    traceloop.initialize({
      appName: 'traceloop-app',
      baseUrl: 'http://127.0.0.1:9', // never contacted: `exporter` replaces Traceloop's own
      exporter,
      disableBatch: true,
      traceloopSyncEnabled: false,
      silenceInitializationMessage: true,
      instrumentModules: { openAI: FakeOpenAI as never },
    });

    await traceloop.withWorkflow({ name: 'support_chat' }, async (question: string) => {
      const facts = await traceloop.withTask({ name: 'lookup_order' }, async (args: { orderId: string }) => ({ orderId: args.orderId, status: 'shipped' }), { orderId: 'A-17' });
      return traceloop.withLLMCall({ vendor: 'openai', type: 'chat' }, async ({ span }) => {
        span.reportRequest({
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: `You answer order questions. Facts: ${JSON.stringify(facts)}` },
            { role: 'user', content: question },
          ],
        });
        const answer = 'Order A-17 has shipped. "Soon" </script> ✓';
        span.reportResponse({
          model: 'gpt-4o-mini-2024-07-18',
          usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
          completions: [{ finish_reason: 'stop', message: { role: 'assistant', content: answer } }],
        });
        return answer;
      });
    }, 'Where is my order A-17?');

    await new FakeOpenAI.Chat.Completions().create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'user', content: 'Weather in Paris, then Lyon?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C and sunny' },
      ],
    });

    await traceloop.forceFlush();
  });

  it('exports every span to spansift, which stores them', async () => {
    expectAllExported(exporter, 4);
    const stored = await storedSpans('HasPrefix(instrumentation_scope.name, "@traceloop/")');
    expect([...stored.keys()].sort()).toEqual(['chat gpt-4o-mini', 'lookup_order.task', 'openai.chat', 'support_chat.workflow']);
    expect(stored.get('support_chat.workflow').attributes['traceloop.span.kind']).toBe('workflow');
    expect(stored.get('openai.chat').attributes['llm.request.type']).toBe('chat');
    // The bundled OpenAI instrumentation writes the current semconv instead (its own scope).
    expect(stored.get('chat gpt-4o-mini').attributes).toMatchObject({ 'gen_ai.operation.name': 'chat' });
    expect(stored.get('chat gpt-4o-mini').attributes['llm.request.type']).toBeUndefined();
    expect(stored.get('chat gpt-4o-mini').scope.name).toBe('@traceloop/instrumentation-openai');
  });

  it('routes workflow, task and both LLM spans into the traceloop queue, each linked to its span', async () => {
    const items = await itemsBySpanName('traceloop');
    expect([...items.keys()].sort()).toEqual(['chat gpt-4o-mini', 'lookup_order.task', 'openai.chat', 'support_chat.workflow']);
    expect(items.get('support_chat.workflow').rule).toBe('traceloop-entities');
    expect(items.get('lookup_order.task').rule).toBe('traceloop-entities');
    expect(items.get('openai.chat').rule).toBe('traceloop-llm');
    expect(items.get('chat gpt-4o-mini').rule).toBe('traceloop-llm');
    // The task ran inside the workflow: same trace, and the stored span says so.
    const workflow = items.get('support_chat.workflow');
    expect(items.get('lookup_order.task').traceId).toBe(workflow.traceId);
    expect(items.get('lookup_order.task').span.parentSpanId).toBe(workflow.spanId);

    expect(workflow.data).toStrictEqual({ source: 'traceloop', input: 'Where is my order A-17?', output: 'Order A-17 has shipped. "Soon" </script> ✓' });
    expect(items.get('lookup_order.task').data).toStrictEqual({ source: 'traceloop', input: { orderId: 'A-17' }, output: { orderId: 'A-17', status: 'shipped' } });
  });

  it('withLLMCall (reportRequest / reportResponse): gen_ai.indexed messages as reported', async () => {
    const item = (await itemsBySpanName('traceloop')).get('openai.chat');
    expect(item.data).toStrictEqual({
      source: 'gen_ai.indexed',
      model: 'gpt-4o-mini',
      system: 'You answer order questions. Facts: {"orderId":"A-17","status":"shipped"}',
      input: [{ role: 'user', content: 'Where is my order A-17?' }],
      output: [{ role: 'assistant', content: 'Order A-17 has shipped. "Soon" </script> ✓' }],
    });
  });

  it('the bundled OpenAI instrumentation: gen_ai.messages with tool calls and the tool answer', async () => {
    const item = (await itemsBySpanName('traceloop')).get('chat gpt-4o-mini');
    expect(item.data).toStrictEqual({
      source: 'gen_ai.messages',
      model: 'gpt-4o-mini',
      ...WEATHER_CHAT,
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('@arizeai/openinference-core → OTLP/HTTP → spansift', () => {
  interface ChatRequest { model: string; messages: OIMessage[] }
  interface ChatResponse { model: string; message: OIMessage }

  let exporter: RecordingExporter;
  let provider: BasicTracerProvider;

  beforeAll(async () => {
    exporter = newExporter();
    exporters.push(exporter);
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = new OITracer({ tracer: provider.getTracer('support-bot', '1.0.0') });

    // Not routed: a chain (no rule takes CHAIN spans).
    await traceChain(async (question: string) => `You asked: ${question}`, { tracer, name: 'answer_question' })('Where is my order?');
    // Routed by openinference-tools: JSON in, JSON out.
    traceTool((args: { orderId: string }) => ({ orderId: args.orderId, status: 'shipped' }), { tracer, name: 'lookup_order' })({ orderId: 'A-17' });
    // Not routed: a tool whose name the rule does not take.
    traceTool((n: number) => n * 2, { tracer, name: 'double' })(21);

    // Routed by openinference-llm: traceLLM with messages recorded through getLLMAttributes.
    const chat = traceLLM(
      async (_req: ChatRequest): Promise<ChatResponse> => ({
        model: 'gpt-4o-2024-08-06',
        message: { role: 'assistant', content: 'Checking Lyon.', toolCalls: [{ id: 'call_2', function: { name: 'get_weather', arguments: { city: 'Lyon' } } }] },
      }),
      {
        tracer,
        name: 'chat_completion',
        processInput: (req) => ({
          ...getInputAttributes(toInputType(req)),
          ...getLLMAttributes({ provider: 'openai', modelName: req.model, inputMessages: req.messages }),
        }),
        processOutput: (res) => ({
          ...getOutputAttributes(toOutputType(res)),
          ...getLLMAttributes({ outputMessages: [res.message], tokenCount: { prompt: 40, completion: 8, total: 48 } }),
        }),
      },
    );
    await chat({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'user', content: 'Weather in Paris, then Lyon?' },
        { role: 'assistant', toolCalls: [{ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', toolCallId: 'call_1', content: '18°C and sunny' },
      ],
    });

    // Routed by openinference-llm: manual instrumentation on an OITracer span.
    tracer.startActiveSpan('manual_llm', (span) => {
      span.setAttributes({
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
        ...getLLMAttributes({
          provider: 'anthropic',
          modelName: 'claude-3-5-haiku',
          inputMessages: [{ role: 'user', content: 'Translate to French: good morning' }],
          outputMessages: [{ role: 'assistant', content: 'Bonjour' }],
        }),
      });
      span.end();
    });

    await provider.forceFlush();
  });

  afterAll(async () => {
    await provider?.shutdown();
  });

  it('exports every span to spansift, which stores them', async () => {
    expectAllExported(exporter, 5);
    const stored = await storedSpans('instrumentation_scope.name == "support-bot"');
    expect([...stored.keys()].sort()).toEqual(['answer_question', 'chat_completion', 'double', 'lookup_order', 'manual_llm']);
    expect(stored.get('chat_completion').attributes['openinference.span.kind']).toBe('LLM');
    expect(stored.get('lookup_order').attributes['openinference.span.kind']).toBe('TOOL');
  });

  it('routes the LLM spans and the lookup tool (not the chain, not the other tool), each linked to its span', async () => {
    const items = await itemsBySpanName('openinference');
    expect([...items.keys()].sort()).toEqual(['chat_completion', 'lookup_order', 'manual_llm']);
    expect(items.get('chat_completion').rule).toBe('openinference-llm');
    expect(items.get('manual_llm').rule).toBe('openinference-llm');
    expect(items.get('lookup_order').rule).toBe('openinference-tools');
    expect(items.get('lookup_order').data).toStrictEqual({ source: 'openinference', input: { orderId: 'A-17' }, output: { orderId: 'A-17', status: 'shipped' } });
  });

  it('traceLLM + getLLMAttributes: messages with tool calls and the tool answer', async () => {
    const item = (await itemsBySpanName('openinference')).get('chat_completion');
    expect(item.data).toStrictEqual({
      source: 'openinference',
      model: 'gpt-4o',
      ...WEATHER_CHAT,
    });
  });

  it('a manual OITracer span', async () => {
    const item = (await itemsBySpanName('openinference')).get('manual_llm');
    expect(item.data).toStrictEqual({
      source: 'openinference',
      model: 'claude-3-5-haiku',
      input: [{ role: 'user', content: 'Translate to French: good morning' }],
      output: [{ role: 'assistant', content: 'Bonjour' }],
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('@lmnr-ai/lmnr → OTLP/HTTP → spansift', () => {
  const MESSAGES = [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: 'Weather in Paris, then Lyon?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '18°C and sunny' },
  ];
  let exporter: RecordingExporter;

  beforeAll(async () => {
    exporter = newExporter();
    exporters.push(exporter);
    Laminar.initialize({
      projectApiKey: 'offline-test-key', // never sent: the span processor's exporter is ours
      baseUrl: 'http://127.0.0.1',
      spanProcessor: new LaminarSpanProcessor({ exporter, disableBatch: true }),
      instrumentModules: {},
      disableBatch: true,
    });

    // Routed by laminar-support: one string in, a string out.
    await observe({ name: 'support_answer' }, async (question: string) => `You asked: ${question}`, 'Where is my order "A-17"? </script>');
    // Not routed.
    await observe({ name: 'internal_step' }, async (n: number) => n + 1, 1);
    // Routed by laminar-llm: the messages in, the assistant message out.
    await observe({ name: 'chat_completion', spanType: 'LLM' }, async (messages: typeof MESSAGES) => {
      Laminar.setSpanAttributes({
        [LaminarAttributes.PROVIDER]: 'openai',
        [LaminarAttributes.REQUEST_MODEL]: 'gpt-4o',
        [LaminarAttributes.RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      });
      void messages;
      return { role: 'assistant', content: 'Checking Lyon.', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } }] };
    }, MESSAGES);

    await Laminar.flush();
  });

  it('exports every span to spansift, which stores them', async () => {
    expectAllExported(exporter, 3);
    const stored = await storedSpans('attributes["lmnr.span.path"] != nil');
    expect([...stored.keys()].sort()).toEqual(['chat_completion', 'internal_step', 'support_answer']);
    expect(stored.get('chat_completion').attributes['lmnr.span.type']).toBe('LLM');
    // Plain observe() spans carry no lmnr.span.type at all.
    expect(stored.get('support_answer').attributes['lmnr.span.type']).toBeUndefined();
  });

  it('routes the LLM span and the support_ span (not the other), each linked to its span', async () => {
    const items = await itemsBySpanName('laminar');
    expect([...items.keys()].sort()).toEqual(['chat_completion', 'support_answer']);
    expect(items.get('chat_completion').rule).toBe('laminar-llm');
    expect(items.get('support_answer').rule).toBe('laminar-support');
    expect(items.get('support_answer').data).toStrictEqual({
      source: 'laminar',
      input: 'Where is my order "A-17"? </script>',
      output: 'You asked: Where is my order "A-17"? </script>',
    });
  });

  it('an observe()d LLM call: messages with tool calls and the tool answer', async () => {
    const item = (await itemsBySpanName('laminar')).get('chat_completion');
    expect(item.data).toStrictEqual({
      source: 'laminar',
      model: 'gpt-4o',
      ...WEATHER_CHAT,
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('after all three SDKs', () => {
  it('no SDK\'s spans reached another SDK\'s queue', async () => {
    const { status, body } = await api('/api/v1/queues');
    expect(status).toBe(200);
    const totals = Object.fromEntries(body.queues.map((q: any) => [q.name, q.counts.total]));
    expect(totals).toEqual({ traceloop: 4, openinference: 3, laminar: 2 });
    const services = async (queue: string) => new Set((await allItems(queue)).map((i) => i.metadata.service));
    expect(await services('traceloop')).toEqual(new Set(['traceloop-app']));
    expect(await services('laminar')).toEqual(new Set(['laminar-tracer-resource']));
  });

  it('nothing connected anywhere but 127.0.0.1', () => {
    expect([...destinations]).toEqual(['127.0.0.1']);
  });
});
