/** Unit tables for payload extraction, one block per convention, plus hostile and odd input. */
import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../collector/model/span.js';
import { extractPayload } from './extract.js';
import type { Message, Payload } from './messages.js';
import { spanWith } from '../../tests/support/spans.js';

const extract = (attrs: Attributes): Payload => extractPayload(spanWith(attrs));
const json = (v: unknown): string => JSON.stringify(v);

const HOSTILE = 'say "hi" \\ </script><script>alert(1)</script> \u0000 ☃ 𝄞 é \u202e rtl \n new line';

describe('order of conventions', () => {
  it.each<[string, Attributes, string]>([
    ['laminar wins over everything', {
      'lmnr.span.input': json([{ role: 'user', content: 'a' }]),
      'gen_ai.input.messages': json([{ role: 'user', parts: [{ type: 'text', content: 'b' }] }]),
      'gen_ai.prompt.0.content': 'c',
      'input.value': 'd',
      'traceloop.entity.input': json({ args: ['e'], kwargs: {} }),
    }, 'laminar'],
    ['gen_ai.messages before indexed', { 'gen_ai.output.messages': '[]', 'gen_ai.completion.0.content': 'x' }, 'gen_ai.messages'],
    ['indexed before openinference', { 'gen_ai.prompt.0.content': 'x', 'input.value': 'y' }, 'gen_ai.indexed'],
    ['openinference before traceloop', { 'output.value': 'y', 'traceloop.entity.output': '"z"' }, 'openinference'],
    ['traceloop', { 'traceloop.entity.output': '"z"' }, 'traceloop'],
    ['fallback', { 'http.method': 'GET' }, 'attributes'],
    ['no attributes at all', {}, 'attributes'],
  ])('%s', (_name, attrs, source) => {
    expect(extract(attrs).source).toBe(source);
  });
});

describe('laminar', () => {
  it.each<[string, Attributes, Partial<Payload>]>([
    ['chat messages', {
      'lmnr.span.input': json([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]),
      'lmnr.span.output': json({ role: 'assistant', content: 'Hello!' }),
    }, {
      system: 'Be brief.',
      input: [{ role: 'user', content: 'Hi' }],
      output: [{ role: 'assistant', content: 'Hello!' }],
    }],
    ['a function with one object argument and a string result', {
      'lmnr.span.input': json({ city: 'Paris', days: 3 }),
      'lmnr.span.output': json('Sunny.'),
    }, { input: { city: 'Paris', days: 3 }, output: 'Sunny.' }],
    ['a function with several arguments', { 'lmnr.span.input': json(['a', 2]) }, { input: ['a', 2], output: undefined }],
    ['one string argument (recorded as a one-element array) is the text', { 'lmnr.span.input': json(['Where is it?']) }, { input: 'Where is it?' }],
    ['one object inside an array stays an array', { 'lmnr.span.input': json([{ a: 1 }]) }, { input: [{ a: 1 }] }],
    ['output only; a number stays its text', { 'lmnr.span.output': json(42) }, { input: undefined, output: '42' }],
    ['invalid JSON stays the raw string', { 'lmnr.span.input': '{"role": "user", "content": ', 'lmnr.span.output': 'plain text' }, {
      input: '{"role": "user", "content": ', output: 'plain text',
    }],
    ['a request object with messages', {
      'lmnr.span.input': json({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Q' }] }),
      'lmnr.span.output': json({ choices: [{ index: 0, message: { role: 'assistant', content: 'A' } }] }),
    }, { input: [{ role: 'user', content: 'Q' }], output: [{ role: 'assistant', content: 'A' }] }],
    ['OpenAI content parts: text joined, image as a placeholder', {
      'lmnr.span.input': json([{ role: 'user', content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        { type: 'text', text: 'Be short.' },
      ] }]),
    }, { input: [{ role: 'user', content: 'What is this?\n[image]\nBe short.' }] }],
    ['OpenAI tool calls and tool answers', {
      'lmnr.span.input': json([
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      ]),
    }, { input: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', content: '18°C', tool_call_id: 'call_1' },
    ] }],
    ['Anthropic tool_use and tool_result parts', {
      'lmnr.span.input': json([
        { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'tu_1', name: 'search', input: { q: 'x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: [{ type: 'text', text: 'found' }] }] },
      ]),
    }, { input: [
      { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'tu_1', name: 'search', arguments: '{"q":"x"}' }] },
      { role: 'user', content: 'found', tool_call_id: 'tu_1' },
    ] }],
    ['messages without a role get user (input) / assistant (output)', {
      'lmnr.span.input': json([{ role: 'system', content: 's' }, { content: 'no role' }]),
      'lmnr.span.output': json([{ role: '', content: 'empty role' }, { role: 'x', content: '' }]),
    }, {
      system: 's',
      input: [{ role: 'user', content: 'no role' }],
      output: [{ role: 'assistant', content: 'empty role' }, { role: 'x', content: '' }],
    }],
    ['an array of objects without any role is a value, not a chat', {
      'lmnr.span.input': json([{ content: 'a' }, { content: 'b' }]),
    }, { input: [{ content: 'a' }, { content: 'b' }] }],
    ['a message name is kept', { 'lmnr.span.input': json([{ role: 'user', name: 'alice', content: 'hi' }]) }, {
      input: [{ role: 'user', name: 'alice', content: 'hi' }],
    }],
    ['a function called without arguments ({}) has no input', { 'lmnr.span.input': '{}', 'lmnr.span.output': json('ok') }, { input: undefined, output: 'ok' }],
    ['an empty argument list has no input', { 'lmnr.span.input': '[]' }, { input: undefined }],
  ])('%s', (_name, attrs, expected) => {
    expect(extract(attrs)).toMatchObject({ source: 'laminar', ...expected });
  });
});

