/**
 * What the machine charges for work done at a rate rather than back to back: the same
 * in-process work spansift does for one 100-span OTLP/HTTP protobuf request (decode, rows,
 * their JSON, the local log's record), with no I/O and nothing else running, timed as CPU
 * per request back to back and with a pause before each (10 ms: the spacing of 10,000
 * spans/s; 50 ms: of 2,000 spans/s). On a machine whose caches, TLBs or page tables go
 * cold while a thread sleeps, the paused rows cost more; on a quiet bare-metal machine
 * they cost nearly the same. Runs in its own process.
 *
 *   npx tsx bench/cold.ts [small|llm]
 */
import { execFileSync } from 'node:child_process';
import type { Shape } from './spans.js';

export interface ColdResult {
  shape: Shape;
  /** CPU µs per request by the pause before it (0: back to back), the median of rounds. */
  cpuUsByGapMs: Record<number, number>;
}

export const GAPS_MS = [0, 10, 50];

async function measure(shape: Shape): Promise<ColdResult> {
  // Imported here, in the measuring process only: the storage modules load the embedded
  // engine's library, whose pages a second process mapping them would keep resident.
  const { encodeRequest } = await import('./spans.js');
  const { decodeProtobuf } = await import('../collector/receivers/otlp/decode-protobuf.js');
  const { spanToValues } = await import('../collector/storage/rows.js');
  const { serializeRows } = await import('../collector/storage/json-rows.js');
  const { encodeRecord } = await import('../collector/storage/log/record.js');
  const bodies = Array.from({ length: 64 }, (_, i) => encodeRequest(shape, 100, i * 100));
  let n = 0;
  const one = () => {
    const d = decodeProtobuf(bodies[n++ % bodies.length]);
    const rows = serializeRows(d.spans.map((s) => spanToValues(s)));
    return encodeRecord([{ table: 'spans', rows: d.spans.length, json: rows.json }]).length;
  };
  // Warm: the optimizing compiler has the functions before anything is timed.
  for (let i = 0; i < 3000; i++) one();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const rounds: Record<number, number[]> = {};
  for (let round = 0; round < 3; round++) {
    for (const gap of GAPS_MS) {
      const count = 150;
      let cpu = 0;
      for (let k = 0; k < count; k++) {
        // Back to back still yields to the event loop now and then, as a server does.
        if (gap > 0) await sleep(gap);
        else if (k % 20 === 0) await sleep(0);
        const c = process.cpuUsage();
        one();
        const d = process.cpuUsage(c);
        cpu += d.user + d.system;
      }
      (rounds[gap] ??= []).push(cpu / count);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { shape, cpuUsByGapMs: Object.fromEntries(GAPS_MS.map((g) => [g, median(rounds[g])])) };
}

/** Runs the measurement in a fresh process (nothing else in its heap or on its threads). */
export function runCold(shape: Shape): ColdResult {
  const root = new URL('../', import.meta.url).pathname;
  const out = execFileSync(process.execPath, ['--import', 'tsx', `${root}bench/cold.ts`, shape], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as ColdResult;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measure((process.argv[2] ?? 'small') as Shape)));
}
