/**
 * A spansift on its embedded engine is the only process that can write that storage (the
 * engine locks its path), so its label desk has no other replica to read in: its polls send
 * no query, where a replica sharing a ClickHouse polls for the others' writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '@clickhouse/client-common';
import { startSpansift, testStorage, type Running } from './support/spansift.js';

let queries = 0;
function counting(conn: Connection<unknown>): Connection<unknown> {
  return new Proxy(conn, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      if (prop === 'query' || prop === 'command' || prop === 'exec') return (...args: unknown[]) => (queries++, (v as (...a: unknown[]) => unknown).apply(target, args));
      return v.bind(target);
    },
  });
}

const storage = testStorage(counting);
const config = { queues: { q: { labels: [{ name: 'ok', type: 'boolean' }] } }, labeling: { poll_interval: '1h' } };
let alone: Running;
let shared: Running;
beforeAll(async () => {
  alone = await startSpansift(config, { ...storage, exclusive: true });
  shared = await startSpansift(config, storage);
});
afterAll(async () => {
  await alone?.stop();
  await shared?.stop();
  await storage.client.close();
});

async function queriesOf(poll: () => Promise<void>): Promise<number> {
  const before = queries;
  await poll();
  return queries - before;
}

describe('polling for other replicas', () => {
  it('sends no query when the storage is the process’s own', async () => {
    expect(await queriesOf(() => alone.service.desk!.poll())).toBe(0);
  });

  it('reads in what others wrote when the storage is shared', async () => {
    expect(await queriesOf(() => shared.service.desk!.poll())).toBeGreaterThanOrEqual(3);
  });
});
