/**
 * The memory spansift may use, for `limits.memory_limit` given as a share (`80%`) or left
 * at `auto`: the limit of the process's control group (what a container or a Kubernetes pod
 * is given) where one is set, else the machine's RAM. A sidecar given 512 MiB that holds
 * 800 MiB at saturation is killed by the kernel; under `auto` it refuses exports with a
 * retry delay instead, as the collector's `memory_limiter` does with `limit_percentage`.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { parseSize } from './units.js';

export interface AvailableMemory {
  bytes: number;
  /** Whether `bytes` is a control group's limit (below the machine's RAM), not the RAM. */
  cgroup: boolean;
}

/** Where the control groups are read from; other roots are for tests. */
export interface CgroupPaths {
  /** The cgroup file system's mount point. */
  root: string;
  /** The process's `/proc/<pid>/cgroup`. */
  self: string;
  /** The machine's RAM. */
  total: number;
}

const SYSTEM: CgroupPaths = { root: '/sys/fs/cgroup', self: '/proc/self/cgroup', total: totalmem() };

/**
 * The memory limit in force on the process's control group, or the machine's RAM when none
 * is lower. cgroup v2: the least `memory.max` on the group and the groups above it (a
 * parent's limit holds for its children). cgroup v1: the group's own `memory.limit_in_bytes`
 * and its `hierarchical_memory_limit` (`memory.stat`), which counts the parents' limits only
 * where the hierarchy applies them. Read at each config load; a changed limit takes effect at
 * the next start, as other `limits` do.
 */
export function availableMemory(p: CgroupPaths = SYSTEM): AvailableMemory {
  let least = p.total;
  const take = (text: string | undefined) => {
    // v2 writes `max` for no limit; v1 a number near 2^63.
    const n = text === undefined || text === 'max' ? NaN : Number(text);
    if (Number.isFinite(n) && n > 0 && n < least) least = n;
  };
  for (const line of (readText(p.self) ?? '').split('\n')) {
    // `hierarchy-id:controllers:path`; v2 has the id 0 and no controllers.
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') {
      // A v2-only system mounts the hierarchy at the root; a hybrid one under `unified`.
      for (const mount of [p.root, join(p.root, 'unified')]) for (const dir of groupDirs(mount, m[3])) take(readText(join(dir, 'memory.max')));
    } else if (m[2].split(',').includes('memory')) {
      // In a container without its own cgroup namespace the path names the host's group,
      // and the container sees its own group at the mount point: the deepest that exists.
      const dir = groupDirs(join(p.root, 'memory'), m[3]).find((d) => readText(join(d, 'memory.limit_in_bytes')) !== undefined);
      if (!dir) continue;
      take(readText(join(dir, 'memory.limit_in_bytes')));
      take(/^hierarchical_memory_limit (\d+)$/m.exec(readText(join(dir, 'memory.stat')) ?? '')?.[1]);
    }
  }
  return { bytes: least, cgroup: least < p.total };
}

/** The directories of the group at `path` under `mount` and of each group above it, deepest first. */
function groupDirs(mount: string, path: string): string[] {
  const dirs: string[] = [];
  for (let at = path; ; at = at.slice(0, at.lastIndexOf('/')) || '/') {
    dirs.push(join(mount, at));
    if (at === '/') return dirs;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The share of a control group's limit `auto` takes. */
export const AUTO_SHARE = 0.8;

/**
 * Below this, spansift spends much of its time refusing exports: it holds 140 to 180 MiB idle,
 * and more while it inserts (bench/RESULTS.md).
 */
export const SMALL_BUDGET = 384 * 1024 * 1024;

/**
 * `limits.memory_limit` in bytes: a number of bytes, a size (`512MiB`), a share such as `75%`
 * of the available memory, or `auto`: 80% of a control group's limit when one is set, else
 * 0 (no limit). An error message when the value is none of these.
 */
export function memoryBudget(value: number | string, available: () => AvailableMemory): number | { error: string } {
  if (typeof value === 'number') return value;
  const size = parseSize(value);
  if (size !== undefined) return size;
  const t = value.trim();
  if (t === 'auto') {
    const a = available();
    return a.cgroup ? Math.floor(a.bytes * AUTO_SHARE) : 0;
  }
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (!m) return { error: `"${value}" is not a size or a share of memory (use bytes, a unit or a percentage: 512MiB, 1GB, 80%, auto)` };
  const share = Number(m[1]);
  if (share <= 0 || share > 100) return { error: `"${value}" is not a share of memory (more than 0%, at most 100%)` };
  return Math.floor((available().bytes * share) / 100);
}
