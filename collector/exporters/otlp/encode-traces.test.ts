import { describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest } from '../../../proto/otlp.js';
import { decodeProtobuf } from '../../receivers/otlp/decode.js';
import type { Resource, Scope, Span } from '../../model/span.js';
import { encodeTraces } from './encode-traces.js';

const resource: Resource = { attributes: { 'service.name': 'checkout', 'host.cpu.count': 8 }, serviceName: 'checkout', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
const other: Resource = { attributes: { 'service.name': 'search' }, serviceName: 'search', schemaUrl: '', droppedAttributesCount: 4 };
const scope: Scope = { name: 'my.lib', version: '1.2.3', attributes: { 'scope.attr': true }, droppedAttributesCount: 5 };
const scope2: Scope = { name: 'other.lib', version: '', attributes: {} };

function span(over: Partial<Span>): Span {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    traceState: '',
    flags: 0,
    name: 'span',
    kind: 0,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_001_000_000_000n,
    attributes: {},
    events: [],
    links: [],
    status: { code: 0, message: '' },
    resource,
    scope,
    ...over,
  };
}

const spans: Span[] = [
  span({
    name: 'chat gpt-4o',
    kind: 3,
    flags: 0x301,
    traceState: 'vendor=abc',
    parentSpanId: '00f067aa0ba902b7',
    attributes: {
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 1234,
      temperature: 0.7,
      negative: -42,
      big: 2n ** 62n,
      bigNegative: -(2n ** 60n),
      stream: true,
      reasons: ['stop', 'length'],
      nested: { a: [1, { b: 'c' }], d: null },
      bytes: new Uint8Array([0, 1, 255]),
      empty: '',
      nothing: null,
      unicode: 'héllo → 世界 🙂',
      long: 'x'.repeat(100_000),
    },
    events: [
      { timeUnixNano: 1_700_000_000_500_000_001n, name: 'gen_ai.content.prompt', attributes: { prompt: 'Say hi' } },
      { timeUnixNano: 1_700_000_000_600_000_000n, name: 'bare', attributes: {} },
    ],
    links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceState: 'x=1', attributes: { 'link.n': 2 } }],
    status: { code: 2, message: 'rate limited' },
    droppedAttributesCount: 3,
    droppedEventsCount: 2,
    droppedLinksCount: 1,
  }),
  span({ spanId: '1111111111111111', name: 'second, same scope' }),
  span({ spanId: '2222222222222222', name: 'other scope', scope: scope2 }),
  span({ spanId: '3333333333333333', name: 'other resource', resource: other, scope: scope2, endTimeUnixNano: 2n ** 63n - 1n }),
];

describe('encodeTraces', () => {
  it('round-trips through spansift’s decoder', () => {
    const decoded = decodeProtobuf(encodeTraces(spans));
    expect(decoded.rejected).toBe(0);
    expect(decoded.spans).toHaveLength(spans.length);
    for (const [i, s] of spans.entries()) {
      const d = decoded.spans[i];
      const { resource: r, scope: sc, ...rest } = s;
      const { resource: dr, scope: dsc, ...drest } = d;
      expect(drest).toEqual(rest);
      expect(dr).toEqual(r);
      expect(dsc).toEqual(sc);
    }
  });

  it('groups spans by resource and scope as the protobuf reflection types read them', () => {
    const msg = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(encodeTraces(spans)), { longs: String }) as {
      resourceSpans: { schemaUrl?: string; scopeSpans: { scope: { name: string }; spans: { name: string }[] }[] }[];
    };
    expect(msg.resourceSpans.map((rs) => rs.scopeSpans.map((ss) => [ss.scope.name, ss.spans.map((s) => s.name)]))).toEqual([
      [
        ['my.lib', ['chat gpt-4o', 'second, same scope']],
        ['other.lib', ['other scope']],
      ],
      [['other.lib', ['other resource']]],
    ]);
    expect(msg.resourceSpans[0].schemaUrl).toBe(resource.schemaUrl);
  });

  it('encodes nothing as an empty request', () => {
    expect(encodeTraces([])).toHaveLength(0);
  });
});
