/**
 * What the machine charges for work done at a rate rather than back to back: the same
 * in-process work spansift does for one 100-span OTLP/HTTP protobuf request (decode, its
 * rows as a Native block, the local log's record: its headers and checksum, the block being
 * written from where it is), with no I/O and nothing else running, timed as CPU
 * per request back to back and with a pause before each (10 ms: the spacing of 10,000
 * spans/s; 50 ms: of 2,000 spans/s). On a machine whose caches, TLBs or page tables go
 * cold while a thread sleeps, the paused rows cost more; on a quiet bare-metal machine
 * they cost nearly the same. Runs in its own process.
 *
 *   npx tsx bench/cold.ts [small|llm]
 *   npx tsx bench/cold.ts --machine    (the same question for plain work, without spansift's code)
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
  const { spansToNative } = await import('../collector/storage/native.js');
  const { attrsToStrings } = await import('../collector/model/attributes.js');
  const { encodeRecord } = await import('../collector/storage/log/record.js');
  const bodies = Array.from({ length: 64 }, (_, i) => encodeRequest(shape, 100, i * 100));
  let n = 0;
  const one = () => {
    const d = decodeProtobuf(bodies[n++ % bodies.length]);
    // Each resource's attributes flattened once, as the pipeline does.
    let last: unknown;
    let flat: Record<string, string> = {};
    const resources = d.spans.map((s) => (s.resource === last ? flat : ((last = s.resource), (flat = attrsToStrings(s.resource.attributes)))));
    const block = spansToNative(d.spans, resources);
    return encodeRecord([{ table: 'spans', rows: d.spans.length, json: block, native: true }]).size;
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

/**
 * The same question without spansift's code: a fresh 16 MiB buffer (page faults), 200 reads
 * of /proc/self/stat (system calls), a walk over a 32 MiB array already in memory, and a
 * loop of arithmetic alone; milliseconds per run, median of the runs, by the pause before each.
 */
async function machine(): Promise<Record<string, Record<number, number>>> {
  const { readFileSync } = await import('node:fs');
  const big = new Float64Array(4 * 1024 * 1024);
  const work: Record<string, () => number> = {
    'fresh 16 MiB buffer': () => Buffer.alloc(16 * 1024 * 1024)[100],
    '200 reads of /proc/self/stat': () => {
      let n = 0;
      for (let i = 0; i < 200; i++) n += readFileSync('/proc/self/stat').length;
      return n;
    },
    'walk over 32 MiB in memory': () => {
      let x = 0;
      for (let i = 0; i < big.length; i += 8) x += big[i];
      return x;
    },
    'arithmetic alone': () => {
      let x = 0;
      for (let i = 0; i < 2_000_000; i++) x = (x * 31 + i) | 0;
      return x;
    },
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const out: Record<string, Record<number, number>> = {};
  for (const [name, f] of Object.entries(work)) {
    for (let i = 0; i < 5; i++) f();
    for (const gap of [0, 100, 1000]) {
      const times: number[] = [];
      for (let k = 0; k < (gap >= 1000 ? 5 : 12); k++) {
        await sleep(gap);
        const t0 = performance.now();
        f();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      (out[name] ??= {})[gap] = times[times.length >> 1];
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--machine')) {
    for (const [name, byGap] of Object.entries(await machine())) {
      console.log(`${name}: ${Object.entries(byGap).map(([gap, ms]) => `${ms.toFixed(2)} ms after ${gap} ms`).join(', ')}`);
    }
  } else console.log(JSON.stringify(await measure((process.argv[2] ?? 'small') as Shape)));
}
