/**
 * spansift started as `npm start` starts it: the Node flags and environment of package.json's
 * `start` script (plus SPANSIFT_BENCH_NODE_ARGS, for profiling), on the built dist/.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;

/** `VAR=value node --flag ... dist/cli/main.js start`: the assignments and flags, in order. */
export function npmStart(): { env: Record<string, string>; flags: string[] } {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = script.trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0) throw new Error(`package.json's start script does not run node: ${script}`);
  const env = Object.fromEntries(words.slice(0, node).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  const flags: string[] = [];
  for (const w of words.slice(node + 1)) {
    if (!w.startsWith('--')) break;
    flags.push(w);
  }
  return { env, flags };
}

/**
 * A variable set in the bench's own environment wins over the script's, so variants can be
 * measured. With `cgroup` (a control group's directory), spansift starts inside that group,
 * as in a container given its memory limit (bench/container.ts).
 */
export function spawnSpansift(configFile: string, stdio: StdioOptions, cgroup?: string): ChildProcess {
  const { env, flags } = npmStart();
  const extra = (process.env.SPANSIFT_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const argv = [process.execPath, ...flags, ...extra, join(ROOT, 'dist/cli/main.js'), 'start', '--config', configFile];
  const options = { stdio, env: { ...env, ...process.env } };
  // The shell joins the group, then becomes node (same pid), so all that spansift holds is counted there.
  if (cgroup) return spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, ...argv], options);
  return spawn(argv[0], argv.slice(1), options);
}
