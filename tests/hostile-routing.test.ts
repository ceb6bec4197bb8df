/**
 * Hostile span content through routing, storage and the API: attribute keys and values
 * with quotes, backslashes, SQL, ClickHouse parameter placeholders, unicode, control
 * characters and a 1 MB value are routed by rules that match those exact values (over
 * OTLP/HTTP JSON and protobuf), the queue item keeps the exact text, `/api/v1/spans?where=`
 * finds the spans with the same condition, and nothing happens to the tables. Queue and
 * rule names use dots and dashes; labels and instructions come back verbatim (escaping
 * them is the page's job, not the API's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from './support/spansift.js';
import { hex, jsonRequest, post, protobufRequest, type RawSpan } from './support/otlp.js';

/** A string literal of the condition language holding exactly `s`. */
function lit(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** In the config file `$$` is a literal `$` and `${env:X}` expands (as in the OpenTelemetry Collector). */
const inConfig = (condition: string) => condition.replace(/\$/g, '$$$$');

/** An attribute key with quotes, a backslash and brackets: `attributes["..."]` must escape it. */
const KEY = `k"ey 'with' \\quotes\\ and ]["brackets"]`;
const BIG = 1024 * 1024;

const HOSTILE: Record<string, string> = {
  quotes: `it's "quoted" \\ back\\slash \\" \\\\ ''`,
  sql: `'; DROP TABLE otel_traces; --`,
  sql2: `x' OR 1=1) UNION SELECT * FROM system.tables; /* */ --`,
  placeholders: `{p0:String} {p1:Int64} {r7_p0:String} ?`,
  unicode: 'café 😀 ключ 中文 \u202eevil\u202c \u200dzwj 𝕏 e\u0301',
  newlines: 'line one\nline two\r\n\ttabbed\n\n',
  control: 'nul\u0000byte bell\u0007 esc\u001b[31m del\u007f',
  dollars: 'costs $5 ${env:HOME} $$ ${not-env}',
  json: '{"role":"user","content":"</script><script>alert(1)</script>"}',
};

const QUEUE = 'team.alpha-review_v2';
const BIG_QUEUE = 'big-items.v1';
const OTHER_QUEUE = 'errors-2024.q1';
const SCRIPT = '<script>alert("x")</script>';

const QUEUES = {
  [QUEUE]: {
    instructions: `Check it. ${SCRIPT} <img src=x onerror=alert(1)> **bold** & "quotes"`,
    labels: [
      { name: 'correct', type: 'boolean', hotkey: 'c', description: `Is it right? ${SCRIPT}` },
      { name: 'issue', type: 'categorical', values: { '<b>none</b>': 0, [`${SCRIPT}`]: 1, "it's \"bad\"": 2 } },
      { name: 'note.text-v1', type: 'text', description: '</textarea><script>x</script>' },
    ],
    show: ['input', 'output', `attributes.${KEY}`],
  },
  [BIG_QUEUE]: { labels: [{ name: 'ok', type: 'boolean' }], show: ['input', 'attributes.big'] },
  [OTHER_QUEUE]: { labels: [{ name: 'ok', type: 'boolean' }] },
};

const conditionFor = (value: string) => `attributes[${lit(KEY)}] == ${lit(value)}`;
const BIG_CONDITION = `Len(attributes["big"]) == ${BIG} and HasPrefix(attributes["big"], "BIG-") and HasSuffix(attributes["big"], "-END")`;
const HOSTILE_NAME = `"; DROP TABLE otel_traces; -- \\ '`;
const HOSTILE_SERVICE = `svc '{p0:String}' "😀"`;

const RULES = [
  ...Object.entries(HOSTILE).map(([name, value]) => ({ name: `hostile.${name}-v1`, when: inConfig(conditionFor(value)), route_to: QUEUE })),
  { name: 'hostile.big-1mb', when: BIG_CONDITION, route_to: [BIG_QUEUE] },
  {
    name: 'hostile.name_and-service',
    when: inConfig(`name == ${lit(HOSTILE_NAME)} and resource.attributes["service.name"] == ${lit(HOSTILE_SERVICE)}`),
    route_to: [OTHER_QUEUE, QUEUE],
  },
];

let sift: Running;
const api = (path: string) => fetch(`${sift.uiUrl}${path}`, { headers: { authorization: `Bearer ${sift.adminToken}` } });

async function allItems(queue: string): Promise<any[]> {
  const out = [];
  for (let p = 0; ; p++) {
    const res = await api(`/api/v1/queues/${encodeURIComponent(queue)}/items?position=${p}`);
    if (res.status === 404) return out;
    expect(res.status).toBe(200);
    out.push((await res.json()).item);
  }
}

async function search(where: string): Promise<any[]> {
  const res = await api(`/api/v1/spans?since=1h&limit=1000&where=${encodeURIComponent(where)}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()).spans;
}

const chat = (value: string, key = KEY): RawSpan => ({
  traceId: hex(16),
  spanId: hex(8),
  name: 'chat',
  attributes: { [key]: value, 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': value },
});

/** The spans sent per case: one over OTLP/HTTP JSON, one over protobuf. */
const sent: Record<string, { json: RawSpan; proto: RawSpan }> = {};
const bigValue = 'BIG-' + 'x'.repeat(BIG - 8) + '-END';
const bigSpans = { json: { ...chat('big one'), attributes: { big: bigValue, 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'big one' } }, proto: { traceId: hex(16), spanId: hex(8), name: 'big', attributes: { big: bigValue } } };
const named = { traceId: hex(16), spanId: hex(8), name: HOSTILE_NAME, attributes: { [KEY]: 'plain' } };
/** A near miss for every case: the same text with one character changed must not match. */
const nearMisses: RawSpan[] = [];

beforeAll(async () => {
  sift = await startSpansift({ queues: QUEUES, rules: RULES });
  for (const [name, value] of Object.entries(HOSTILE)) {
    sent[name] = { json: chat(value), proto: chat(value) };
    nearMisses.push(chat(value + ' '), chat(value.slice(1)));
  }
  const jsonBody = JSON.stringify(jsonRequest([...Object.values(sent).map((s) => s.json), ...nearMisses], 'hostile'));
  expect((await post(sift.httpUrl, jsonBody, { 'content-type': 'application/json' })).status).toBe(200);
  const protoBody = protobufRequest(Object.values(sent).map((s) => s.proto), 'hostile');
  expect((await post(sift.httpUrl, protoBody, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
  expect((await post(sift.httpUrl, JSON.stringify(jsonRequest([bigSpans.json], 'hostile')), { 'content-type': 'application/json' })).status).toBe(200);
  expect((await post(sift.httpUrl, protobufRequest([bigSpans.proto], 'hostile'), { 'content-type': 'application/x-protobuf' })).status).toBe(200);
  expect((await post(sift.httpUrl, protobufRequest([named], HOSTILE_SERVICE), { 'content-type': 'application/x-protobuf' })).status).toBe(200);
});

afterAll(async () => {
  await sift?.stop();
});

describe('hostile strings in keys and values', () => {
  it('loads rules whose conditions hold them, under names with dots and dashes', () => {
    const names = sift.service.router.engine.rules.map((r) => r.name);
    expect(names).toEqual(RULES.map((r) => r.name));
    // The `$` of the dollars case went through the config as `$$` and came out as written.
    expect(sift.service.currentConfig.rules.find((r) => r.name === 'hostile.dollars-v1')!.when).toBe(conditionFor(HOSTILE.dollars));
  });

  it('routes exactly the spans with those values, from JSON and protobuf, and the item keeps the exact text', async () => {
    const items = await allItems(QUEUE);
    for (const [name, value] of Object.entries(HOSTILE)) {
      const mine = items.filter((i) => i.rule === `hostile.${name}-v1`);
      expect(mine.map((i) => i.spanId).sort(), name).toEqual([sent[name].json.spanId, sent[name].proto.spanId].sort());
      for (const item of mine) {
        expect(item.queue).toBe(QUEUE);
        expect(item.data.input, name).toEqual([{ role: 'user', content: value }]);
        expect(item.data.fields, name).toEqual({ [`attributes.${KEY}`]: value });
        expect(item.metadata).toEqual({ service: 'hostile', span_name: 'chat' });
      }
    }
    const missIds = new Set(nearMisses.map((s) => s.spanId));
    expect(items.filter((i) => missIds.has(i.spanId))).toEqual([]);
  });

  it('routes a 1 MB value and keeps all of it', async () => {
    const items = await allItems(BIG_QUEUE);
    expect(items.map((i) => i.spanId).sort()).toEqual([bigSpans.json.spanId, bigSpans.proto.spanId].sort());
    const viaJson = items.find((i) => i.spanId === bigSpans.json.spanId);
    expect(viaJson.data.input).toEqual([{ role: 'user', content: 'big one' }]);
    expect(viaJson.data.fields['attributes.big']).toBe(bigValue);
    // No convention matches the protobuf span: the labeler gets its attributes.
    const viaProto = items.find((i) => i.spanId === bigSpans.proto.spanId);
    expect(viaProto.data.fields['attributes.big'].length).toBe(BIG);
    expect(viaProto.data.fields['attributes.big']).toBe(bigValue);
  });

  it('routes by a hostile span name and service name into two queues', async () => {
    for (const queue of [OTHER_QUEUE, QUEUE]) {
      const item = (await allItems(queue)).find((i) => i.spanId === named.spanId);
      expect(item, queue).toMatchObject({ rule: 'hostile.name_and-service', traceId: named.traceId, metadata: { service: HOSTILE_SERVICE, span_name: HOSTILE_NAME } });
    }
  });

  it('finds the same spans with the same condition through /api/v1/spans?where=', async () => {
    for (const [name, value] of Object.entries(HOSTILE)) {
      const spans = await search(conditionFor(value));
      expect(spans.map((s) => s.spanId).sort(), name).toEqual([sent[name].json.spanId, sent[name].proto.spanId].sort());
      for (const s of spans) expect(s.attributes[KEY], name).toBe(value);
    }
    const big = await search(BIG_CONDITION);
    expect(big.map((s) => s.spanId).sort()).toEqual([bigSpans.json.spanId, bigSpans.proto.spanId].sort());
    expect(big.every((s) => s.attributes.big === bigValue)).toBe(true);
    const byName = await search(`name == ${lit(HOSTILE_NAME)} and resource.attributes["service.name"] == ${lit(HOSTILE_SERVICE)}`);
    expect(byName.map((s) => s.spanId)).toEqual([named.spanId]);
    expect(byName[0].serviceName).toBe(HOSTILE_SERVICE);
  });

  it('leaves otel_traces and the queue tables in place', async () => {
    const rs = await sift.service.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' });
    const tables = (await rs.json<{ name: string }>()).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['otel_traces', 'otel_traces_trace_id_ts']));
    const count = await sift.service.client.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' });
    expect(Number((await count.json<{ n: string }>())[0].n)).toBeGreaterThanOrEqual(Object.keys(HOSTILE).length * 2 + nearMisses.length + 3);
    const trace = await api(`/api/v1/traces/${sent.sql.json.traceId}`);
    expect(trace.status).toBe(200);
    expect((await trace.json()).spans[0].attributes[KEY]).toBe(HOSTILE.sql);
  });
});

describe('queue names, labels and instructions', () => {
  it('serves queues named with dots, dashes and underscores', async () => {
    for (const q of [QUEUE, BIG_QUEUE, OTHER_QUEUE]) {
      const res = await api(`/api/v1/queues/${q}/items?position=0`);
      expect(res.status, q).toBe(200);
      expect((await res.json()).item.queue).toBe(q);
    }
  });

  it('returns labels and instructions with markup verbatim, as JSON', async () => {
    const res = await api('/api/v1/queues');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { queues } = await res.json();
    expect(queues.map((q: any) => q.name)).toEqual([QUEUE, BIG_QUEUE, OTHER_QUEUE]);
    const q = queues.find((x: any) => x.name === QUEUE);
    expect(q.instructions).toBe(QUEUES[QUEUE].instructions);
    expect(q.labels).toEqual(QUEUES[QUEUE].labels.map((l) => ({ required: false, ...l })));
    expect(q.show).toEqual(['input', 'output', `attributes.${KEY}`]);
    expect(q.counts.total).toBe(Object.keys(HOSTILE).length * 2 + 1);
  });
});