describe('gen_ai.messages', () => {
  it('reads parts, tool calls, tool answers and system instructions', () => {
    const p = extract({
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.system_instructions': json([{ type: 'text', content: 'You are terse.' }, { type: 'text', content: 'Use metric units.' }]),
      'gen_ai.input.messages': json([
        { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: { temp: 18 } }] },
      ]),
      'gen_ai.output.messages': json([
        { role: 'assistant', parts: [{ type: 'text', content: 'It is 18°C.' }], finish_reason: 'stop' },
      ]),
    });
    expect(p).toStrictEqual({
      source: 'gen_ai.messages',
      system: 'You are terse.\nUse metric units.',
      model: 'gpt-4o',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', content: '{"temp":18}', tool_call_id: 'call_1' },
      ],
      output: [{ role: 'assistant', content: 'It is 18°C.' }],
    });
  });

  it.each<[string, Attributes, Partial<Payload>]>([
    ['system instructions as a plain string', { 'gen_ai.system_instructions': 'Be kind.', 'gen_ai.input.messages': '[]' }, { system: 'Be kind.' }],
    ['system instructions only', { 'gen_ai.system_instructions': json([{ type: 'text', content: 'S' }]) }, { system: 'S', input: undefined, output: undefined }],
    ['a text part and its answer part in one message become two messages', {
      'gen_ai.input.messages': json([{ role: 'tool', parts: [
        { type: 'tool_call_response', id: 'a', response: 'one' },
        { type: 'tool_call_response', id: 'b', response: 'two' },
      ] }]),
    }, { input: [{ role: 'tool', content: 'one', tool_call_id: 'a' }, { role: 'tool', content: 'two', tool_call_id: 'b' }] }],
    ['blob and uri parts become placeholders', {
      'gen_ai.input.messages': json([{ role: 'user', parts: [
        { type: 'text', content: 'Look:' },
        { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'AAAA' },
        { type: 'uri', modality: 'audio', uri: 'https://x/y.mp3' },
        { type: 'file', file_id: 'f1' },
      ] }]),
    }, { input: [{ role: 'user', content: 'Look:\n[image]\n[audio]\n[file]' }] }],
    ['reasoning parts are left out; a refusal is text', {
      'gen_ai.output.messages': json([
        { role: 'assistant', parts: [{ type: 'reasoning', content: 'thinking…' }, { type: 'text', content: 'Answer' }] },
        { role: 'assistant', parts: [{ type: 'refusal', content: 'I cannot help with that.' }] },
      ]),
    }, { output: [{ role: 'assistant', content: 'Answer' }, { role: 'assistant', content: 'I cannot help with that.' }] }],
    ['empty parts and empty text', {
      'gen_ai.input.messages': json([{ role: 'user', parts: [] }, { role: 'user', parts: [{ type: 'text', content: '' }] }, { role: 'user' }]),
    }, { input: [{ role: 'user', content: '' }, { role: 'user', content: '' }, { role: 'user', content: '' }] }],
    ['invalid JSON stays the raw string', { 'gen_ai.input.messages': '[{"role":"user",', 'gen_ai.output.messages': 'oops' }, {
      input: '[{"role":"user",', output: 'oops',
    }],
    ['a structured (non-string) attribute value', {
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'structured' }] }],
      'gen_ai.system_instructions': [{ type: 'text', content: 'sys' }],
    }, { input: [{ role: 'user', content: 'structured' }], system: 'sys' }],
    ['tool call arguments given as a JSON string stay that string', {
      'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{"a": 1}' }], finish_reason: 'tool_call' }]),
    }, { output: [{ role: 'assistant', content: '', tool_calls: [{ id: 'c', name: 'f', arguments: '{"a": 1}' }] }] }],
    ['a tool call without id or arguments', {
      'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'tool_call', name: 'f' }] }]),
    }, { output: [{ role: 'assistant', content: '', tool_calls: [{ name: 'f', arguments: '' }] }] }],
  ])('%s', (_name, attrs, expected) => {
    expect(extract(attrs)).toMatchObject({ source: 'gen_ai.messages', ...expected });
  });
});

