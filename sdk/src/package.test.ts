/**
 * The SDK installs alone: what it depends on (followed through the lockfile, as npm
 * installs it) holds no part of the server (no embedded engine, no ClickHouse client, no
 * web framework), and its code imports nothing from outside its own folder.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SDK = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(SDK, '..');

interface LockPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Every package an install of `from` (a lockfile path) brings, resolved as node does: nearest node_modules up the tree. */
function closure(lock: Record<string, LockPackage>, from: string): Set<string> {
  const seen = new Set<string>();
  const walk = (at: string) => {
    const p = lock[at];
    const optional = new Set(Object.keys(p?.optionalDependencies ?? {}));
    for (const dep of Object.keys({ ...p?.dependencies, ...p?.optionalDependencies })) {
      let dir = at;
      let found: string | undefined;
      for (;;) {
        const candidate = `${dir ? `${dir}/` : ''}node_modules/${dep}`;
        if (lock[candidate]) {
          found = candidate;
          break;
        }
        if (!dir) break;
        const i = dir.lastIndexOf('/node_modules/');
        dir = i >= 0 ? dir.slice(0, i) : '';
      }
      // Optional dependencies of other platforms (the engine's builds for other systems) are not installed.
      if (!found && optional.has(dep)) continue;
      if (!found) throw new Error(`${dep} (needed by ${at || 'the root'}) is not in the lockfile`);
      if (!seen.has(found)) {
        seen.add(found);
        walk(found);
      }
    }
  };
  walk(from);
  return new Set([...seen].map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length)));
}

describe('the SDK package', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, LockPackage>;

  it('brings only OpenTelemetry and what it needs, none of the server', () => {
    const deps = closure(lock, 'sdk');
    expect(deps.has('@opentelemetry/sdk-trace-base')).toBe(true);
    for (const server of ['chdb', '@clickhouse/client', 'hono', '@hono/node-server', '@grpc/grpc-js', 'zod', 'pino']) expect(deps.has(server), server).toBe(false);
    // The same walk from the root finds the server's dependencies: the check can see them.
    expect(closure(lock, '').has('chdb')).toBe(true);
  });

  it('declares what it imports, and imports nothing of the server', () => {
    const pkg = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const file of readdirSync(join(SDK, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const text = readFileSync(join(SDK, 'src', file), 'utf8');
      for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
        if (spec.startsWith('.')) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
        else if (!spec.startsWith('node:')) expect(Object.keys(pkg.dependencies), `${file} imports ${spec}`).toContain(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
      }
    }
  });

  it('is what `spansift/sdk` exports', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }>; workspaces: string[] };
    expect(root.workspaces).toContain('sdk');
    expect(root.exports['./sdk'].default).toBe('./sdk/dist/index.js');
    // Imported by name from the project, as a user's code does.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('spansift/sdk'); console.log(Object.keys(m).sort().join(','))"], { cwd: ROOT, encoding: 'utf8' });
    expect(out.trim()).toBe('HumanEvaluator,HumanEvaluatorSpec,SpansiftError,evaluate,llmJudge');
  });
});
