/**
 * The rules benchmark: spans per second through the rules engine alone (condition
 * matching, sampling, limits, item ids), on one core, with 10, 100 and 1,000 rules.
 * Rules mix equality, regex and numeric tests on LLM spans, as ops write them: most test
 * a model, service or span name, plus a few that every span must be tried against. Half
 * of them are written with OTTL's newer constructs (time arithmetic, math, ToLowerCase,
 * ConvertCase, Split, Len, HasPrefix, Concat, ParseKeyValue, kind.string, the dropped
 * counts) in forms that route the same spans.
 * The traffic is the same share of routed spans (about 5%) whatever the number of rules,
 * so the figures compare the cost of choosing rules, not of routing more items.
 */
import { RuleEngine } from '../processors/rules/engine.js';
import type { RuleSpec } from '../config/queues.js';
import { decodeProtobuf } from '../collector/receivers/otlp/decode.js';
import { ExportTraceServiceRequest } from '../proto/otlp.js';
import { randomBytes } from 'node:crypto';
import type { Span } from '../collector/model/span.js';


export function makeRules(n: number): RuleSpec[] {
  const rules: RuleSpec[] = [];
  const base = { sample: 1, enabled: true } as const;
  // Two rules without any equality: every span is tried against them whatever n is.
  rules.push({ ...base, name: 'very-slow', when: 'duration > 30s', route_to: ['q'] });
  rules.push({ ...base, name: 'refusals', when: 'IsMatch(attributes["gen_ai.completion.0.content"], "(?i)^I cannot help")', route_to: ['q'] });
  rules.push({ ...base, name: 'costly-server', when: 'kind.string == "Server" and attributes["gen_ai.usage.output_tokens"] * 2 > 1100', route_to: ['q'] });
  rules.push({ ...base, name: 'truncated', when: 'dropped_attributes_count > 0 or dropped_events_count > 0', route_to: ['q'] });
  for (let i = 0; rules.length < n; i++) {
    const ottl = i % 2 === 0;
    switch (i % 3) {
      case 0: {
        const tokens = ottl
          ? `HasPrefix(ToLowerCase(attributes["gen_ai.system"]), "open") and ConvertCase(attributes["gen_ai.prompt.0.role"], "upper") == "USER" and attributes["gen_ai.usage.output_tokens"] * 2 > ${2 * (100 + (i % 400))}`
          : `attributes["gen_ai.usage.output_tokens"] > ${100 + (i % 400)}`;
        rules.push({ ...base, name: `model-${i}`, when: `attributes["gen_ai.request.model"] == "model-${i}" and ${tokens}`, route_to: ['q'] });
        break;
      }
      case 1: {
        const chat = ottl
          ? 'Len(Split(name, " ")) == 2 and ParseKeyValue(Concat(["kind", kind.string], "="))["kind"] == "Client" and end_time - start_time >= Duration("1s")'
          : 'IsMatch(name, "^chat (gpt|claude)-[0-9]")';
        rules.push({ ...base, name: `svc-${i}`, when: `resource.attributes["service.name"] == "svc-${i}" and ${chat}`, route_to: ['q'] });
        break;
      }
      default: {
        const slow = ottl ? 'end_time - start_time > Duration("5s")' : 'duration > 5s';
        rules.push({ ...base, name: `name-${i}`, when: `name == "op-${i}" and (status.code == STATUS_CODE_ERROR or ${slow})`, route_to: ['q'], sample: 0.5 });
      }
    }
  }
  return rules.slice(0, n);
}

/** Spans whose model, service and name values each hit one of n rules' values about 1 time in 20. */
export function makeSpans(count: number, n: number): Span[] {
  const domain = Math.max(20, n * 20);
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const int = (key: string, v: number) => ({ key, value: { intValue: v } });
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: randomBytes(16),
    spanId: randomBytes(8),
    name: i % 2 === 0 ? `op-${(i * 7919) % domain}` : 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: now.toString(),
    endTimeUnixNano: (now + BigInt(1 + (i % 7)) * 1_000_000_000n).toString(),
    status: { code: i % 11 === 0 ? 2 : 0 },
    attributes: [
      str('gen_ai.system', 'openai'),
      str('gen_ai.request.model', `model-${(i * 104729) % domain}`),
      int('gen_ai.usage.input_tokens', 800),
      int('gen_ai.usage.output_tokens', (i * 37) % 600),
      str('gen_ai.prompt.0.role', 'user'),
      str('gen_ai.prompt.0.content', 'Summarise the following support ticket for an engineer.'),
      str('gen_ai.completion.0.role', 'assistant'),
      str('gen_ai.completion.0.content', i % 97 === 0 ? 'I cannot help with that.' : 'The customer reports a failed payment.'),
    ],
  }));
  const body = ExportTraceServiceRequest.encode(
    ExportTraceServiceRequest.fromObject({
      resourceSpans: Array.from({ length: 50 }, (_, r) => ({
        resource: { attributes: [str('service.name', `svc-${(r * 7 * 20 + 1) % domain}`)] },
        scopeSpans: [{ scope: { name: 'bench' }, spans: spans.filter((_, i) => i % 50 === r) }],
      })),
    }),
  ).finish();
  return decodeProtobuf(body).spans;
}

export interface RulesResult {
  rules: number;
  spansPerSecond: number;
  routedPerSpan: number;
}

export function runRules(n: number, spans: Span[], seconds = 2): RulesResult {
  const engine = new RuleEngine(makeRules(n));
  let routed = 0;
  const now = Date.now();
  for (let i = 0; i < spans.length; i++) engine.route(spans[i], now); // warm up
  let done = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < spans.length; i++) routed += engine.route(spans[i], now).length;
    done += spans.length;
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { rules: n, spansPerSecond: done / elapsed, routedPerSpan: routed / done };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const n of [10, 100, 1000]) console.log(JSON.stringify(runRules(n, makeSpans(20_000, n))));
}