describe('gen_ai.indexed', () => {
  it('orders by N as a number, past 9', () => {
    const attrs: Attributes = {};
    for (const n of [11, 2, 10, 0, 9, 1, 3, 4, 5, 6, 7, 8]) {
      attrs[`gen_ai.prompt.${n}.role`] = n % 2 === 0 ? 'user' : 'assistant';
      attrs[`gen_ai.prompt.${n}.content`] = `m${n}`;
    }
    const input = extract(attrs).input as Message[];
    expect(input.map((m) => m.content)).toStrictEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
    expect(input[10]).toStrictEqual({ role: 'user', content: 'm10' });
  });

  it('reads prompts, completions, tool calls and tool answers', () => {
    expect(extract({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.0.content': 'Be brief.',
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.1.content': 'Weather in Paris?',
      'gen_ai.prompt.2.role': 'assistant',
      'gen_ai.prompt.2.tool_calls.0.id': 'call_1',
      'gen_ai.prompt.2.tool_calls.0.name': 'get_weather',
      'gen_ai.prompt.2.tool_calls.0.arguments': '{"city":"Paris"}',
      'gen_ai.prompt.3.role': 'tool',
      'gen_ai.prompt.3.content': '18°C',
      'gen_ai.prompt.3.tool_call_id': 'call_1',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'It is 18°C.',
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.completion.1.finish_reason': 'tool_calls',
      'gen_ai.completion.1.tool_calls.1.name': 'second',
      'gen_ai.completion.1.tool_calls.1.arguments': '{}',
      'gen_ai.completion.1.tool_calls.0.name': 'first',
      'gen_ai.completion.1.tool_calls.0.arguments': '{"x":1}',
    })).toStrictEqual({
      source: 'gen_ai.indexed',
      model: 'gpt-4o-mini',
      system: 'Be brief.',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', content: '18°C', tool_call_id: 'call_1' },
      ],
      output: [
        { role: 'assistant', content: 'It is 18°C.' },
        { role: 'assistant', content: '', tool_calls: [{ name: 'first', arguments: '{"x":1}' }, { name: 'second', arguments: '{}' }] },
      ],
    });
  });

  it.each<[string, Attributes, Partial<Payload>]>([
    ['missing roles: user for prompts, assistant for completions', { 'gen_ai.prompt.0.content': 'q', 'gen_ai.completion.0.content': 'a' }, {
      input: [{ role: 'user', content: 'q' }], output: [{ role: 'assistant', content: 'a' }],
    }],
    ['gaps in N are skipped', { 'gen_ai.prompt.5.content': 'b', 'gen_ai.prompt.1.content': 'a' }, {
      input: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }], output: undefined,
    }],
    ['a role without content is an empty message', { 'gen_ai.completion.0.role': 'assistant' }, { output: [{ role: 'assistant', content: '' }] }],
    ['content recorded as a JSON array of parts (multi-part / Anthropic)', {
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': json([{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }]),
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': json([{ type: 'text', text: 'Searching' }, { type: 'tool_use', id: 't1', name: 'search', input: { q: 'cat' } }]),
    }, {
      input: [{ role: 'user', content: 'Describe\n[image]' }],
      output: [{ role: 'assistant', content: 'Searching', tool_calls: [{ id: 't1', name: 'search', arguments: '{"q":"cat"}' }] }],
    }],
    ['content that merely looks like JSON stays text', {
      'gen_ai.prompt.0.content': '[1, 2, 3]', 'gen_ai.prompt.1.content': '{"a": 1}', 'gen_ai.prompt.2.content': '[INST] hi [/INST]',
    }, { input: [{ role: 'user', content: '[1, 2, 3]' }, { role: 'user', content: '{"a": 1}' }, { role: 'user', content: '[INST] hi [/INST]' }] }],
    ['keys that are not indexed are ignored', {
      'gen_ai.prompt': 'old style', 'gen_ai.prompt.x.content': 'no', 'gen_ai.prompt..content': 'no', 'gen_ai.prompt.0': 'no', 'gen_ai.prompt.1.content': 'yes',
    }, { input: [{ role: 'user', content: 'yes' }] }],
    ['non-string values are shown as text', { 'gen_ai.prompt.0.content': 42, 'gen_ai.prompt.0.role': true }, {
      input: [{ role: 'user', content: '42' }],
    }],
    ['legacy function_call on a completion', {
      'gen_ai.completion.0.role': 'assistant', 'gen_ai.completion.0.function_call.name': 'f', 'gen_ai.completion.0.function_call.arguments': '{"a":1}',
    }, { output: [{ role: 'assistant', content: '', tool_calls: [{ name: 'f', arguments: '{"a":1}' }] }] }],
  ])('%s', (_name, attrs, expected) => {
    expect(extract(attrs)).toMatchObject({ source: 'gen_ai.indexed', ...expected });
  });
});

