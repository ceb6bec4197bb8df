/**
 * DatasetStore on the real engine: a dataset made on first use by completions that arrive
 * together is made once, so every item they add is in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChdbConnection } from 'chdb/connection';
import type { Connection } from '@clickhouse/client-common';
import { clientOn } from '../../collector/storage/client.js';
import { migrate } from '../../collector/storage/migrations.js';
import { MIGRATIONS } from '../../cli/migrations.js';
import { DatasetStore } from './store.js';

const client = clientOn(createChdbConnection({ path: ':memory:' }) as unknown as Connection<unknown> as never);
beforeAll(() => migrate(client, { database: 'default', table: 'otel_traces', ttlSeconds: 0 }, MIGRATIONS));
afterAll(() => client.close());

describe('DatasetStore', () => {
  it('makes a missing dataset once when completions ask for it at the same time, and keeps every item they add', async () => {
    // A clock that moves on every reading: two makings would get two generations.
    let t = Date.parse('2026-12-01T00:00:00Z');
    const store = new DatasetStore(client, 'default', { maxRows: 100, maxDelayMs: 5, concurrency: 2 }, undefined, () => (t += 7));
    const made = await Promise.all(['a', 'b', 'c'].map(() => store.create('final', 'items completed in queue answers', true)));
    expect(new Set(made.map((d) => d.generation)).size).toBe(1);
    await Promise.all(made.map((d, i) => store.put(d, [{ id: `item-${i}`, source: 'action', data: `question ${i}`, target: null, metadata: {} }])));
    const current = (await store.get('final'))!;
    expect((await store.fetch(current, { limit: 10 })).map((i) => i.data)).toEqual(['question 0', 'question 1', 'question 2']);
  });
});
