import { describe, expect, it } from 'vitest';
import { compileCondition } from './index.js';
import { makeSpan, T0, type SpanSpec } from '../../tests/support/condition.js';

const llm: SpanSpec = {
  name: 'chat gpt-4o',
  kind: 3,
  duration: 6_000_000_000n,
  attrs: {
    'gen_ai.request.model': 'gpt-4o',
    tokens: 150,
    temperature: 0.7,
    cached: true,
    streamed: false,
    empty: '',
    nothing: null,
    tags: ['a', 'b'],
    meta: { k: 1, j: 'x' },
    big: 9007199254740993n,
    bytes: new Uint8Array([1, 2, 255]),
    numeric_text: '150',
    emoji: 'hi 😀',
    constructor: 'own',
  },
  resource: { 'service.name': 'chat-api', 'deployment.environment': 'prod' },
  status: { code: 2, message: 'rate limited' },
  events: ['gen_ai.content.prompt', 'exception'],
  scope: { name: 'openai', version: '1.2.0' },
  parentSpanId: '00000000000000ff',
  traceState: 'vendor=1',
};

const table: Array<[string, boolean]> = [
  // equality and nil semantics
  ['attributes["gen_ai.request.model"] == "gpt-4o"', true],
  ['"gpt-4o" == attributes["gen_ai.request.model"]', true],
  ['attributes["gen_ai.request.model"] != "gpt-4o"', false],
  ['attributes["missing"] == "x"', false],
  ['attributes["missing"] != "x"', true],
  ['attributes["missing"] == nil', true],
  ['attributes["missing"] != nil', false],
  ['attributes["nothing"] == nil', true],
  ['attributes["empty"] == nil', false],
  ['attributes["empty"] == ""', true],
  ['attributes["missing"] <= nil', true],
  ['attributes["missing"] < nil', false],
  ['attributes["missing"] > 1', false],
  ['attributes["missing"] == attributes["also_missing"]', true],
  ['nil == nil', true],
  // numbers: int and double compare numerically, other types never
  ['attributes["tokens"] > 100', true],
  ['attributes["tokens"] >= 150.0', true],
  ['attributes["tokens"] == 150.0', true],
  ['attributes["tokens"] < 100', false],
  ['attributes["tokens"] == "150"', false],
  ['attributes["tokens"] != "150"', true],
  ['attributes["numeric_text"] > 100', false],
  ['attributes["numeric_text"] == "150"', true],
  ['attributes["temperature"] < 1', true],
  ['attributes["temperature"] == 0.7', true],
  ['attributes["big"] == 9007199254740993', true],
  ['attributes["big"] > 9007199254740992', true],
  ['attributes["big"] == 9007199254740992', false],
  ['attributes["tokens"] > attributes["temperature"]', true],
  // booleans: equality and false < true
  ['attributes["cached"] == true', true],
  ['attributes["cached"]', true],
  ['attributes["streamed"]', false],
  ['not attributes["streamed"]', true],
  ['attributes["gen_ai.request.model"]', false],
  ['attributes["cached"] > attributes["streamed"]', true],
  ['attributes["cached"] == "true"', false],
  ['attributes["cached"] > 0', false],
  // strings compare by code point, like UTF-8 bytes
  ['name < "chat gpt-5"', true],
  ['name >= "chat"', true],
  ['attributes["emoji"] > "hi \\uffff"', true],
  ['name > 5', false],
  ['name != 5', true],
  // containers compare only for equality
  ['attributes["tags"] == attributes["tags"]', true],
  ['attributes["tags"] <= attributes["tags"]', false],
  ['attributes["meta"] != attributes["tags"]', true],
  ['attributes["tags"] == "a"', false],
  // own keys only
  ['attributes["constructor"] == "own"', true],
  ['attributes["toString"] == nil', true],
  ['attributes["__proto__"] == nil', true],
  // span fields and enums
  ['kind == SPAN_KIND_CLIENT', true],
  ['kind == 3', true],
  ['kind > SPAN_KIND_SERVER', true],
  ['kind == "SPAN_KIND_CLIENT"', false],
  ['status.code == STATUS_CODE_ERROR and status.message == "rate limited"', true],
  ['status.code != STATUS_CODE_OK', true],
  ['resource.attributes["service.name"] == "chat-api"', true],
  ['resource.attributes["deployment.environment"] != "prod"', false],
  ['instrumentation_scope.name == "openai" and instrumentation_scope.version == "1.2.0"', true],
  ['trace_id == "000000000000000000000000000000aa" and span_id == "00000000000000aa"', true],
  ['parent_span_id != "" and trace_state == "vendor=1"', true],
  // durations and times
  ['duration > 5s', true],
  ['duration > 6s', false],
  ['duration >= 6s', true],
  ['duration == 6000000000', true],
  ['duration < 1m30s', true],
  ['duration > 5999.5ms', true],
  ['duration > 5.5', true],
  [`start_time == ${T0}`, true],
  [`end_time == ${T0 + 6_000_000_000n}`, true],
  ['end_time > start_time', true],
  // functions
  ['IsMatch(name, "^chat")', true],
  ['IsMatch(name, "(?i)^CHAT")', true],
  ['IsMatch(name, "^gpt")', false],
  ['IsMatch(attributes["tokens"], "^15")', true],
  ['IsMatch(attributes["cached"], "^true$")', true],
  ['IsMatch(attributes["missing"], ".*")', false],
  ['IsMatch(name, "chat\\\\ gpt\\\\-4o")', true],
  ['IsMatch(attributes["tags"], "\\\\[\\"a\\"")', true],
  ['HasPrefix(attributes["gen_ai.request.model"], "gpt-")', true],
  ['HasSuffix(name, "4o")', true],
  ['HasPrefix(attributes["missing"], "")', false],
  ['Len(events) == 2', true],
  ['HasEvent("exception")', true],
  ['HasEvent("Exception")', false],
  ['Len(name) == 11', true],
  ['Len(attributes["emoji"]) == 7', true],
  ['Len(attributes["tags"]) == 2', true],
  ['Len(attributes["meta"]) == 2', true],
  // Len of nil is an OTTL error, so the whole condition is not met, even under not.
  ['Len(attributes["missing"]) == nil', false],
  ['not (Len(attributes["missing"]) == 1)', false],
  ['Int(attributes["temperature"]) == 0', true],
  ['Int(attributes["numeric_text"]) == 150', true],
  ['Int(attributes["cached"]) == 1', true],
  ['Int(attributes["gen_ai.request.model"]) == nil', true],
  ['Int("-12") == -12', true],
  ['Int("1.5") == nil', true],
  ['Double(attributes["numeric_text"]) == 150.0', true],
  ['Double("1e3") == 1000', true],
  ['Double("inf") > 1e308', true],
  ['Double("1e400") == nil', true],
  ['String(attributes["tokens"]) == "150"', true],
  ['String(attributes["cached"]) == "true"', true],
  ['String(attributes["bytes"]) == "0102ff"', true],
  ['String(attributes["missing"]) == nil', true],
  ['IsString(attributes["gen_ai.request.model"])', true],
  ['IsString(attributes["tokens"])', false],
  ['IsString(attributes["missing"])', false],
  ['IsString(name)', true],
  ['IsMatch(name, "^chat") == true', true],
  // logic
  ['attributes["gen_ai.request.model"] == "gpt-4o" and duration > 5s', true],
  ['attributes["gen_ai.request.model"] == "gpt-4o" and duration > 10s', false],
  ['kind == SPAN_KIND_SERVER or HasEvent("exception")', true],
  ['not (kind == SPAN_KIND_SERVER or HasEvent("exception"))', false],
  ['true', true],
  ['false or not false', true],
];

describe('closure semantics', () => {
  const span = makeSpan(llm);
  it.each(table)('%s -> %s', (condition, expected) => {
    expect(compileCondition(condition).match(span)).toBe(expected);
  });

  it('clamps negative durations to 0 like storage does', () => {
    const backwards = makeSpan({ duration: -5n });
    expect(compileCondition('duration == 0').match(backwards)).toBe(true);
    expect(compileCondition(`end_time == ${T0}`).match(backwards)).toBe(true);
  });

  it('counts string length in UTF-8 bytes, as OTTL (Go len) and ClickHouse length() do', () => {
    const s = makeSpan({ name: 'é😀' });
    expect(compileCondition('Len(name) == 6').match(s)).toBe(true);
  });

  it('is built once and reused across spans', () => {
    const c = compileCondition('IsMatch(name, "^chat") and attributes["tokens"] > 100');
    const spans = [makeSpan(llm), makeSpan({ name: 'chat', attrs: { tokens: 5 } }), makeSpan({ name: 'x' })];
    expect(spans.map(c.match)).toEqual([true, false, false]);
  });
});