describe('openinference', () => {
  it('reads flattened messages, tool calls and content parts', () => {
    const p = extract({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'claude-3-5-sonnet',
      'input.value': json({ messages: 'ignored: messages win' }),
      'input.mime_type': 'application/json',
      'output.value': 'ignored too',
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': 'Be brief.',
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.contents.0.message_content.type': 'text',
      'llm.input_messages.1.message.contents.0.message_content.text': 'What is this?',
      'llm.input_messages.1.message.contents.1.message_content.type': 'image',
      'llm.input_messages.1.message.contents.1.message_content.image.image.url': 'https://x/cat.png',
      'llm.input_messages.2.message.role': 'assistant',
      'llm.input_messages.2.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.input_messages.2.message.tool_calls.0.tool_call.function.name': 'lookup',
      'llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments': '{"q":"cat"}',
      'llm.input_messages.3.message.role': 'tool',
      'llm.input_messages.3.message.name': 'lookup',
      'llm.input_messages.3.message.tool_call_id': 'call_1',
      'llm.input_messages.3.message.content': 'a cat',
      'llm.input_messages.10.message.role': 'user',
      'llm.input_messages.10.message.content': 'tenth',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': 'A cat.',
    });
    expect(p).toStrictEqual({
      source: 'openinference',
      model: 'claude-3-5-sonnet',
      system: 'Be brief.',
      input: [
        { role: 'user', content: 'What is this?\n[image]' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' }] },
        { role: 'tool', content: 'a cat', name: 'lookup', tool_call_id: 'call_1' },
        { role: 'user', content: 'tenth' },
      ],
      output: [{ role: 'assistant', content: 'A cat.' }],
    });
  });

  it.each<[string, Attributes, Partial<Payload>]>([
    ['text values', { 'input.value': 'question', 'output.value': 'answer' }, { input: 'question', output: 'answer' }],
    ['JSON values are parsed', { 'input.value': json({ q: 1 }), 'input.mime_type': 'application/json', 'output.value': json([1, 2]), 'output.mime_type': 'application/json' }, {
      input: { q: 1 }, output: [1, 2],
    }],
    ['JSON text without the JSON mime type stays text', { 'input.value': json({ q: 1 }), 'input.mime_type': 'text/plain' }, { input: '{"q":1}' }],
    ['invalid JSON with the JSON mime type stays the raw string', { 'input.value': '{"q":', 'input.mime_type': 'application/json' }, { input: '{"q":' }],
    ['a JSON value holding a chat request becomes messages', {
      'input.value': json({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }), 'input.mime_type': 'application/json',
    }, { input: [{ role: 'user', content: 'hi' }] }],
    ['input messages win for input only; output falls back to output.value', {
      'llm.input_messages.0.message.content': 'q', 'output.value': 'a',
    }, { input: [{ role: 'user', content: 'q' }], output: 'a' }],
    ['output messages without input', { 'llm.output_messages.0.message.content': 'a', 'input.value': 'q' }, {
      input: 'q', output: [{ role: 'assistant', content: 'a' }],
    }],
    ['legacy function call fields', {
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.function_call_name': 'f',
      'llm.output_messages.0.message.function_call_arguments_json': '{"a":1}',
    }, { output: [{ role: 'assistant', content: '', tool_calls: [{ name: 'f', arguments: '{"a":1}' }] }] }],
  ])('%s', (_name, attrs, expected) => {
    expect(extract(attrs)).toMatchObject({ source: 'openinference', ...expected });
  });
});

describe('traceloop', () => {
  it.each<[string, Attributes, Partial<Payload>]>([
    ['one positional argument', { 'traceloop.entity.input': json({ args: ['Tell me a joke'], kwargs: {} }), 'traceloop.entity.output': json('Why…') }, {
      input: 'Tell me a joke', output: 'Why…',
    }],
    ['several positional arguments', { 'traceloop.entity.input': json({ args: ['a', 1], kwargs: {} }) }, { input: ['a', 1] }],
    ['keyword arguments only (one object argument in JS)', { 'traceloop.entity.input': json({ args: [], kwargs: { topic: 'cats' } }) }, {
      input: { topic: 'cats' },
    }],
    ['both kept as they are', { 'traceloop.entity.input': json({ args: [1], kwargs: { b: 2 } }) }, { input: { args: [1], kwargs: { b: 2 } } }],
    ['no arguments', { 'traceloop.entity.input': json({ args: [], kwargs: {} }) }, { input: undefined }],
    ['no arguments, args and kwargs left out or null', { 'traceloop.entity.input': json({ args: null, kwargs: null }) }, { input: undefined }],
    ['one array argument (JS SDK: recorded as kwargs) holding chat messages', {
      'traceloop.entity.input': json({ args: [], kwargs: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] }),
    }, { system: 'Be brief.', input: [{ role: 'user', content: 'hi' }] }],
    ['one Date argument (JS SDK: its JSON text as kwargs)', { 'traceloop.entity.input': json({ args: [], kwargs: '2025-01-02T03:04:05.000Z' }) }, {
      input: '2025-01-02T03:04:05.000Z',
    }],
    ['LangChain inputs / outputs wrappers', {
      'traceloop.entity.input': json({ inputs: { question: 'q' }, tags: [], metadata: {}, kwargs: {} }),
      'traceloop.entity.output': json({ outputs: { answer: 'a' }, kwargs: {} }),
    }, { input: { question: 'q' }, output: { answer: 'a' } }],
    ['messages passed as keyword arguments', {
      'traceloop.entity.input': json({ args: [], kwargs: { messages: [{ role: 'user', content: 'hi' }], model: 'gpt-4o' } }),
      'traceloop.entity.output': json({ role: 'assistant', content: 'hello' }),
    }, { input: [{ role: 'user', content: 'hi' }], output: [{ role: 'assistant', content: 'hello' }] }],
    ['unknown shapes are kept', { 'traceloop.entity.input': json({ foo: 'bar' }) }, { input: { foo: 'bar' } }],
    ['invalid JSON stays the raw string', { 'traceloop.entity.input': '{"args": [', 'traceloop.entity.output': 'not json' }, {
      input: '{"args": [', output: 'not json',
    }],
  ])('%s', (_name, attrs, expected) => {
    expect(extract(attrs)).toMatchObject({ source: 'traceloop', ...expected });
  });
});

