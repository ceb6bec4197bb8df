/**
 * spansift in a container's memory limit: saturated ingest (bench/ingest.ts `runIngest`,
 * default config) with spansift started inside a memory control group of each size given,
 * under `limits.memory_limit: auto` (the default: 80% of the group's limit) and without a
 * budget (`0`), alternating. Reports the rate, peak RSS, how often the kernel had to take
 * pages back to keep the group within its limit, and whether it killed spansift.
 *
 * Needs root and a writable cgroup file system (v2, or v1's memory controller); elsewhere it
 * says so and exits. It runs the built dist/: `npm run build` first. The kernel counts OOM
 * kills per group from Linux 4.13.
 *
 *   npx tsx bench/container.ts [shape llm|small] [rounds] [limits, e.g. 512MiB,640MiB,1GiB]
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSize } from '../config/units.js';
import { AUTO_SHARE } from '../config/memory.js';
import { runIngest, type IngestResult } from './ingest.js';
import type { Shape } from './spans.js';

const shape = (process.argv[2] ?? 'llm') as Shape;
const rounds = Number(process.argv[3] ?? 1);
const limits = (process.argv[4] ?? '512MiB,640MiB,1GiB').split(',').map((t) => ({ text: t, bytes: parseSize(t)! }));
const MiB = 2 ** 20;

interface Group {
  dir: string;
  /** Times the group hit its limit and the kernel reclaimed pages (v1 `failcnt`, v2 `memory.events` `max`). */
  reclaims(): number;
  /** Processes the kernel's OOM killer killed in the group. */
  oomKills(): number;
  remove(): void;
}

const read = (file: string) => readFileSync(file, 'utf8');
/** Whether the machine has swap in use (/proc/swaps lists more than its header). */
const hasSwap = () => read('/proc/swaps').trim().split('\n').length > 1;
const field = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

function makeGroup(name: string, limit: number): Group | string {
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const parent = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
  if (!existsSync(parent)) return 'no cgroup memory controller mounted at /sys/fs/cgroup';
  const dir = join(parent, name);
  try {
    if (v2 && !read(join(parent, 'cgroup.subtree_control')).split(/\s+/).includes('memory')) writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory');
    mkdirSync(dir);
    // No swapping either, on a machine with swap: a container's limit as Docker sets it with
    // --memory-swap equal to --memory. (v1 then stops counting hits of the limit in failcnt.)
    const swap = hasSwap() ? join(dir, v2 ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes') : '';
    if (v2) {
      writeFileSync(join(dir, 'memory.max'), String(limit));
      if (swap && existsSync(swap)) writeFileSync(swap, '0');
    } else {
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limit));
      if (swap && existsSync(swap)) writeFileSync(swap, String(limit));
    }
  } catch (e) {
    return `cannot make a memory group at ${dir} (root, a writable cgroup file system and its memory controller are needed): ${(e as Error).message}`;
  }
  return {
    dir,
    reclaims: () => (v2 ? field(read(join(dir, 'memory.events')), 'max') : Number(read(join(dir, 'memory.failcnt')))),
    oomKills: () => field(read(join(dir, v2 ? 'memory.events' : 'memory.oom_control')), 'oom_kill'),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch (e) {
        console.log(`could not remove ${dir}: ${(e as Error).message}`);
      }
    },
  };
}

const rows: string[] = [];
for (let round = 0; round < rounds; round++) {
  for (const limit of limits) {
    for (const budget of ['auto', 0] as const) {
      const group = makeGroup(`spansift-bench-${process.pid}-${round}-${limit.bytes}-${budget}`, limit.bytes);
      if (typeof group === 'string') {
        console.log(`skipped: ${group}`);
        process.exit(0);
      }
      let result: IngestResult | undefined;
      let error = '';
      try {
        result = await runIngest(shape, 200_000, { extraConfig: { limits: { memory_limit: budget } }, cgroup: group.dir });
      } catch (e) {
        error = (e as Error).message;
      }
      const killed = group.oomKills();
      const reclaims = group.reclaims();
      // runIngest has waited for spansift's exit, whether the run finished or failed: the group is empty.
      group.remove();
      const budgetText = budget === 'auto' ? `auto (${Math.round((AUTO_SHARE * limit.bytes) / MiB)} MiB)` : '0';
      rows.push(
        result
          ? `| ${limit.text} | ${budgetText} | ${result.spansPerSecond.toFixed(0)} | ${(result.peakRssBytes / MiB).toFixed(0)} MiB (${(result.peakAnonBytes / MiB).toFixed(0)} MiB) | ${result.refused} | ${reclaims} | ${killed ? 'yes' : 'no'} |`
          : `| ${limit.text} | ${budgetText} | did not finish: ${error} | | | ${reclaims} | ${killed ? 'yes' : 'no'} |`,
      );
      console.log(rows.at(-1));
    }
  }
}
console.log(`\n${shape} spans, 200,000, saturated, spansift in a memory group of each size:\n`);
console.log('| group limit | limits.memory_limit | spans/s | peak RSS (anonymous) | requests refused | reclaims at the limit | killed by the kernel |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
