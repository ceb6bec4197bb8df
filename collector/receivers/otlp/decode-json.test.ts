import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeJson } from './decode.js';
import { Dropped } from './limits.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

/** A request with one span, built from the span's JSON fields. */
function oneSpan(span: Record<string, unknown>): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, ...span }] }] }] });
}
const attrsOf = (value: Record<string, unknown>) =>
  decodeJson(oneSpan({ attributes: [{ key: 'k', value }] })).spans[0].attributes.k;

describe('decodeJson', () => {
  it('decodes the OTLP specification example exactly', () => {
    const text = readFileSync(new URL('./testdata/trace.json', import.meta.url), 'utf8');
    const { spans, rejected } = decodeJson(text);
    expect(rejected).toBe(0);
    expect(spans).toHaveLength(1);
    const s = spans[0];
    expect(s.traceId).toBe(TRACE);
    expect(s.spanId).toBe(SPAN);
    expect(s.parentSpanId).toBe('eee19b7ec3c1b173');
    expect(s.name).toBe("I'm a server span");
    expect(s.kind).toBe(2);
    expect(s.startTimeUnixNano).toBe(1544712660000000000n);
    expect(s.endTimeUnixNano).toBe(1544712661000000000n);
    expect(s.attributes).toStrictEqual({ 'my.span.attr': 'some value' });
    expect(s.events).toStrictEqual([]);
    expect(s.links).toStrictEqual([]);
    expect(s.status).toStrictEqual({ code: 0, message: '' });
    expect(s.scope).toStrictEqual({ name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' } });
    expect(s.resource).toStrictEqual({ attributes: { 'service.name': 'my.service' }, serviceName: 'my.service', schemaUrl: '' });
  });

  it('accepts proto field names, enum names, numbers for 64-bit fields and ignores unknown keys', () => {
    const text = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }], dropped_attributes_count: 0 },
          schema_url: 'https://example.com/schema',
          scope_spans: [
            {
              scope: { name: 'lib' },
              spans: [
                {
                  trace_id: TRACE.toUpperCase(),
                  span_id: SPAN,
                  parent_span_id: '',
                  trace_state: 'a=b',
                  name: 'op',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: 1544712660000000000,
                  end_time_unix_nano: '9223372036854775807',
                  flags: '257',
                  events: [{ time_unix_nano: '9007199254740993', name: 'e', attributes: [] }],
                  links: [{ trace_id: TRACE, span_id: SPAN, trace_state: 'x=y', attributes: [{ key: 'l', value: { bool_value: true } }] }],
                  status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
                  somethingFromTheFuture: { nested: [1, 2, 3] },
                },
              ],
            },
          ],
        },
      ],
    });
    const s = decodeJson(text).spans[0];
    expect(s).toMatchObject({ traceId: TRACE, spanId: SPAN, traceState: 'a=b', name: 'op', kind: 2, flags: 257 });
    expect(s.startTimeUnixNano).toBe(1544712660000000000n);
    expect(s.endTimeUnixNano).toBe(9223372036854775807n);
    expect(s.events).toStrictEqual([{ timeUnixNano: 9007199254740993n, name: 'e', attributes: {} }]);
    expect(s.links).toStrictEqual([{ traceId: TRACE, spanId: SPAN, traceState: 'x=y', attributes: { l: true } }]);
    expect(s.status).toStrictEqual({ code: 2, message: 'bad' });
    expect(s.resource).toMatchObject({ serviceName: 'svc', schemaUrl: 'https://example.com/schema' });
  });

  it('maps AnyValue: int64 as number or string, doubles, bytes, nesting, unset', () => {
    expect(attrsOf({ intValue: 42 })).toBe(42);
    expect(attrsOf({ intValue: '42' })).toBe(42);
    expect(attrsOf({ intValue: '-7' })).toBe(-7);
    expect(attrsOf({ intValue: '9007199254740993' })).toBe(9007199254740993n);
    expect(attrsOf({ intValue: '-9223372036854775808' })).toBe(-9223372036854775808n);
    expect(attrsOf({ doubleValue: 1.5 })).toBe(1.5);
    expect(attrsOf({ doubleValue: 'NaN' })).toBeNaN();
    expect(attrsOf({ doubleValue: '-Infinity' })).toBe(-Infinity);
    expect(attrsOf({ boolValue: false })).toBe(false);
    expect(attrsOf({ stringValue: '' })).toBe('');
    expect(attrsOf({ bytesValue: 'AAH/' })).toStrictEqual(new Uint8Array([0, 1, 255]));
    expect(attrsOf({ bytesValue: 'AAH_' })).toStrictEqual(new Uint8Array([0, 1, 255])); // URL-safe alphabet
    expect(attrsOf({})).toBeNull();
    expect(attrsOf({ arrayValue: { values: [{ intValue: 1 }, { arrayValue: { values: [{ stringValue: 'x' }, {}] } }] } })).toStrictEqual([1, ['x', null]]);
    expect(attrsOf({ kvlistValue: { values: [{ key: 'a', value: { kvlistValue: { values: [{ key: 'b', value: { doubleValue: 2 } }] } } }, { key: 'n' }] } })).toStrictEqual({ a: { b: 2 }, n: null });
    expect(attrsOf({ arrayValue: {} })).toStrictEqual([]);
  });

  it('rejects spans with invalid ids, keeps the rest', () => {
    const spans = [
      { traceId: TRACE, spanId: SPAN, name: 'good' },
      { traceId: 'abcdef', spanId: SPAN, name: '3-byte trace id' },
      { traceId: TRACE, spanId: '0000000000000000', name: 'zero span id' },
      { traceId: 'zz8efff798038103d269b633813fc60c', spanId: SPAN, name: 'bad hex' },
      { traceId: TRACE.slice(1), spanId: SPAN, name: 'odd length' },
      { traceId: TRACE, spanId: SPAN, parentSpanId: 'xyz', name: 'bad parent' },
      { traceId: TRACE, spanId: SPAN, links: [{ traceId: TRACE, spanId: '01' }], name: 'bad link' },
      { traceId: TRACE.toUpperCase(), spanId: SPAN.toUpperCase(), parentSpanId: '0000000000000000', name: 'upper case' },
    ];
    const out = decodeJson(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
    expect(out.spans.map((s) => s.name)).toStrictEqual(['good', 'upper case']);
    expect(out.spans[1]).toMatchObject({ traceId: TRACE, spanId: SPAN, parentSpanId: '' });
    expect(out.rejected).toBe(6);
    expect(out.rejectReason.split('\n')).toStrictEqual([
      'trace_id must be 16 bytes, got 3 (1 span)',
      'span_id must not be all zero (1 span)',
      'trace_id is not valid hex (2 spans)',
      'parent_span_id is not valid hex (1 span)',
      'link span_id must be 8 bytes, got 1 (1 span)',
    ]);
  });

  it('throws DecodeError naming the path of a wrongly typed field', () => {
    const spans = (s: object) => ({ spans: [{}, {}, {}, s] });
    const text = JSON.stringify({ resourceSpans: [{ scopeSpans: [{}, spans({ startTimeUnixNano: 'soon' })] }] });
    expectDecodeError(text, 'resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano: expected an integer');
    expectDecodeError('{"resourceSpans":{}}', 'resourceSpans: expected an array');
    expectDecodeError('{"resourceSpans":[null]}', 'resourceSpans[0]: expected an object');
    expectDecodeError('{"resourceSpans":[{"resource":[]}]}', 'resourceSpans[0].resource: expected an object');
    expectDecodeError(oneSpan({ name: 5 }), 'resourceSpans[0].scopeSpans[0].spans[0].name: expected a string');
    expectDecodeError(oneSpan({ traceId: 7 }), 'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex string');
    expectDecodeError(oneSpan({ kind: 'SERVER' }), /spans\[0\]\.kind: expected one of SPAN_KIND_UNSPECIFIED, .* or its number$/);
    expectDecodeError(oneSpan({ kind: 1.5 }), /spans\[0\]\.kind: expected one of/);
    expectDecodeError(oneSpan({ endTimeUnixNano: -1 }), 'resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: expected an integer');
    expectDecodeError(oneSpan({ endTimeUnixNano: '18446744073709551616' }), /endTimeUnixNano: integer out of range for fixed64$/);
    expectDecodeError(oneSpan({ status: { code: true } }), /spans\[0\]\.status\.code: expected one of/);
    expectDecodeError(oneSpan({ events: [{ name: 'e', attributes: [{ key: 'k', value: { intValue: 1.5 } }] }] }),
      'resourceSpans[0].scopeSpans[0].spans[0].events[0].attributes[0].value.intValue: expected an integer');
    expectDecodeError(oneSpan({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }), /intValue: integer out of range for int64$/);
    expectDecodeError(oneSpan({ attributes: [{ key: 'k', value: { arrayValue: { values: [{ kvlistValue: { values: [{ key: 'x', value: { boolValue: 'yes' } }] } }] } } }] }),
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0].kvlistValue.values[0].value.boolValue: expected a boolean');
    expectDecodeError(oneSpan({ attributes: [{ key: 'k', value: { bytesValue: 'not base64!' } }] }), /bytesValue: expected base64$/);
    expectDecodeError(oneSpan({ attributes: [{ key: 3, value: {} }] }), /attributes\[0\]\.key: expected a string$/);
  });

  it('throws DecodeError for text that is not a JSON object', () => {
    expectDecodeError('{"resourceSpans": [', /^invalid JSON: /);
    expectDecodeError('nope', /^invalid JSON: /);
    for (const text of ['[]', 'null', '"x"', '3', 'true']) expectDecodeError(text, 'request: expected a JSON object');
  });

  it('decodes an empty body, {}, null fields and bytes input', () => {
    const empty = { spans: [], rejected: 0, rejectReason: '', dropped: new Dropped() };
    expect(decodeJson('')).toStrictEqual(empty);
    expect(decodeJson(' \n')).toStrictEqual(empty);
    expect(decodeJson('{}')).toStrictEqual(empty);
    expect(decodeJson(new Uint8Array(0))).toStrictEqual(empty);
    expect(decodeJson('{"resourceSpans":null}')).toStrictEqual(empty);
    const withNulls = oneSpan({ name: null, kind: null, attributes: null, status: null, events: null });
    expect(decodeJson(withNulls).spans[0]).toMatchObject({ name: '', kind: 0, attributes: {}, events: [] });
    const bytes = new TextEncoder().encode('\uFEFF' + oneSpan({ name: 'ünïcode' }));
    expect(decodeJson(bytes).spans[0].name).toBe('ünïcode');
  });

  it('stores a "__proto__" attribute as data', () => {
    const attrs = decodeJson(oneSpan({ attributes: [{ key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } }] })).spans[0].attributes;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toStrictEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

function expectDecodeError(text: string, message: string | RegExp): void {
  let caught: unknown;
  try {
    decodeJson(text);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DecodeError);
  const err = caught as DecodeError;
  expect(err.code).toBe('DECODE_ERROR');
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
}
