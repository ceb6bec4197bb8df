import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest } from '../../../proto/otlp.js';
import { DecodeError, decodeProtobuf } from './decode.js';
import { Dropped } from './limits.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const id = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** Encodes with protobufjs reflection from the .proto files: the walker must agree with them. */
function encode(resourceSpans: object[]): Uint8Array {
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans })).finish();
}

function oneSpan(span: object, resourceAttrs: object[] = []): Uint8Array {
  return encode([{ resource: { attributes: resourceAttrs }, scopeSpans: [{ spans: [span] }] }]);
}

const kv = (key: string, value: object) => ({ key, value });
const validIds = { traceId: id(TRACE), spanId: id('eee19b7ec3c1b174') };

describe('decodeProtobuf', () => {
  it('reads every Span field at the field numbers of the .proto files', () => {
    const buf = encode([
      {
        resource: { attributes: [kv('service.name', { stringValue: 'svc' })] },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: { name: 'lib', version: '1.0', attributes: [kv('s', { boolValue: true })] },
            spans: [
              {
                ...validIds,
                parentSpanId: id('eee19b7ec3c1b173'),
                traceState: 'a=b',
                flags: 0x301,
                name: 'op',
                kind: 5,
                startTimeUnixNano: '1544712660000000000',
                endTimeUnixNano: '9223372036854775807',
                attributes: [kv('k', { stringValue: 'v' })],
                droppedAttributesCount: 3,
                events: [{ timeUnixNano: '9007199254740993', name: 'ev', attributes: [kv('e', { intValue: 7 })] }],
                links: [{ traceId: id('0af7651916cd43dd8448eb211c80319c'), spanId: id('b7ad6b7169203331'), traceState: 'x=y', attributes: [kv('l', { doubleValue: 0.5 })], flags: 1 }],
                status: { code: 2, message: 'boom' },
              },
            ],
          },
        ],
      },
    ]);
    const { spans, rejected } = decodeProtobuf(buf);
    expect(rejected).toBe(0);
    expect(spans).toHaveLength(1);
    const s = spans[0];
    expect(s).toMatchObject({
      traceId: TRACE,
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'eee19b7ec3c1b173',
      traceState: 'a=b',
      flags: 0x301,
      name: 'op',
      kind: 5,
      attributes: { k: 'v' },
      status: { code: 2, message: 'boom' },
    });
    expect(s.startTimeUnixNano).toBe(1544712660000000000n);
    expect(s.endTimeUnixNano).toBe(9223372036854775807n);
    expect(s.events).toStrictEqual([{ timeUnixNano: 9007199254740993n, name: 'ev', attributes: { e: 7 } }]);
    expect(s.links).toStrictEqual([
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'x=y', attributes: { l: 0.5 } },
    ]);
    expect(s.resource).toStrictEqual({ attributes: { 'service.name': 'svc' }, serviceName: 'svc', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
    expect(s.scope).toStrictEqual({ name: 'lib', version: '1.0', attributes: { s: true } });
  });

  it('maps every AnyValue kind, with nesting', () => {
    const deepList = { arrayValue: { values: [{ intValue: 1 }, { arrayValue: { values: [{ stringValue: 'x' }, {}] } }] } };
    const buf = oneSpan({
      ...validIds,
      attributes: [
        kv('str', { stringValue: 'é' }),
        kv('bool', { boolValue: false }),
        kv('int', { intValue: 42 }),
        kv('neg', { intValue: -5 }),
        kv('big', { intValue: '9007199254740993' }),
        kv('min', { intValue: '-9223372036854775808' }),
        kv('dbl', { doubleValue: -1.25 }),
        kv('bytes', { bytesValue: Buffer.from([0, 1, 255]) }),
        kv('list', deepList),
        kv('map', { kvlistValue: { values: [kv('a', { intValue: 1 }), kv('b', { kvlistValue: { values: [kv('c', deepList)] } })] } }),
        kv('unset', {}),
        { key: 'no-value' },
        kv('dup', { stringValue: 'first' }),
        kv('dup', { stringValue: 'last' }),
        kv('__proto__', { stringValue: 'not a prototype' }),
      ],
    });
    const attrs = decodeProtobuf(buf).spans[0].attributes;
    const list = [1, ['x', null]];
    expect(attrs).toStrictEqual({
      str: 'é',
      bool: false,
      int: 42,
      neg: -5,
      big: 9007199254740993n,
      min: -9223372036854775808n,
      dbl: -1.25,
      bytes: new Uint8Array([0, 1, 255]),
      list,
      map: { a: 1, b: { c: list } },
      unset: null,
      'no-value': null,
      dup: 'last',
      ['__proto__']: 'not a prototype',
    });
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toContain('__proto__');
    expect(attrs.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(attrs.bytes)).toBe(false); // a copy, not a view of the request
  });

  it('rejects spans with invalid ids and keeps the valid ones', () => {
    const good = (n: number) => ({ traceId: id(TRACE), spanId: id(`00000000000000${n.toString(16).padStart(2, '0')}`), name: `good${n}` });
    const buf = encode([
      {
        scopeSpans: [
          {
            spans: [
              good(1),
              { traceId: Buffer.from([1, 2, 3]), spanId: id('0102030405060708'), name: 'short trace' },
              { traceId: id(TRACE), spanId: Buffer.alloc(8), name: 'zero span' },
              { spanId: id('0102030405060708'), name: 'no trace' },
              { traceId: Buffer.alloc(16), spanId: id('0102030405060708'), name: 'zero trace' },
              good(2),
              { ...good(3), parentSpanId: Buffer.from([1, 2, 3, 4, 5]) },
              { ...good(4), links: [{ traceId: Buffer.from([9]), spanId: id('0102030405060708') }] },
              { ...good(5), links: [{ traceId: id(TRACE), spanId: Buffer.alloc(8) }] },
              { traceId: Buffer.from([4, 5, 6]), spanId: id('0102030405060708'), name: 'short trace again' },
              { ...good(6), parentSpanId: Buffer.alloc(8) },
            ],
          },
        ],
      },
    ]);
    const out = decodeProtobuf(buf);
    expect(out.spans.map((s) => s.name)).toStrictEqual(['good1', 'good2', 'good6']);
    expect(out.spans[2].parentSpanId).toBe(''); // eight zero bytes mean "root"
    expect(out.rejected).toBe(8);
    expect(out.rejectReason.split('\n')).toStrictEqual([
      'trace_id must be 16 bytes, got 3 (2 spans)',
      'span_id must not be all zero (1 span)',
      'trace_id must be 16 bytes, got 0 (1 span)',
      'trace_id must not be all zero (1 span)',
      'parent_span_id must be 8 bytes, got 5 (1 span)',
      'link trace_id must be 16 bytes, got 1 (1 span)',
      'link span_id must not be all zero (1 span)',
    ]);
  });

  it('throws DecodeError for every truncation of a valid request', () => {
    const buf = oneSpan({ ...validIds, name: 'op', startTimeUnixNano: '1', attributes: [kv('k', { stringValue: 'v' })] });
    for (let n = 1; n < buf.length; n++) {
      expect(() => decodeProtobuf(buf.subarray(0, n)), `length ${n}`).toThrow(DecodeError);
    }
  });

  it('names the place and the problem of malformed input', () => {
    const buf = encode([{}, { scopeSpans: [{ spans: [{ ...validIds, name: 'a-long-enough-name' }] }] }]);
    const err = catchError(() => decodeProtobuf(buf.subarray(0, buf.length - 4)));
    expect(err).toBeInstanceOf(DecodeError);
    expect(err.code).toBe('DECODE_ERROR');
    expect(err.message).toMatch(/^invalid protobuf ExportTraceServiceRequest at resourceSpans\[1\] \(byte \d+\): length \d+ runs past/);

    // Consistent lengths around a span whose content is an invalid tag (wire type 7).
    const w = protobuf.Writer.create();
    w.uint32(10).fork().uint32(18).fork().uint32(18).fork().uint32(0x0f).ldelim().ldelim().ldelim();
    expect(() => decodeProtobuf(w.finish())).toThrow(
      /^invalid protobuf ExportTraceServiceRequest at resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\] \(byte \d+\): invalid wire type 7/,
    );
    expect(() => decodeProtobuf(new Uint8Array([0x0f]))).toThrow(/invalid wire type 7/);
    expect(() => decodeProtobuf(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(DecodeError);
    expect(() => decodeProtobuf(Buffer.from('{"resourceSpans":[]}'))).toThrow(DecodeError);
  });

  it('refuses absurdly deep AnyValue nesting', () => {
    // Written by hand: protobufjs's own encoder stops at its recursion limit first.
    let value = protobuf.Writer.create().uint32(10).string('leaf').finish();
    for (let i = 0; i < 70; i++) {
      const list = protobuf.Writer.create().uint32(10).bytes(value).finish(); // ArrayValue.values
      value = protobuf.Writer.create().uint32(42).bytes(list).finish(); // AnyValue.array_value
    }
    const w = protobuf.Writer.create();
    w.uint32(10).fork().uint32(18).fork().uint32(18).fork();
    w.uint32(10).bytes(id(TRACE)).uint32(18).bytes(id('eee19b7ec3c1b174'));
    w.uint32(74).fork().uint32(10).string('deep').uint32(18).bytes(value).ldelim();
    w.ldelim().ldelim().ldelim();
    expect(() => decodeProtobuf(w.finish())).toThrow(/spans\[0\] \(byte \d+\): AnyValue nested deeper than 64 levels/);
  });

  it('accepts fields in any order, skips unknown fields and reads plain Uint8Arrays at an offset', () => {
    // ScopeSpans with its spans before its scope, and an unknown field 99 inside the span.
    const w = protobuf.Writer.create();
    w.uint32(10).fork(); // resource_spans
    w.uint32(18).fork(); // scope_spans
    w.uint32(18).fork(); // spans
    w.uint32((99 << 3) | 2).string('future field');
    w.uint32(42).string('op'); // name
    w.uint32(10).bytes(id(TRACE));
    w.uint32(18).bytes(id('eee19b7ec3c1b174'));
    w.ldelim();
    w.uint32(10).fork().uint32(10).string('late-scope').ldelim(); // scope
    w.ldelim();
    w.uint32(10).fork().uint32(10).fork().uint32(10).string('service.name').uint32(18).fork().uint32(10).string('late').ldelim().ldelim().ldelim();
    w.ldelim();
    const bytes = w.finish();
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    const { spans } = decodeProtobuf(new Uint8Array(padded.buffer, 3, bytes.length));
    expect(spans).toHaveLength(1);
    expect(spans[0].name).toBe('op');
    expect(spans[0].scope.name).toBe('late-scope');
    expect(spans[0].resource.serviceName).toBe('late');
  });

  it('returns the right attribute keys however many distinct keys pass the key cache', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? `k${i}` : i % 3 === 1 ? `ключ.${i}.🙂` : `long.${i}.`.padEnd(80, 'x')));
    const spans = Array.from({ length: 100 }, (_, n) => ({
      ...validIds,
      attributes: keys.slice(n * 100, n * 100 + 100).map((k) => kv(k, { stringValue: k })),
    }));
    for (let round = 0; round < 2; round++) {
      const decoded = decodeProtobuf(encode([{ scopeSpans: [{ spans }] }])).spans;
      for (const span of decoded) for (const [k, v] of Object.entries(span.attributes)) expect(k).toBe(v);
      expect(decoded.flatMap((s) => Object.keys(s.attributes))).toStrictEqual(keys);
    }
  });

  it('decodes an empty body to zero spans and a non-string service.name to its string form', () => {
    expect(decodeProtobuf(new Uint8Array(0))).toStrictEqual({ spans: [], rejected: 0, rejectReason: '', dropped: new Dropped() });
    const out = decodeProtobuf(oneSpan(validIds, [kv('service.name', { intValue: 3 })]));
    expect(out.spans[0].resource.serviceName).toBe('3');
  });
});

function catchError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    return err as DecodeError;
  }
  throw new Error('expected a throw');
}
