/**
 * processors.redaction end to end: real OpenTelemetry exporters (HTTP protobuf, HTTP JSON,
 * gRPC) send spans with e-mails, card numbers and API keys in span, resource, event and
 * link attributes. None of them is anywhere in ClickHouse afterwards (every table, every
 * column, read as text), the API shows the masks, and rules and queue items see the
 * redacted span.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ExportResultCode } from '@opentelemetry/core';
import { startSpansift, getTrace, testConfig, type Running } from './support/spansift.js';
import { hex, jsonRequest, post } from './support/otlp.js';

// Unique to this run, so that nothing else in the engine can contain them.
const tag = randomBytes(4).toString('hex');
const SECRETS = {
  email: `jane.${tag}@example.com`,
  ownerEmail: `ops.${tag}@example.org`,
  card: '4111 1111 1111 1111',
  cardDigits: '4111111111111111',
  intCard: 5500000000000004,
  openaiKey: `sk-proj-${tag}abcdefghijklmnopqrstuvwx`,
  awsKey: `AKIA${tag.toUpperCase().replace(/[^A-Z0-9]/g, 'X')}ABCDEFGH`,
  password: `hunter2-${tag}`,
  ssn: `123-45-${tag}`,
};

const QUEUES = {
  redacted: { labels: [{ name: 'ok', type: 'boolean' }] },
  leaked: { labels: [{ name: 'ok', type: 'boolean' }] },
};
const RULES = [
  { name: 'sees-mask', when: 'attributes["user.email"] == "****" and HasSuffix(name, "chat")', route_to: 'redacted' },
  { name: 'sees-secret', when: 'IsMatch(attributes["gen_ai.prompt.0.content"], "@example\\\\.com") or attributes["user.ssn"] != nil', route_to: 'leaked' },
];

let sift: Running;
const api = (path: string) => fetch(`${sift.uiUrl}${path}`, { headers: { authorization: `Bearer ${sift.adminToken}` } });

beforeAll(async () => {
  sift = await startSpansift({
    processors: {
      redaction: {
        mask_values: ['email', 'credit_card', 'api_key'],
        mask_keys: ['*password*'],
        delete_keys: ['user.ssn'],
        redact_all_types: true,
        summary: 'debug',
      },
    },
    queues: QUEUES,
    rules: RULES,
  });
});
afterAll(async () => {
  await sift?.stop();
});

function makeTrace(label: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `redaction-${label}`, 'service.owner': SECRETS.ownerEmail }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('redaction-tests');
  const linked = tracer.startSpan('previous attempt');
  linked.end();
  const span = tracer.startSpan(
    `${label} chat`,
    {
      links: [{ context: linked.spanContext(), attributes: { 'link.note': `retry for ${SECRETS.email}` } }],
      attributes: {
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': `I am ${SECRETS.email}, my card is ${SECRETS.card}; charge it.`,
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': `Charged ${SECRETS.cardDigits} with key ${SECRETS.openaiKey}.`,
        'user.email': SECRETS.email,
        'user.ssn': SECRETS.ssn,
        'db.password': SECRETS.password,
        'payment.card': SECRETS.intCard,
        'tags': ['vip', SECRETS.email],
      },
    },
    context.active(),
  );
  span.addEvent('exception', { 'exception.message': `AWS refused ${SECRETS.awsKey}` });
  span.end();
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error ?? new Error('export failed')))),
  );
}

const transports = [
  { name: 'protobuf', make: () => new ProtoExporter({ url: `${sift.httpUrl}/v1/traces` }) },
  { name: 'json', make: () => new JsonExporter({ url: `${sift.httpUrl}/v1/traces` }) },
  { name: 'grpc', make: () => new GrpcExporter({ url: sift.grpcUrl }) },
];

/** Every table of spansift's database, every column, as ClickHouse prints it. */
async function everythingStored(): Promise<string> {
  const client = sift.service.client;
  const tables = await (await client.query({ query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT LIKE '%View%'", format: 'JSONEachRow' })).json<{ name: string }>();
  let text = '';
  for (const { name } of tables) text += `${name}\n${await (await client.query({ query: `SELECT * FROM \`${name}\``, format: 'TabSeparated' })).text()}`;
  return text;
}

describe('redaction before storage', () => {
  const sent: Record<string, ReadableSpan[]> = {};

  beforeAll(async () => {
    for (const t of transports) {
      sent[t.name] = makeTrace(t.name);
      const exporter = t.make();
      await exportWith(exporter, sent[t.name]);
      await exporter.shutdown();
    }
  });

  it('leaves no masked value anywhere in ClickHouse', async () => {
    const stored = await everythingStored();
    // The spans are there (under their redacted attributes) ...
    for (const t of transports) expect(stored).toContain(`redaction-${t.name}`);
    expect(stored).toContain('I am ****, my card is ****; charge it.');
    // ... and no secret, in any form, in any table or column.
    for (const secret of [...Object.values(SECRETS).map(String), `${tag}@example`, `sk-proj-${tag}`]) expect(stored).not.toContain(secret);
  });

  it.each(transports.map((t) => t.name))('shows the masks through the API (%s)', async (name) => {
    const span = sent[name].find((s) => s.name.endsWith('chat'))!;
    const { body } = await getTrace(sift, span.spanContext().traceId);
    const stored = body.spans.find((s: any) => s.spanId === span.spanContext().spanId);
    expect(stored.attributes).toMatchObject({
      'gen_ai.prompt.0.content': 'I am ****, my card is ****; charge it.',
      'gen_ai.completion.0.content': 'Charged **** with key ****.',
      'user.email': '****',
      'db.password': '****',
      'payment.card': '****',
      'tags': '["vip","****"]',
      'redaction.redacted.keys': 'user.ssn',
      'redaction.masked.keys': 'db.password,gen_ai.completion.0.content,gen_ai.prompt.0.content,payment.card,tags,user.email',
    });
    expect(stored.attributes).not.toHaveProperty('user.ssn');
    expect(stored.resource.attributes).toMatchObject({ 'service.owner': '****', 'service.name': `redaction-${name}` });
    expect(stored.events[0].attributes['exception.message']).toBe('AWS refused ****');
    expect(stored.links[0].attributes['link.note']).toBe('retry for ****');
  });

  it('routes by the redacted span: conditions and queue items see the masks', async () => {
    const items = await (await api('/api/v1/queues/redacted/items?position=0')).json();
    expect(items.item.data.input).toEqual([{ role: 'user', content: 'I am ****, my card is ****; charge it.' }]);
    const positions = await Promise.all([0, 1, 2, 3].map(async (p) => (await api(`/api/v1/queues/redacted/items?position=${p}`)).status));
    expect(positions).toEqual([200, 200, 200, 404]);
    expect((await api('/api/v1/queues/leaked/items?position=0')).status).toBe(404);
  });

  it('counts what it masks and deletes on /metrics', async () => {
    const text = await (await api('/metrics')).text();
    // Per trace: 6 span attributes, the resource owner, the event and the link masked; user.ssn deleted.
    expect(text).toMatch(/^spansift_redaction_masked_attributes_total 27$/m);
    expect(text).toMatch(/^spansift_redaction_deleted_attributes_total 3$/m);
  });
});

describe('reloading processors.redaction', () => {
  it('applies the new section to spans received from then on', async () => {
    const ignored = await sift.service.reload(testConfig({ processors: { redaction: { mask_keys: ['gen_ai.request.model'] } }, queues: QUEUES, rules: RULES }));
    expect(ignored).not.toContain('processors');
    const span = { traceId: hex(16), spanId: hex(8), name: 'after reload', attributes: { 'gen_ai.request.model': 'gpt-4o', 'user.email': 'after-reload@example.net' } };
    const res = await post(sift.httpUrl, JSON.stringify(jsonRequest([span], 'reloaded')), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    const { body } = await getTrace(sift, span.traceId);
    expect(body.spans[0].attributes).toEqual({ 'gen_ai.request.model': '****', 'user.email': 'after-reload@example.net' });
  });
});