describe('system prompt sent as the first messages of a chat input', () => {
  const sys = (content: string, role = 'system') => ({ role, content });
  const user = (content: string) => ({ role: 'user', content });

  it.each<[string, Attributes, Partial<Payload>]>([
    ['gen_ai.messages: a leading system message', {
      'gen_ai.input.messages': json([{ role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] }, { role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]),
    }, { source: 'gen_ai.messages', system: 'Be brief.', input: [user('Hi')] }],
    ['gen_ai.indexed: gen_ai.prompt.0.role = system', {
      'gen_ai.prompt.0.role': 'system', 'gen_ai.prompt.0.content': 'Be brief.', 'gen_ai.prompt.1.role': 'user', 'gen_ai.prompt.1.content': 'Hi',
    }, { source: 'gen_ai.indexed', system: 'Be brief.', input: [user('Hi')] }],
    ['openinference: llm.input_messages.0.message.role = system', {
      'llm.input_messages.0.message.role': 'system', 'llm.input_messages.0.message.content': 'Be brief.',
      'llm.input_messages.1.message.role': 'user', 'llm.input_messages.1.message.content': 'Hi',
    }, { source: 'openinference', system: 'Be brief.', input: [user('Hi')] }],
    ['openinference: a chat request as input.value', {
      'input.value': json({ messages: [sys('Be brief.'), user('Hi')] }), 'input.mime_type': 'application/json',
    }, { source: 'openinference', system: 'Be brief.', input: [user('Hi')] }],
    ['traceloop: messages as keyword arguments', {
      'traceloop.entity.input': json({ args: [], kwargs: { messages: [sys('Be brief.'), user('Hi')] } }),
    }, { source: 'traceloop', system: 'Be brief.', input: [user('Hi')] }],
    ['several leading system and developer messages are joined with a blank line', {
      'lmnr.span.input': json([sys('You are a bot.'), sys('Answer in French.', 'developer'), user('Hi')]),
    }, { system: 'You are a bot.\n\nAnswer in French.', input: [user('Hi')] }],
    ['a system message after another message stays in place', {
      'lmnr.span.input': json([sys('S1'), user('Hi'), sys('S2'), user('Bye')]),
    }, { system: 'S1', input: [user('Hi'), sys('S2'), user('Bye')] }],
    ['separate gen_ai.system_instructions come first, the messages after', {
      'gen_ai.system_instructions': json([{ type: 'text', content: 'Given apart.' }]),
      'gen_ai.input.messages': json([{ role: 'system', parts: [{ type: 'text', content: 'In the messages.' }] }, { role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]),
    }, { system: 'Given apart.\n\nIn the messages.', input: [user('Hi')] }],
    ['the same text given apart and as a message is shown once', {
      'gen_ai.system_instructions': 'Same.',
      'gen_ai.input.messages': json([
        { role: 'system', parts: [{ type: 'text', content: 'Other.' }] },
        { role: 'system', parts: [{ type: 'text', content: 'Same.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'Hi' }] },
      ]),
    }, { system: 'Same.\n\nOther.', input: [user('Hi')] }],
    ['gen_ai.system_instructions beside another convention', {
      'gen_ai.system_instructions': 'Given apart.', 'lmnr.span.input': json([sys('In the messages.'), user('Hi')]),
    }, { source: 'laminar', system: 'Given apart.\n\nIn the messages.', input: [user('Hi')] }],
    ['an input that is only a system prompt becomes no input', { 'lmnr.span.input': json([sys('Only this.')]), 'lmnr.span.output': json('ok') }, {
      system: 'Only this.', input: undefined, output: 'ok',
    }],
    ['an empty system message is dropped without adding text', { 'lmnr.span.input': json([sys(''), user('Hi')]) }, { system: undefined, input: [user('Hi')] }],
    ['moving stops at a system message with a name (system is only text)', {
      'lmnr.span.input': json([sys('S0'), { role: 'system', name: 'rules', content: 'S1' }, user('Hi')]),
    }, { system: 'S0', input: [{ role: 'system', name: 'rules', content: 'S1' }, user('Hi')] }],
    ['output messages are never moved', {
      'lmnr.span.input': json([sys('S'), user('Hi')]), 'lmnr.span.output': json([sys('S'), { role: 'assistant', content: 'A' }]),
    }, { system: 'S', input: [user('Hi')], output: [sys('S'), { role: 'assistant', content: 'A' }] }],
  ])('%s', (_name, attrs, expected) => {
    const p = extract(attrs);
    for (const [k, v] of Object.entries(expected)) expect(p[k as keyof Payload], k).toStrictEqual(v);
  });

  it('keeps tool calls, tool answers and names of the messages that stay', () => {
    const p = extract({
      'gen_ai.prompt.0.role': 'developer',
      'gen_ai.prompt.0.content': 'Use tools.',
      'gen_ai.prompt.1.role': 'assistant',
      'gen_ai.prompt.1.tool_calls.0.id': 'c1',
      'gen_ai.prompt.1.tool_calls.0.name': 'f',
      'gen_ai.prompt.1.tool_calls.0.arguments': '{}',
      'gen_ai.prompt.2.role': 'tool',
      'gen_ai.prompt.2.tool_call_id': 'c1',
      'gen_ai.prompt.2.content': 'done',
    });
    expect(p).toStrictEqual({
      source: 'gen_ai.indexed',
      system: 'Use tools.',
      input: [
        { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
        { role: 'tool', content: 'done', tool_call_id: 'c1' },
      ],
      output: undefined,
    });
  });
});

describe('traceloop: one JS argument of type object that is not a plain object, recorded as kwargs', () => {
  const input = (kwargs: unknown) => extract({ 'traceloop.entity.input': json({ args: [], kwargs }) }).input;
  it('is the argument: an array that is not a chat stays the array (a system-looking first element stays too); an empty one is no input', () => {
    expect(input([1, 2])).toStrictEqual([1, 2]);
    expect(input([{ role: 'system', content: 'S' }, 5])).toStrictEqual([{ role: 'system', content: 'S' }, 5]);
    expect(input([])).toBeUndefined();
    expect(input(null)).toBeUndefined();
  });
});

describe('attributes fallback', () => {
  it('flattens every attribute to a string', () => {
    expect(extract({ 'http.method': 'GET', n: 3, big: 2n ** 70n, ok: true, list: ['a', 1], map: { k: 'v' }, raw: new Uint8Array([1, 2]), nil: null, 'gen_ai.request.model': 'm' }))
      .toStrictEqual({
        source: 'attributes',
        input: undefined,
        output: undefined,
        model: 'm',
        attributes: {
          'http.method': 'GET', n: '3', big: '1180591620717411303424', ok: 'true', list: '["a",1]', map: '{"k":"v"}', raw: 'AQI=', nil: '', 'gen_ai.request.model': 'm',
        },
      });
  });

  it('keeps an attribute named __proto__ as data', () => {
    const attrs: Attributes = {};
    Object.defineProperty(attrs, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
    const p = extract(attrs);
    expect(Object.keys(p.attributes ?? {})).toStrictEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(p.attributes, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(p.attributes)).toBe(Object.prototype);
  });
});

describe('model', () => {
  it.each<[Attributes, string | undefined]>([
    [{ 'gen_ai.request.model': 'a', 'gen_ai.response.model': 'b', 'input.value': 'x' }, 'a'],
    [{ 'gen_ai.response.model': 'b', 'input.value': 'x' }, 'b'],
    [{ 'llm.model_name': 'c', 'input.value': 'x' }, 'c'],
    [{ 'llm.request.model': 'd', 'input.value': 'x' }, 'd'],
    [{ 'gen_ai.request.model': '', 'input.value': 'x' }, undefined],
    [{ 'gen_ai.request.model': 5, 'input.value': 'x' }, undefined],
  ])('%o -> %s', (attrs, model) => {
    expect(extract(attrs).model).toBe(model);
  });
});

describe('hostile and large input', () => {
  it('keeps hostile strings exactly, in every convention', () => {
    const msgs = json([{ role: 'user', content: HOSTILE }]);
    expect(extract({ 'lmnr.span.input': msgs }).input).toStrictEqual([{ role: 'user', content: HOSTILE }]);
    expect(extract({ 'gen_ai.input.messages': json([{ role: HOSTILE, parts: [{ type: 'text', content: HOSTILE }] }]) }).input)
      .toStrictEqual([{ role: HOSTILE, content: HOSTILE }]);
    expect(extract({ 'gen_ai.prompt.0.content': HOSTILE }).input).toStrictEqual([{ role: 'user', content: HOSTILE }]);
    expect(extract({ 'llm.input_messages.0.message.content': HOSTILE }).input).toStrictEqual([{ role: 'user', content: HOSTILE }]);
    expect(extract({ 'traceloop.entity.input': json({ args: [HOSTILE], kwargs: {} }) }).input).toBe(HOSTILE);
    expect(extract({ [HOSTILE]: HOSTILE }).attributes).toStrictEqual({ [HOSTILE]: HOSTILE });
  });

  it('does not let JSON keys named __proto__ change prototypes', () => {
    const p = extract({ 'lmnr.span.input': '{"__proto__": {"polluted": true}, "a": 1}', 'gen_ai.prompt.0.__proto__': 'x' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((p.input as Record<string, unknown>).a).toBe(1);
  });

  it('handles 1 MB values in every convention', () => {
    const big = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8
    expect((extract({ 'lmnr.span.input': json([{ role: 'user', content: big }]) }).input as Message[])[0].content).toBe(big);
    expect((extract({ 'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'text', content: big }] }]) }).output as Message[])[0].content).toBe(big);
    expect((extract({ 'gen_ai.prompt.0.content': big }).input as Message[])[0].content).toBe(big);
    expect((extract({ 'llm.input_messages.0.message.content': big }).input as Message[])[0].content).toBe(big);
    expect(extract({ 'traceloop.entity.output': json(big) }).output).toBe(big);
    expect(extract({ 'lmnr.span.input': `[${big}` }).input).toBe(`[${big}`); // invalid JSON, kept raw
  });

  it('never throws, whatever the values', () => {
    let deep = '';
    for (let i = 0; i < 100_000; i++) deep += '[';
    let nested: unknown = 'x';
    for (let i = 0; i < 10_000; i++) nested = [nested];
    const odd: Attributes[] = [
      { 'lmnr.span.input': deep },
      { 'lmnr.span.input': `${'['.repeat(5000)}${']'.repeat(5000)}` },
      { 'gen_ai.input.messages': nested as Attributes[string] },
      { 'gen_ai.input.messages': json([null, 1, 'x', [], {}]) },
      { 'gen_ai.input.messages': json([{ role: 1, parts: 'not an array' }, { role: 'user', parts: [null, 5, { type: 7 }, { type: 'tool_call', name: 9, arguments: null }] }]) },
      { 'gen_ai.system_instructions': json({ weird: true }) },
      { 'gen_ai.prompt.0.tool_calls': 'x', 'gen_ai.prompt.0.tool_calls.x.name': 'y', 'gen_ai.prompt.99999999999999.content': 'z' },
      { 'llm.input_messages.0.message.tool_calls.0.tool_call.function.arguments': { nested: [1n, new Uint8Array(2)] } },
      { 'llm.input_messages.0.message.contents.0.message_content.text': null },
      { 'traceloop.entity.input': json({ args: 'not an array', kwargs: 5 }) },
      { 'traceloop.entity.output': new Uint8Array([0xff, 0x00]) },
      { 'lmnr.span.output': json({ choices: [{ message: 5 }] }) },
    ];
    for (const attrs of odd) expect(() => extract(attrs)).not.toThrow();
    expect(() => extractPayload(undefined as never)).not.toThrow();
    expect(() => extractPayload({ attributes: null } as never)).not.toThrow();
  });
});
