import { describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest } from '../../../proto/otlp.js';
import { DecodeError, decodeJson, decodeProtobuf, decodeProtobufAsync } from './decode.js';
import { DEFAULT_SPAN_LIMITS, Dropped, truncateString, type SpanLimits } from './limits.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const LIMITS: SpanLimits = { maxAttributes: 3, maxValueLength: 5, maxEvents: 2, maxLinks: 1, maxAttributesPerEvent: 1, maxAttributesPerLink: 2 };
const kvs = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: { stringValue: `v${i}` } }));

/** One span with `n` of everything, as OTLP JSON and as protobuf. */
function request(n: number, extra: Record<string, unknown> = {}) {
  const span = {
    traceId: TRACE,
    spanId: SPAN,
    name: 'op',
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000000000001',
    attributes: [...kvs(n), { key: 'long', value: { stringValue: 'abcdefgh' } }],
    events: Array.from({ length: n }, (_, i) => ({ timeUnixNano: '1700000000000000000', name: `e${i}`, attributes: kvs(n) })),
    links: Array.from({ length: n }, () => ({ traceId: TRACE, spanId: SPAN, attributes: kvs(n) })),
    ...extra,
  };
  const body = { resourceSpans: [{ resource: { attributes: kvs(n, 'r') }, scopeSpans: [{ scope: { name: 's', attributes: kvs(n, 's') }, spans: [span] }] }] };
  const ids = (o: { traceId: string; spanId: string }) => ({ ...o, traceId: Buffer.from(o.traceId, 'hex'), spanId: Buffer.from(o.spanId, 'hex') });
  const pbSpan = { ...ids(span), links: span.links.map(ids) };
  const pb = ExportTraceServiceRequest.encode(
    ExportTraceServiceRequest.fromObject({ resourceSpans: [{ ...body.resourceSpans[0], scopeSpans: [{ ...body.resourceSpans[0].scopeSpans[0], spans: [pbSpan] }] }] }),
  ).finish();
  return { json: JSON.stringify(body), pb };
}

const decoders = {
  json: (r: ReturnType<typeof request>, l?: SpanLimits) => decodeJson(r.json, l),
  protobuf: (r: ReturnType<typeof request>, l?: SpanLimits) => decodeProtobuf(r.pb, l),
};

