/**
 * Overload: load offered open-loop at several times what spansift can store gets only
 * 200, or 429/503 with Retry-After; peak RSS stays under the configured bound; once the
 * load drops, every refused request sent again is stored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { encodeRequest } from '../bench/spans.js';
import { ExportTraceServiceRequest } from '../proto/otlp.js';
import { setupProcess, startProcess, peakRss, type Proc } from './support/process.js';

const MEMORY_BOUND = 1536 * 1024 * 1024;
const REQUESTS = 150;
const SPANS_PER_REQUEST = 1000;
const OFFERED_PER_SECOND = 75; // 75,000 LLM spans/s: several times what this machine stores

let proc: Proc | undefined;
afterAll(() => proc?.child.kill('SIGKILL'));

interface Reply {
  status: number;
  retryAfter?: string;
}

function post(agent: Agent, url: URL, body: Uint8Array): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('overload', () => {
  it('refuses with Retry-After, bounds memory, and stores every retried span', async () => {
    const setup = await setupProcess({
      limits: { max_inflight_bytes: '32MiB', max_inflight_spans: 10_000, memory_limit: MEMORY_BOUND, retry_after: '1s' },
      // The local log acknowledges at its commit, so the bound a burst meets first is its size:
      // 64 MiB holds about a fifth of the load, however fast this machine inserts.
      storage: { clickhouse: { batch: { max_rows: 5000 } }, log: { max_size: '64MiB' } },
    });
    const bodies = Array.from({ length: REQUESTS }, (_, i) => encodeRequest('llm', SPANS_PER_REQUEST, i * SPANS_PER_REQUEST));
    proc = await startProcess(setup);
    const url = new URL(setup.httpUrl);
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

    // Open loop: a new request every 1/OFFERED_PER_SECOND s, whatever the answers.
    const replies: Promise<Reply>[] = [];
    await new Promise<void>((resolve) => {
      let i = 0;
      const timer = setInterval(() => {
        replies.push(post(agent, url, bodies[i++]));
        if (i === bodies.length) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / OFFERED_PER_SECOND);
    });
    const first = await Promise.all(replies);

    const statuses = new Set(first.map((r) => r.status));
    for (const s of statuses) expect([200, 429, 503]).toContain(s);
    const refused = first.map((r, i) => ({ r, i })).filter(({ r }) => r.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const { r } of refused) expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(peakRss(proc.child.pid!)).toBeLessThan(MEMORY_BOUND);

    // The load drops: each refused request is sent again, one at a time, honouring Retry-After.
    for (const { i } of refused) {
      for (let attempt = 0; ; attempt++) {
        const r = await post(agent, url, bodies[i]);
        if (r.status === 200) break;
        expect(attempt).toBeLessThan(30);
        await new Promise((res) => setTimeout(res, Number(r.retryAfter ?? 1) * 1000));
      }
    }
    expect(peakRss(proc.child.pid!)).toBeLessThan(MEMORY_BOUND);
    agent.destroy();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    proc = undefined;

    const sent = new Set<string>();
    for (const b of bodies) {
      const req = ExportTraceServiceRequest.decode(b) as unknown as { resourceSpans: { scopeSpans: { spans: { spanId: Uint8Array }[] }[] }[] };
      for (const s of req.resourceSpans[0].scopeSpans[0].spans) sent.add(Buffer.from(s.spanId).toString('hex'));
    }
    const client = createClient({ connection: createChdbConnection({ path: join(setup.dir, 'clickhouse') }) as never });
    const rs = await client.query({ query: 'SELECT DISTINCT SpanId FROM otel_traces', format: 'JSONEachRow' });
    const stored = new Set((await rs.json<{ SpanId: string }>()).map((r) => r.SpanId));
    await client.close();
    expect(stored.size).toBe(sent.size);
    expect([...sent].filter((id) => !stored.has(id))).toEqual([]);
  }, 300_000);
});
