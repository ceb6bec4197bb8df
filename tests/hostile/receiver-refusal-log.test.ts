/**
 * Refusals are not silent, and not a flood: 20,000 requests refused for overload, and
 * inserts failing in storage, make a few log lines, one per reason per interval, that carry
 * the counts (before: no line at all). Requests refused before their spans were decoded are
 * counted in spansift_receiver_refused_requests_total (their spans are in no span counter).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'node:http';
import { pino } from 'pino';
import type { Connection } from '@clickhouse/client-common';
import { startSpansift, testStorage, type Running } from '../support/spansift.js';
import { clickhouseError } from '../support/faulty-connection.js';
import { protobufRequest } from '../support/otlp.js';
import { postRaw } from './receiver-support.js';

const REFUSED = 20_000;

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

const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'info', base: { service: 'spansift' } }, { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean).map((l) => JSON.parse(l))) });
const storage = testStorage(gated);
let sift: Running | undefined;
beforeAll(async () => {
  sift = await startSpansift({ limits: { max_inflight_bytes: 1000 } }, storage, logger);
});
afterAll(async () => {
  await sift?.stop();
  await storage.client.close();
});

const about = (reason: string) => lines.filter((l) => l.reason === reason);

describe('refusals in the log', () => {
  it('20,000 refused requests and failing inserts make a few lines per reason, with the counts', async () => {
    const s = sift!;
    let release!: () => void;
    gate.hold = new Promise<void>((r) => (release = r));
    // One request waits for its insert, holding its bytes: every later one is over the limit.
    const held = postRaw(s.httpUrl, protobufRequest([{ name: 'held', attributes: { pad: 'x'.repeat(400) } }]));
    await new Promise((r) => setTimeout(r, 200));
    const body = protobufRequest([{ name: 'refused', attributes: { pad: 'x'.repeat(600) } }]);
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    let next = 0;
    const statuses = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < REFUSED) {
          next++;
          const a = await postRaw(s.httpUrl, body, { agent });
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        }
      }),
    );
    agent.destroy();
    expect(Object.fromEntries(statuses)).toEqual({ 429: REFUSED });
    release();
    gate.hold = undefined;
    expect((await held).status).toBe(200);

    // Storage fails for a while: each request gets 503, the log gets a line, not one per request.
    gate.error = clickhouseError(241, 'Memory limit exceeded');
    for (let i = 0; i < 50; i++) expect((await postRaw(s.httpUrl, protobufRequest([{ name: 'failing' }]))).status).toBe(503);
    gate.error = undefined;

    const metrics = await (await fetch(`${s.uiUrl}/metrics`, { headers: { authorization: `Bearer ${s.adminToken}` } })).text();
    expect(metrics).toMatch(new RegExp(`^spansift_receiver_refused_requests_total\\{transport="http",reason="overloaded"\\} ${REFUSED}$`, 'm'));

    await s.stop(); // writes what is pending
    sift = undefined;
    const overloaded = about('overloaded');
    expect(overloaded.length).toBeGreaterThanOrEqual(1);
    expect(overloaded.length).toBeLessThanOrEqual(5);
    expect(overloaded.reduce((n, l) => n + (l.count as number), 0)).toBe(REFUSED);
    for (const l of overloaded) {
      expect(l).toMatchObject({ level: 40, msg: 'OTLP exports refused', transport: 'http' });
      expect(l.last_message).toMatch(/overloaded.*request bytes in flight/);
    }
    const failed = about('storage_unavailable');
    expect(failed.length).toBeLessThanOrEqual(3);
    expect(failed.reduce((n, l) => n + (l.count as number), 0)).toBe(50);
    expect(failed.reduce((n, l) => n + (l.spans as number), 0)).toBe(50);
    for (const l of failed) expect(l).toMatchObject({ level: 50, msg: 'OTLP exports failed' });
    expect(lines.length).toBeLessThan(40);
  }, 120_000);
});
