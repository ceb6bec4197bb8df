import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Peak resident memory (VmHWM) in bytes. */
export function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Resident memory now (VmRSS) in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Anonymous resident memory now (RssAnon: what the process allocated, not the files it maps) in bytes. */
export function anonBytes(pid: number): number {
  const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Samples a process's anonymous resident memory every `everyMs` until stopped; the peak.
 * (VmHWM counts the pages of the files it maps too: for the embedded engine, the code of
 * libchdb.so it has run, which the kernel takes back when memory is short.)
 */
export function sampleAnon(pid: number, everyMs = 100): () => number {
  let peak = 0;
  const t = setInterval(() => {
    try {
      peak = Math.max(peak, anonBytes(pid));
    } catch {
      /* the process ended */
    }
  }, everyMs);
  return () => {
    clearInterval(t);
    return peak;
  };
}

/** CPU seconds per thread name (`main` is Node's main thread, its other threads are `node`; the engine names its own: MergeMutate, ThreadPool...). */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / TICKS);
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

/** CPU seconds per thread name spent between two threadCpuSeconds readings (threads born in between count whole). */
export function threadCpuDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, s] of after) {
    const d = s - (before.get(name) ?? 0);
    if (d > 0.0005) out[name] = d;
  }
  return out;
}
