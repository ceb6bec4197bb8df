import type { Span } from '../../collector/model/span.js';
import { makeSpan, T0 } from './condition.js';

/** Data for backends-agree.test.ts: spans, conditions, and the known differences. */
export const HOSTILE = [
  `'; DROP TABLE otel_traces; --`,
  `a"b\\c`,
  'ключ🔑',
  '{p0:String}',
  'new\nline',
  "x'); DROP TABLE otel_traces; --",
];
const [K_SQL, K_QUOTE, K_UNI, K_PARAM, K_NL, V_SQL] = HOSTILE;

const MODEL = 'gen_ai.request.model';
const S = 1_000_000_000n;

export function agreementSpans(): Span[] {
  let n = 0;
  const id = () => (++n).toString(16).padStart(16, '0');
  return [
    makeSpan({ id: id(), duration: 6n * S, status: { code: 2, message: 'rate limited' }, events: ['prompt', 'exception'],
      attrs: { [MODEL]: 'gpt-4o', tokens: 150, cached: true, temperature: 0.7 } }),
    makeSpan({ id: id(), name: 'chat gpt-4o-mini', kind: 2, duration: S, status: { code: 1, message: '' },
      attrs: { [MODEL]: 'gpt-4o-mini', tokens: 50, cached: false } }),
    makeSpan({ id: id(), name: 'agent step', kind: 1, duration: 12n * S, attrs: { [MODEL]: 'gpt-4o', tokens: 2000, temperature: 0.2 } }),
    makeSpan({ id: id(), name: 'chat claude', kind: 4, duration: S / 2n, attrs: { [MODEL]: 'claude-3', tokens: 99.5 } }),
    makeSpan({ id: id(), name: K_SQL, attrs: { [K_SQL]: V_SQL, [MODEL]: V_SQL } }),
    makeSpan({ id: id(), name: 'quote " and backslash \\', status: { code: 2, message: `he said "no" \\ '` },
      attrs: { [K_QUOTE]: 'quote " and backslash \\ end' } }),
    makeSpan({ id: id(), name: 'ünïcødé 😀', attrs: { [K_UNI]: 'значение 😀', emoji: '😀' } }),
    makeSpan({ id: id(), name: '\uffff', attrs: { emoji: '\uffff' } }),
    makeSpan({ id: id(), name: '😀', attrs: { big: 9007199254740993n, neg: -5 } }),
    makeSpan({ id: id(), attrs: { tags: ['a', 'b', 'c'], meta: { k: 1 }, bytes: new Uint8Array([1, 2, 255]) } }),
    makeSpan({ id: id(), attrs: { [K_PARAM]: '{p1:String}', [K_NL]: 'x\ny' } }),
    makeSpan({ id: id(), name: '', kind: 0, attrs: { empty: '' }, status: { code: 0, message: '' } }),
    makeSpan({ id: id(), name: 'backwards', duration: -5n, attrs: { tokens: 0 } }),
    makeSpan({ id: id(), name: 'consume', kind: 5, resource: { 'service.name': 'worker', region: 'eu' },
      scope: { name: 'kafka', version: '2.0' } }),
    makeSpan({ id: id(), name: 'huge', attrs: { huge: 1e21, tiny: 5e-7 } }),
    makeSpan({ id: id(), name: 'bare', attrs: {}, resource: {} }),
    makeSpan({ id: id(), name: 'many events', events: ['a', 'b', 'c', 'exception'], attrs: { tokens: 101 } }),
    makeSpan({ id: id(), name: 'child', parentSpanId: '00000000000000ff', traceState: 'vendor=1', attrs: { cached: true } }),
    makeSpan({ id: id(), name: 'boundary', duration: 5n * S, attrs: { [MODEL]: 'gpt-4o', tokens: 100 } }),
    makeSpan({ id: id(), name: 'odd kind', kind: 7, status: { code: 2, message: '' }, start: T0 + 10n * S }),
    makeSpan({ id: id(), name: 'GPT-4O SHOUTING', attrs: { [MODEL]: 'GPT-4O' }, duration: 250_000n }),
    makeSpan({ id: id(), name: 'float tokens', attrs: { tokens: 100.0000001, temperature: 1 } }),
  ];
}

const q = JSON.stringify;

