/**
 * spansift's own metrics on GET /metrics, as a Prometheus scraper reads them: every
 * counter and histogram moves by what the requests did. And no log line per span.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcExport } from './support/grpc.js';
import type { Connection } from '@clickhouse/client-common';
import { startSpansift, testStorage, type Running } from './support/spansift.js';
import { availableMemory } from '../config/memory.js';
import { clickhouseError } from './support/faulty-connection.js';
import { decodeResponse, hex, jsonRequest, post, protobufRequest } from './support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };
const TABLE = { table: 'otel_traces' };

/** Inserts pass through to the real engine, except while held or failing. */
const gate: { hold?: Promise<void>; error?: Error } = {};
function gated(inner: Connection<unknown>): Connection<unknown> {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'insert') {
        return async (params: unknown) => {
          if (gate.hold) await gate.hold;
          if (gate.error) throw gate.error;
          return (target.insert as (p: unknown) => unknown).call(target, params);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Every line spansift logs, as JSON text. */
const logLines: string[] = [];
const logger = pino({ level: 'info', base: { service: 'spansift' } }, { write: (s: string) => void logLines.push(...s.split('\n').filter(Boolean)) });

const storage = testStorage(gated);
/** A share of the memory the process may use: high enough that nothing is refused for memory here. */
const MEMORY_SHARE = '90%';
let sift: Running;
beforeAll(async () => {
  sift = await startSpansift({ limits: { max_inflight_spans: 5, memory_limit: MEMORY_SHARE } }, storage, logger);
});
afterAll(async () => {
  await sift?.stop();
  await storage.client.close();
});

type Samples = Map<string, number>;

const labelKey = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');

/** Parses the Prometheus text format into `name{k="v",...}` -> value (labels sorted). */
function parsePrometheus(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = JSON.parse(`"${v}"`);
    out.set(`${m[1]}{${labelKey(labels)}}`, Number(m[3]));
  }
  return out;
}

async function scrape(): Promise<Samples> {
  const res = await fetch(`${sift.uiUrl}/metrics`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

const sample = (s: Samples, name: string, labels: Record<string, string> = {}) => s.get(`${name}{${labelKey(labels)}}`) ?? 0;

/** How much each sample moved between two scrapes. */
function delta(before: Samples, after: Samples, name: string, labels: Record<string, string> = {}): number {
  return sample(after, name, labels) - sample(before, name, labels);
}

async function grpcCall(body: Uint8Array): Promise<number> {
  return (await grpcExport(sift.grpcUrl, body)).code;
}

async function until(what: string, cond: () => Promise<boolean>, everyMs = 10): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const spans = (n: number) => Array.from({ length: n }, () => ({ traceId: hex(16) }));

describe('/metrics', () => {
  it('needs the admin token', async () => {
    expect((await fetch(`${sift.uiUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${sift.uiUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('counts accepted spans and successful requests, and observes each insert', async () => {
    const before = await scrape();
    expect((await post(sift.httpUrl, protobufRequest(spans(3)), PB)).status).toBe(200);
    expect((await post(sift.httpUrl, JSON.stringify(jsonRequest(spans(4))), JSON_CT)).status).toBe(200);
    expect(await grpcCall(protobufRequest(spans(2)))).toBe(GrpcStatus.OK);
    const after = await scrape();

    expect(delta(before, after, 'spansift_receiver_accepted_spans_total', { transport: 'http' })).toBe(7);
    expect(delta(before, after, 'spansift_receiver_accepted_spans_total', { transport: 'grpc' })).toBe(2);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: 'success' })).toBe(2);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'grpc', outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'spansift_receiver_refused_spans_total', { transport: 'http', reason: 'invalid' })).toBe(0);
    expect(delta(before, after, 'spansift_receiver_failed_spans_total', { transport: 'http' })).toBe(0);

    // The requests came one after another: one insert each, of 3, 4 and 2 rows.
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_count', TABLE)).toBe(3);
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_sum', TABLE)).toBe(9);
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_bucket', { ...TABLE, le: '1' })).toBe(0);
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_bucket', { ...TABLE, le: '10' })).toBe(3);
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_bucket', { ...TABLE, le: '+Inf' })).toBe(3);
    const success = { ...TABLE, outcome: 'success' };
    expect(delta(before, after, 'spansift_storage_insert_duration_seconds_count', success)).toBe(3);
    expect(delta(before, after, 'spansift_storage_insert_duration_seconds_sum', success)).toBeGreaterThan(0);
    expect(delta(before, after, 'spansift_storage_insert_duration_seconds_bucket', { ...success, le: '+Inf' })).toBe(3);
    expect(delta(before, after, 'spansift_storage_insert_duration_seconds_count', { ...TABLE, outcome: 'failure' })).toBe(0);
  });

  it('counts invalid spans as refused and the request as partial; the rest is accepted', async () => {
    const before = await scrape();
    const body = jsonRequest([{ traceId: hex(16) }, { traceId: '00000000000000000000000000000000' }, { traceId: hex(16), spanId: 'abc' }, { traceId: hex(16) }]);
    const res = await post(sift.httpUrl, JSON.stringify(body), JSON_CT);
    expect(res.status).toBe(200);
    // int64 is a decimal string in the OTLP JSON encoding.
    expect(JSON.parse(Buffer.from(res.body).toString()).partialSuccess.rejectedSpans).toBe('2');
    const after = await scrape();

    expect(delta(before, after, 'spansift_receiver_refused_spans_total', { transport: 'http', reason: 'invalid' })).toBe(2);
    expect(delta(before, after, 'spansift_receiver_accepted_spans_total', { transport: 'http' })).toBe(2);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: 'partial' })).toBe(1);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: 'success' })).toBe(0);
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_count', TABLE)).toBe(1);
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_sum', TABLE)).toBe(2);
  });

  it('counts requests that cannot be decoded by their status, with no span counted', async () => {
    const before = await scrape();
    const body = protobufRequest(spans(3));
    expect((await post(sift.httpUrl, body.subarray(0, body.length - 4), PB)).status).toBe(400);
    expect((await post(sift.httpUrl, '{"resourceSpans": 5}', JSON_CT)).status).toBe(400);
    expect((await post(sift.httpUrl, 'hello', { 'content-type': 'text/plain' })).status).toBe(415);
    const after = await scrape();

    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: '400' })).toBe(2);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: '415' })).toBe(1);
    expect(delta(before, after, 'spansift_receiver_accepted_spans_total', { transport: 'http' })).toBe(0);
    expect(delta(before, after, 'spansift_storage_insert_batch_rows_count', TABLE)).toBe(0);
  });

  it('counts spans refused for overload, and shows what is in flight', async () => {
    let release!: () => void;
    gate.hold = new Promise<void>((r) => (release = r));
    const before = await scrape();
    // 3 spans wait for their insert; 3 more would pass limits.max_inflight_spans (5).
    const held = post(sift.httpUrl, protobufRequest(spans(3)), PB);
    let during!: Samples;
    await until('3 spans in flight', async () => sample((during = await scrape()), 'spansift_inflight_spans') === 3);
    expect(sample(during, 'spansift_inflight_bytes')).toBeGreaterThan(0);
    const refused = await post(sift.httpUrl, protobufRequest(spans(3)), PB);
    expect(refused.status).toBe(429);
    gate.hold = undefined;
    release();
    expect((await held).status).toBe(200);
    const after = await scrape();

    expect(delta(before, after, 'spansift_receiver_refused_spans_total', { transport: 'http', reason: 'overloaded' })).toBe(3);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: 'overloaded' })).toBe(1);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'spansift_receiver_accepted_spans_total', { transport: 'http' })).toBe(3);
    expect(sample(after, 'spansift_inflight_spans')).toBe(0);
    expect(sample(after, 'spansift_inflight_bytes')).toBe(0);
  });

  it('counts spans whose insert failed, and the failed insert', async () => {
    const before = await scrape();
    gate.error = clickhouseError(241, 'Memory limit exceeded');
    try {
      expect((await post(sift.httpUrl, protobufRequest(spans(2)), PB)).status).toBe(503);
    } finally {
      gate.error = undefined;
    }
    const after = await scrape();

    expect(delta(before, after, 'spansift_receiver_failed_spans_total', { transport: 'http' })).toBe(2);
    expect(delta(before, after, 'spansift_receiver_requests_total', { transport: 'http', outcome: 'storage_error' })).toBe(1);
    expect(delta(before, after, 'spansift_receiver_accepted_spans_total', { transport: 'http' })).toBe(0);
    expect(delta(before, after, 'spansift_storage_insert_duration_seconds_count', { ...TABLE, outcome: 'failure' })).toBe(1);
    expect(delta(before, after, 'spansift_storage_insert_duration_seconds_count', { ...TABLE, outcome: 'success' })).toBe(0);
  });

  it('shows limits.memory_limit in bytes, given as a share of the memory available, and logs it at start', async () => {
    const available = availableMemory();
    const expected = Math.floor(available.bytes * 0.9);
    expect(sample(await scrape(), 'spansift_memory_limit_bytes')).toBe(expected);
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'memory limit in force');
    expect(line).toMatchObject({ memory_limit: expected, refuse_at: expected - Math.floor(expected / 5), available: available.bytes, cgroup_limited: available.cgroup });
  });

  it('exposes process CPU, memory and event loop lag under spansift_process_* and spansift_nodejs_*', async () => {
    const names = [...(await scrape()).keys()].map((k) => k.slice(0, k.indexOf('{')));
    for (const what of [/^spansift_process_\w*cpu_seconds_total$/, /^spansift_process_\w*resident_memory_bytes$/, /^spansift_nodejs_eventloop_lag_seconds$/]) {
      expect(names.some((n) => what.test(n)), String(what)).toBe(true);
    }
  });

  it('samples the event loop delay every 100 ms, so an idle spansift is not woken 100 times a second', async () => {
    // Each recorded delay is the sampling interval plus the lag; prom-client's own default samples every 10 ms.
    // A scrape starts a new window, which needs two ticks of the sampler for a delay; until then it reads
    // as a huge minimum. So scrapes here are spaced wider than two ticks.
    let min = 0;
    await until('an event loop delay sample', async () => {
      min = sample(await scrape(), 'spansift_nodejs_eventloop_lag_min_seconds');
      return min > 0 && min < 60;
    }, 250);
    // A tick may come a millisecond or two early; 0.05 is still five times the 10 ms default.
    expect(min).toBeGreaterThan(0.05);
    expect(min).toBeLessThan(1);
  });
});

describe('logging', () => {
  it('logs at info level, but never a line per span', async () => {
    // The capture works: startup was logged.
    expect(logLines.some((l) => JSON.parse(l).msg === 'spansift started')).toBe(true);

    const linesFor = async (body: object) => {
      const n = logLines.length;
      const res = await post(sift.httpUrl, JSON.stringify(body), JSON_CT);
      expect(res.status).toBe(200);
      return logLines.slice(n);
    };
    const ten = await linesFor(jsonRequest(spans(10)));
    const thousand = await linesFor(jsonRequest(spans(1000)));
    // 1,000 spans of which half are invalid (rejected spans are not logged one by one either).
    const invalid = await linesFor(jsonRequest(Array.from({ length: 1000 }, (_, i) => ({ traceId: i % 2 ? hex(16) : '00'.repeat(16) }))));
    const twenty: string[] = [];
    for (let i = 0; i < 20; i++) twenty.push(...(await linesFor(jsonRequest(spans(50)))));

    expect(thousand.length).toBe(ten.length);
    expect(invalid.length).toBe(ten.length);
    // 1,000 spans in 20 requests: at most what 20 requests of 10 spans would log.
    expect(twenty.length).toBeLessThanOrEqual(20 * ten.length);
  });
});

// The partial-success body is protobuf on the protobuf path too.
describe('partial success over protobuf', () => {
  it('reports the invalid span count to the client', async () => {
    const body = protobufRequest([{ traceId: hex(16) }, { traceId: '00'.repeat(16) }]);
    const res = await post(sift.httpUrl, body, PB);
    expect(res.status).toBe(200);
    expect(decodeResponse(res.body).partialSuccess?.rejectedSpans).toBe('1');
  });
});