describe('span limits', () => {
  it('skips attributes past the limit whatever their length, and refuses every cut of such a request (protobuf)', () => {
    // Lengths of one, two and three bytes among the skipped attributes of span, resource, scope, event and link.
    const sized = [...kvs(3), { key: 'mid', value: { stringValue: 'm'.repeat(200) } }, { key: 'big', value: { stringValue: 'b'.repeat(17_000) } }, ...kvs(2, 'after')];
    const r = request(0, {
      attributes: sized,
      events: [{ timeUnixNano: '1700000000000000000', name: 'e', attributes: sized }],
      links: [{ traceId: TRACE, spanId: SPAN, attributes: sized }],
    });
    const { spans, dropped } = decodeProtobuf(r.pb, LIMITS);
    expect(Object.keys(spans[0].attributes)).toEqual(['k0', 'k1', 'k2']);
    expect(spans[0].droppedAttributesCount).toBe(4);
    expect(Object.keys(spans[0].events[0].attributes)).toEqual(['k0']);
    expect(Object.keys(spans[0].links[0].attributes)).toEqual(['k0', 'k1']);
    expect(dropped.attributes).toBe(4 + 6 + 5);
    for (let n = 1; n < r.pb.length; n++) expect(() => decodeProtobuf(r.pb.subarray(0, n), LIMITS), `cut at ${n}`).toThrow(DecodeError);
  });

  for (const [format, decode] of Object.entries(decoders)) {
    it(`keeps the first of each and counts what it drops (${format})`, () => {
      const { spans, dropped } = decode(request(4), LIMITS);
      const s = spans[0];
      expect(Object.keys(s.attributes)).toEqual(['k0', 'k1', 'k2']);
      expect(Object.keys(s.resource.attributes)).toEqual(['r0', 'r1', 'r2']);
      expect(Object.keys(s.scope.attributes)).toEqual(['s0', 's1', 's2']);
      expect(s.events.map((e) => e.name)).toEqual(['e0', 'e1']);
      expect(s.events.map((e) => Object.keys(e.attributes))).toEqual([['k0'], ['k0']]);
      expect(s.links.map((l) => Object.keys(l.attributes))).toEqual([['k0', 'k1']]);
      // span 2 (k3 + long), resource 1, scope 1, events 2 x 3, link 2.
      expect({ ...dropped }).toEqual({ attributes: 12, events: 2, links: 3, truncatedValues: 0 });
    });

    it(`cuts long string values, also in arrays and maps (${format})`, () => {
      const nested = { key: 'nested', value: { arrayValue: { values: [{ stringValue: '123456' }, { kvlistValue: { values: [{ key: 'x', value: { stringValue: 'abcdefg' } }] } }] } } };
      const { spans, dropped } = decode(request(1, { attributes: [{ key: 'long', value: { stringValue: 'abcdefgh' } }, nested] }), LIMITS);
      expect(spans[0].attributes).toEqual({ long: 'abcde', nested: ['12345', { x: 'abcde' }] });
      expect(dropped.truncatedValues).toBe(3);
    });

    it(`bounds the entries of a map value as an attribute list (${format})`, () => {
      const map = { key: 'map', value: { kvlistValue: { values: kvs(5, 'm') } } };
      const { spans, dropped } = decode(request(0, { attributes: [map] }), LIMITS);
      expect(spans[0].attributes).toEqual({ map: { m0: 'v0', m1: 'v1', m2: 'v2' } });
      expect(dropped.attributes).toBe(2);
    });

    it(`applies limits generous for LLM spans by default (${format})`, () => {
      const { spans, dropped } = decode(request(200));
      expect(Object.keys(spans[0].attributes)).toHaveLength(201);
      expect(spans[0].events).toHaveLength(200);
      expect(spans[0].links).toHaveLength(128);
      expect({ ...dropped }).toEqual({ attributes: 128 * 72 + 200 * 72, events: 0, links: 72, truncatedValues: 0 });
      expect(DEFAULT_SPAN_LIMITS.maxValueLength).toBe(4 * 1024 * 1024);
    });

    it(`refuses spans whose times DateTime64(9) cannot hold (${format})`, () => {
      const max = '9223372036854775807';
      for (const [extra, field] of [
        [{ startTimeUnixNano: '9223372036854775808' }, 'start_time_unix_nano'],
        [{ endTimeUnixNano: '18446744073709551615' }, 'end_time_unix_nano'],
        [{ events: [{ timeUnixNano: '18446744073709551615', name: 'e' }] }, 'event time_unix_nano'],
      ] as const) {
        const out = decode(request(0, extra));
        expect(out.spans).toEqual([]);
        expect(out.rejected).toBe(1);
        expect(out.rejectReason).toBe(`${field} is after 2262-04-11T23:47:16.854775807Z, the latest time storage holds (1 span)`);
      }
      expect(decode(request(0, { startTimeUnixNano: max, endTimeUnixNano: max })).spans).toHaveLength(1);
    });
  }

  it('cuts a string before, not inside, a surrogate pair', () => {
    const d = new Dropped();
    expect(truncateString('ab😀cd', 3, d)).toBe('ab');
    expect(truncateString('ab😀cd', 4, d)).toBe('ab😀');
    expect(truncateString('abc', 3, d)).toBe('abc');
    expect(truncateString('abcdef', 0, d)).toBe('abcdef');
    expect(d.truncatedValues).toBe(2);
  });

  it('decodes the same in slices as at once', async () => {
    const r = request(50);
    expect(await decodeProtobufAsync(r.pb, LIMITS)).toEqual(decodeProtobuf(r.pb, LIMITS));
  });
});

describe('lone surrogates in OTLP/JSON', () => {
  it('become U+FFFD in every string field; valid pairs stay', () => {
    const lone = '\ud800';
    const kv = (k: string, v: string) => ({ key: k + lone, value: { stringValue: v + lone } });
    const text = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', 'svc')] },
          schemaUrl: `u${lone}`,
          scopeSpans: [
            {
              scope: { name: `s${lone}`, version: `v${lone}`, attributes: [kv('sk', 'sv')] },
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  traceState: `t${lone}`,
                  name: `n${lone} \udc00 😀`,
                  attributes: [kv('a', 'b'), { key: 'arr', value: { arrayValue: { values: [{ stringValue: `x${lone}` }] } } }],
                  events: [{ name: `e${lone}`, attributes: [kv('ek', 'ev')] }],
                  links: [{ traceId: TRACE, spanId: SPAN, traceState: `l${lone}`, attributes: [kv('lk', 'lv')] }],
                  status: { message: `m${lone}` },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(text).toContain('\\ud800');
    const s = decodeJson(text).spans[0];
    const R = '\ufffd';
    expect(s.name).toBe(`n${R} ${R} 😀`);
    expect(s.traceState).toBe(`t${R}`);
    expect(s.attributes).toEqual({ [`a${R}`]: `b${R}`, arr: [`x${R}`] });
    expect(s.resource).toMatchObject({ attributes: { [`service.name${R}`]: `svc${R}` }, schemaUrl: `u${R}` });
    expect(s.scope).toEqual({ name: `s${R}`, version: `v${R}`, attributes: { [`sk${R}`]: `sv${R}` } });
    expect(s.events[0]).toMatchObject({ name: `e${R}`, attributes: { [`ek${R}`]: `ev${R}` } });
    expect(s.links[0]).toMatchObject({ traceState: `l${R}`, attributes: { [`lk${R}`]: `lv${R}` } });
    expect(s.status.message).toBe(`m${R}`);
    // Given as a string (not bytes), a raw lone surrogate is repaired too.
    expect(decodeJson(text.replace('\\ud800', '\ud800')).spans[0].traceState).toBe(`t${R}`);
  });
});