export const AGREEMENT_CONDITIONS: string[] = [
  `attributes["${MODEL}"] == "gpt-4o"`,
  `attributes["${MODEL}"] != "gpt-4o"`,
  `attributes["${MODEL}"] == "gpt-4o" and duration > 5s`,
  `attributes["${MODEL}"] == nil`,
  `attributes["${MODEL}"] < "d"`,
  `HasPrefix(attributes["${MODEL}"], "gpt-4o")`,
  `IsMatch(attributes["${MODEL}"], "(?i)^gpt-4o$")`,
  'attributes["tokens"] > 100',
  'attributes["tokens"] >= 100',
  'attributes["tokens"] == 100',
  'attributes["tokens"] != 100',
  'attributes["tokens"] < 99.75',
  'attributes["tokens"] == 99.5',
  'attributes["tokens"] > attributes["temperature"]',
  'attributes["big"] == 9007199254740993',
  'attributes["big"] > 9007199254740992',
  'attributes["neg"] < 0',
  'attributes["huge"] > 1000 or attributes["tiny"] < 0.001',
  'attributes["cached"]',
  'attributes["cached"] == false',
  'attributes["cached"] != true',
  'not attributes["cached"]',
  'attributes["empty"] == ""',
  'attributes["empty"] != nil',
  'attributes["tags"] == attributes["tags"]',
  'Len(attributes["tags"]) == 3 or Len(attributes["meta"]) == 1',
  'IsMatch(attributes["bytes"], "^AQL/$")',
  'String(attributes["tokens"]) == "150"',
  'Int(attributes["tokens"]) == 99',
  'Double(attributes["tokens"]) > 99.0',
  'IsString(attributes["emoji"])',
  'attributes["emoji"] > "\\uffff"',
  'name > "\\uffff"',
  'name < "chat"',
  'Len(name) == 4',
  `attributes[${q(K_SQL)}] == ${q(V_SQL)}`,
  `name == ${q(K_SQL)}`,
  `attributes[${q(K_QUOTE)}] == ${q('quote " and backslash \\ end')}`,
  `status.message == ${q(`he said "no" \\ '`)}`,
  `attributes[${q(K_UNI)}] == "значение 😀"`,
  `IsMatch(name, "😀")`,
  `attributes[${q(K_PARAM)}] == "{p1:String}"`,
  `attributes[${q(K_NL)}] == "x\\ny"`,
  'kind == SPAN_KIND_CLIENT',
  'kind != SPAN_KIND_CLIENT',
  'kind > SPAN_KIND_INTERNAL and kind <= 5',
  'kind == 7',
  'status.code == STATUS_CODE_ERROR',
  'status.code != STATUS_CODE_UNSET and status.message == ""',
  'duration > 5s',
  'duration >= 5s',
  'duration < 1ms',
  'duration == 0',
  'duration > 1.5',
  `start_time > ${T0}`,
  `end_time <= ${T0 + 5n * S}`,
  'Len(events) > 0',
  'Len(events) == 0',
  'HasEvent("exception")',
  'HasEvent("exception") and not HasEvent("prompt")',
  'resource.attributes["service.name"] == "worker"',
  'resource.attributes["service.name"] == nil',
  'instrumentation_scope.name == "kafka" or instrumentation_scope.version == "1.2.0"',
  'parent_span_id == "" and trace_state == ""',
  'trace_id == "00000000000000000000000000000001"',
  'span_id >= "0000000000000010"',
  'not (kind == SPAN_KIND_CLIENT or attributes["tokens"] > 100) and duration > 1s',
  'HasSuffix(name, "4o")',
  'IsMatch(name, "^chat gpt\\\\-4o\\\\b")',
  'Int(String(attributes["tokens"])) > 100',
  'Int(Double(attributes["tokens"])) == 99',
  'String(kind) == "3"',
  'Double(duration) > 5000000000.5',
  'IsString(name) and not IsString(attributes["tokens"])',
  'Len(attributes["emoji"]) == 4',
  'Len(String(attributes["big"])) == 16',
  'attributes["tokens"] == attributes["tokens"]',
  'attributes["tokens"] != attributes["missing"]',
  'attributes["missing"] == attributes["other_missing"]',
  'String(attributes["missing"]) == nil',
  'Int(attributes["cached"]) == 1',
  'Int(attributes["missing"]) != nil',
  'attributes["cached"] > false',
  'IsMatch(attributes["cached"], "^t")',
  'IsMatch(kind, "^[23]$")',
  'HasPrefix(duration, "6")',
  'name == attributes["emoji"]',
  'duration > attributes["tokens"]',
  'kind < attributes["tokens"]',
  'status.code == 2.0',
  'kind == 3.5',
  'Int("42") == attributes["tokens"] or Double("1.5") < attributes["temperature"]',
  '5s < duration',
  'nil == attributes["tokens"]',
  'attributes["tokens"] <= nil',
  'not false and true',
];

/** Atoms for random combination; each is a comparison that agrees on the spans above. */
export const RANDOM_ATOMS = AGREEMENT_CONDITIONS.filter((c) => !c.includes(' and ') && !c.includes(' or '));

export function randomConditions(atoms: string[], count: number, seed: number): string[] {
  let state = seed >>> 0;
  const rand = (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
  const gen = (depth: number): string => {
    const r = Math.floor(rand(depth > 2 ? 1 : 4));
    if (r === 0) return atoms[Math.floor(rand(atoms.length))];
    if (r === 1) return `not (${gen(depth + 1)})`;
    return `(${gen(depth + 1)}) ${r === 2 ? 'and' : 'or'} (${gen(depth + 1)})`;
  };
  return Array.from({ length: count }, () => gen(0));
}

/**
 * Stored attributes are text, so SQL reads an attribute as whatever the other side of the
 * comparison wants. Each case: condition, span ids the closure picks, span ids SQL picks.
 */
export function residualCases(): { spans: Span[]; cases: Array<[string, string[], string[]]> } {
  const spans = [
    makeSpan({ id: 'r1', attrs: { x: '150' } }),
    makeSpan({ id: 'r2', attrs: { x: 5 } }),
    makeSpan({ id: 'r3', attrs: { x: null } }),
    makeSpan({ id: 'r4', attrs: { x: 'true' } }),
    makeSpan({ id: 'r5', attrs: { x: '[1,2]' } }),
  ];
  return {
    spans,
    cases: [
      ['attributes["x"] > 100', [], ['r1']],
      ['attributes["x"] == "5"', [], ['r2']],
      ['attributes["x"] == nil', ['r3'], []],
      ['attributes["x"]', [], ['r4']],
      ['Len(attributes["x"]) == 2', [], ['r5']],
      ['IsString(attributes["x"])', ['r1', 'r4', 'r5'], ['r3']],
    ],
  };
}
