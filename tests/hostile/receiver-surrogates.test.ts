/**
 * Invalid text never gets past the decoder: a JSON `\ud800` escape makes a string with a lone
 * surrogate, which no UTF-8 holds and ClickHouse refuses. The decoder turns each such half into
 * U+FFFD, in every string field, so the request and every concurrent good one succeed, the
 * text is stored as U+FFFD, and rules see the text that is stored. Protobuf text with invalid
 * UTF-8 (an encoded surrogate) is decoded to U+FFFD as well.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, getTrace, type Running } from '../support/spansift.js';
import { hex, jsonRequest, post, protobufRequest } from '../support/otlp.js';

const JSON_CT = { 'content-type': 'application/json' };
const PB = { 'content-type': 'application/x-protobuf' };
const GOOD = 30;
const LONE = ['\ud800', '\udbff', '\udc00', '\udfff'];

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift({
    // One insert at a time, gathering for 50 ms: the bad request shares its insert with good ones.
    storage: { clickhouse: { batch: { max_delay: '50ms', concurrency: 1 } } },
    queues: { qa: { labels: [{ name: 'ok', type: 'boolean' }] } },
    rules: [{ name: 'replaced', when: 'name == "bad \ufffd"', route_to: ['qa'] }],
  });
});
afterAll(() => sift?.stop());

const kv = (key: string, v: unknown) => ({ key, value: v });

/** A request with a lone surrogate in every string field a span has. */
function badRequest(traceId: string): string {
  const s = (i: number) => LONE[i % LONE.length];
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', { stringValue: `svc ${s(0)}` }), kv(`res ${s(1)}`, { stringValue: `v ${s(2)}` })] },
        scopeSpans: [
          {
            scope: { name: `scope ${s(3)}`, version: `1.${s(0)}`, attributes: [kv(`sk ${s(1)}`, { stringValue: s(2) })] },
            spans: [
              {
                traceId,
                spanId: hex(8),
                traceState: `k=${s(3)}`,
                name: `bad ${s(0)}`,
                kind: 1,
                startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n + 1000n),
                attributes: [
                  kv(`key ${s(1)}`, { stringValue: `value ${s(2)}` }),
                  kv('list', { arrayValue: { values: [{ stringValue: `item ${s(3)}` }] } }),
                  kv('map', { kvlistValue: { values: [kv(`inner ${s(0)}`, { stringValue: `deep ${s(1)}` })] } }),
                  kv('pair', { stringValue: '\ud83d\ude00' }), // a valid pair stays as it is
                ],
                events: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), name: `event ${s(2)}`, attributes: [kv(`ek ${s(3)}`, { stringValue: `ev ${s(0)}` })] }],
                links: [{ traceId: hex(16), spanId: hex(8), traceState: `l=${s(1)}`, attributes: [kv(`lk ${s(2)}`, { stringValue: `lv ${s(3)}` })] }],
                status: { code: 2, message: `failed ${s(0)}` },
              },
            ],
          },
        ],
      },
    ],
  };
  const text = JSON.stringify(body);
  expect(text).toContain('\\ud800'); // what a client sends: escapes JSON.parse turns into lone surrogates
  return text;
}

async function stored(traceId: string) {
  const rs = await sift.service.client.query({
    query: `SELECT SpanName, TraceState, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
                   Events.Name AS EventNames, Events.Attributes AS EventAttributes, Links.TraceState AS LinkStates,
                   Links.Attributes AS LinkAttributes, StatusMessage
            FROM otel_traces WHERE TraceId = {id:String}`,
    query_params: { id: traceId },
    format: 'JSONEachRow',
  });
  return rs.json<Record<string, unknown>>();
}

describe('lone surrogates', () => {
  it('are stored as U+FFFD in every field, and every concurrent good request succeeds', async () => {
    const R = '\ufffd';
    for (let round = 0; round < 3; round++) {
      const badTrace = hex(16);
      const traceIds = Array.from({ length: GOOD }, () => hex(16));
      const good = traceIds.map((traceId, i) =>
        i % 2 ? post(sift.httpUrl, JSON.stringify(jsonRequest([{ traceId, name: 'good' }])), JSON_CT) : post(sift.httpUrl, protobufRequest([{ traceId, name: 'good' }]), PB),
      );
      const [bad, ...answers] = await Promise.all([post(sift.httpUrl, badRequest(badTrace), JSON_CT), ...good]);
      expect(answers.map((a) => a.status)).toEqual(traceIds.map(() => 200));
      expect(bad.status).toBe(200);
      expect(JSON.parse(Buffer.from(bad.body).toString())).toEqual({});
      for (const id of traceIds) expect((await getTrace(sift, id)).body.spans).toHaveLength(1);

      const rows = await stored(badTrace);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toEqual({
        SpanName: `bad ${R}`,
        TraceState: `k=${R}`,
        ServiceName: `svc ${R}`,
        ResourceAttributes: { 'service.name': `svc ${R}`, [`res ${R}`]: `v ${R}` },
        ScopeName: `scope ${R}`,
        ScopeVersion: `1.${R}`,
        SpanAttributes: { [`key ${R}`]: `value ${R}`, list: `["item ${R}"]`, map: `{"inner ${R}":"deep ${R}"}`, pair: '\ud83d\ude00' },
        EventNames: [`event ${R}`],
        EventAttributes: [{ [`ek ${R}`]: `ev ${R}` }],
        LinkStates: [`l=${R}`],
        LinkAttributes: [{ [`lk ${R}`]: `lv ${R}` }],
        StatusMessage: `failed ${R}`,
      });
    }
    // Rules saw the text as stored: the rule written for "bad \ufffd" matched all three.
    const metrics = await (await fetch(`${sift.uiUrl}/metrics`, { headers: { authorization: `Bearer ${sift.adminToken}` } })).text();
    expect(metrics).toMatch(/^spansift_rule_matched_spans_total\{rule="replaced"\} 3$/m);
  });

  it('in protobuf (an encoded surrogate is invalid UTF-8) are stored as U+FFFD too', async () => {
    const traceId = hex(16);
    const body = Buffer.from(protobufRequest([{ traceId, name: 'pb XXX' }]));
    // Overwrite the placeholder with the UTF-8 encoding of U+D800, which UTF-8 does not allow.
    body.set([0xed, 0xa0, 0x80], body.indexOf('XXX'));
    expect((await post(sift.httpUrl, body, PB)).status).toBe(200);
    expect((await stored(traceId))[0].SpanName).toBe('pb \ufffd\ufffd\ufffd');
  });
});
