/**
 * On its own embedded engine, /metrics says how much memory the engine counts as in use,
 * beside the process's RSS and Node's heap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from './support/spansift.js';

let sift: Running;
beforeAll(async () => {
  sift = await startSpansift({});
});
afterAll(async () => {
  await sift?.stop();
});

async function gauge(name: string): Promise<number> {
  const res = await fetch(`${sift.uiUrl}/metrics`, { headers: { authorization: `Bearer ${sift.adminToken}` } });
  expect(res.status).toBe(200);
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
  expect(line, `${name} in /metrics`).toBeDefined();
  return Number(line!.split(' ')[1]);
}

describe('spansift_engine_memory_bytes', () => {
  it("reports the engine's memory in use, below the process's RSS", async () => {
    const engine = await gauge('spansift_engine_memory_bytes');
    const rss = await gauge('spansift_process_resident_memory_bytes');
    expect(engine).toBeGreaterThan(0);
    expect(engine).toBeLessThan(rss);
  });

  it('needs the admin token, as the rest of /metrics', async () => {
    const res = await fetch(`${sift.uiUrl}/metrics`);
    expect(res.status).toBe(401);
  });
});
