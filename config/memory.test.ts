import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { availableMemory, memoryBudget, type CgroupPaths } from './memory.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const V1_NO_LIMIT = '9223372036854771712';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A cgroup file system as the kernel shows it (`files` relative to its mount), and the process's /proc/self/cgroup. */
function cgroups(self: string, files: Record<string, string>, total = 16 * GiB): CgroupPaths {
  const root = mkdtempSync(join(tmpdir(), 'spansift-cgroup-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${text}\n`);
  }
  writeFileSync(join(root, 'self'), self);
  return { root, self: join(root, 'self'), total };
}

describe('availableMemory', () => {
  it('cgroup v2 in a container (its own namespace): the limit at the mount point', () => {
    expect(availableMemory(cgroups('0::/\n', { 'memory.max': String(512 * MiB) }))).toEqual({ bytes: 512 * MiB, cgroup: true });
  });

  it('cgroup v2 on a host: the least limit on the process group and the groups above it', () => {
    const p = cgroups('0::/kubepods/pod1/app\n', {
      'kubepods/memory.max': String(8 * GiB),
      'kubepods/pod1/memory.max': String(1 * GiB),
      'kubepods/pod1/app/memory.max': 'max',
    });
    expect(availableMemory(p)).toEqual({ bytes: 1 * GiB, cgroup: true });
  });

  it('cgroup v2 mounted under `unified` beside v1 controllers (hybrid)', () => {
    const p = cgroups('3:cpu:/app\n0::/app\n', { 'unified/app/memory.max': String(640 * MiB) });
    expect(availableMemory(p)).toEqual({ bytes: 640 * MiB, cgroup: true });
  });

  it("cgroup v2 without a limit (`max` everywhere): the machine's RAM", () => {
    expect(availableMemory(cgroups('0::/user.slice\n', { 'memory.max': 'max', 'user.slice/memory.max': 'max' }))).toEqual({ bytes: 16 * GiB, cgroup: false });
  });

  it("cgroup v1: the memory controller's limit_in_bytes; \"no limit\" is a number near 2^63", () => {
    const limited = cgroups('5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n', { 'memory/docker/abc/memory.limit_in_bytes': String(768 * MiB) });
    expect(availableMemory(limited)).toEqual({ bytes: 768 * MiB, cgroup: true });
    // Inside the container its own group is the mount point, not /docker/abc.
    const mounted = cgroups('4:memory:/docker/abc\n', { 'memory/memory.limit_in_bytes': String(256 * MiB) });
    expect(availableMemory(mounted)).toEqual({ bytes: 256 * MiB, cgroup: true });
    const unlimited = cgroups('4:memory:/process_api/1\n', { 'memory/process_api/1/memory.limit_in_bytes': V1_NO_LIMIT, 'memory/memory.limit_in_bytes': V1_NO_LIMIT });
    expect(availableMemory(unlimited)).toEqual({ bytes: 16 * GiB, cgroup: false });
  });

  it("cgroup v1: a parent's limit counts as the kernel applies it (hierarchical_memory_limit), not by the path alone", () => {
    const files = (hierarchical: number) => ({
      'memory/batch/memory.limit_in_bytes': String(1 * GiB),
      'memory/batch/job/memory.limit_in_bytes': V1_NO_LIMIT,
      'memory/batch/job/memory.stat': `cache 0\nrss 4096\nhierarchical_memory_limit ${hierarchical}\n`,
    });
    expect(availableMemory(cgroups('4:memory:/batch/job\n', files(1 * GiB)))).toEqual({ bytes: 1 * GiB, cgroup: true });
    // use_hierarchy=0: the parent's limit does not hold for the group.
    expect(availableMemory(cgroups('4:memory:/batch/job\n', files(Number(V1_NO_LIMIT))))).toEqual({ bytes: 16 * GiB, cgroup: false });
  });

  it("a limit above the machine's RAM, or no cgroup files at all: the RAM", () => {
    expect(availableMemory(cgroups('0::/\n', { 'memory.max': String(64 * GiB) }))).toEqual({ bytes: 16 * GiB, cgroup: false });
    expect(availableMemory({ root: '/nonexistent', self: '/nonexistent/cgroup', total: 2 * GiB })).toEqual({ bytes: 2 * GiB, cgroup: false });
  });
});

describe('memoryBudget', () => {
  const limited = () => ({ bytes: 1 * GiB, cgroup: true });
  const host = () => ({ bytes: 16 * GiB, cgroup: false });
  it("auto: 80% of a control group's limit, and no limit (0) on a host without one", () => {
    expect(memoryBudget('auto', limited)).toBe(Math.floor(0.8 * GiB));
    expect(memoryBudget('auto', host)).toBe(0);
  });
  it('a percentage of the memory available, limited or not', () => {
    expect(memoryBudget('50%', limited)).toBe(512 * MiB);
    expect(memoryBudget('12.5 %', host)).toBe(2 * GiB);
    expect(memoryBudget('100%', host)).toBe(16 * GiB);
  });
  it('a size or a number of bytes, whatever the memory available', () => {
    expect(memoryBudget('768MiB', limited)).toBe(768 * MiB);
    expect(memoryBudget(1000, host)).toBe(1000);
    expect(memoryBudget(0, limited)).toBe(0);
  });
  it('a share out of range, or text that is none of these, is an error', () => {
    expect(memoryBudget('0%', host)).toEqual({ error: '"0%" is not a share of memory (more than 0%, at most 100%)' });
    expect(memoryBudget('150%', host)).toEqual({ error: '"150%" is not a share of memory (more than 0%, at most 100%)' });
    expect(memoryBudget('lots', host)).toEqual({ error: '"lots" is not a size or a share of memory (use bytes, a unit or a percentage: 512MiB, 1GB, 80%, auto)' });
  });
});
