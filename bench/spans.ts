/**
 * Realistic span shapes for benchmarks: LLM calls (about 1.7 KB of prompt, completion and
 * gen_ai.* attributes) and small HTTP spans (about 350 B), as OTLP protobuf requests and
 * as the decoded spans they carry.
 */
import { randomBytes } from 'node:crypto';
import { ExportTraceServiceRequest } from '../proto/otlp.js';
import { decodeProtobuf } from '../collector/receivers/otlp/decode.js';
import type { Span } from '../collector/model/span.js';

export type Shape = 'llm' | 'small';

const words = 'the model answered with a grounded summary of the retrieved context and cited two sources for each claim it made'.split(' ');
const text = (n: number) => {
  let s = '';
  for (let i = 0; s.length < n; i++) s += words[(i * 7 + n) % words.length] + ' ';
  return s.slice(0, n);
};

type KV = { key: string; value: Record<string, unknown> };
const str = (key: string, v: string): KV => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): KV => ({ key, value: { intValue: v } });
const dbl = (key: string, v: number): KV => ({ key, value: { doubleValue: v } });

function attributes(shape: Shape, i: number): KV[] {
  if (shape === 'small') {
    return [
      str('http.request.method', 'GET'),
      str('url.full', `https://api.example.com/v1/items/${i}?expand=owner`),
      int('http.response.status_code', 200),
      str('server.address', 'api.example.com'),
      int('server.port', 443),
    ];
  }
  return [
    str('gen_ai.system', 'openai'),
    str('gen_ai.operation.name', 'chat'),
    str('gen_ai.request.model', i % 3 ? 'gpt-4o' : 'gpt-4o-mini'),
    str('gen_ai.response.model', 'gpt-4o-2024-08-06'),
    dbl('gen_ai.request.temperature', 0.2),
    int('gen_ai.request.max_tokens', 1024),
    int('gen_ai.usage.input_tokens', 812 + (i % 100)),
    int('gen_ai.usage.output_tokens', 153 + (i % 50)),
    str('gen_ai.prompt.0.role', 'system'),
    str('gen_ai.prompt.0.content', text(180)),
    str('gen_ai.prompt.1.role', 'user'),
    str('gen_ai.prompt.1.content', text(620)),
    str('gen_ai.completion.0.role', 'assistant'),
    str('gen_ai.completion.0.content', text(560)),
    str('gen_ai.response.finish_reasons', 'stop'),
    str('llm.request.type', 'chat'),
  ];
}

/** One OTLP protobuf request of `count` spans with fresh ids. */
export function encodeRequest(shape: Shape, count: number, seed = 0): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = [];
  for (let i = 0; i < count; i++) {
    const start = now + BigInt(i) * 1000n;
    spans.push({
      traceId: randomBytes(16),
      spanId: randomBytes(8),
      parentSpanId: randomBytes(8),
      name: shape === 'llm' ? 'chat gpt-4o' : 'GET /v1/items/{id}',
      kind: 3,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 1_250_000_000n).toString(),
      attributes: attributes(shape, seed + i),
      status: { code: 1 },
    });
  }
  return ExportTraceServiceRequest.encode(
    ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', 'checkout-assistant'), str('deployment.environment', 'production')] },
          scopeSpans: [{ scope: { name: shape === 'llm' ? 'opentelemetry.instrumentation.openai' : 'http', version: '0.44.0' }, spans }],
        },
      ],
    }),
  ).finish();
}

export function decodedSpans(shape: Shape, count: number): Span[] {
  return decodeProtobuf(encodeRequest(shape, count)).spans;
}
