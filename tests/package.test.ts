/**
 * What an install of spansift gets: a lock file that `npm ci` accepts on every platform
 * spansift runs on, packages that run on the Node versions `engines` declares, a declared
 * dependency for every package the code imports, and a packed package that holds what
 * spansift needs at run time and none of its tests, and that runs, installed as
 * `npm install -g` installs it, from any directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import semver from 'semver';
import { until } from './support/until.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface Manifest {
  name: string;
  version?: string;
  bin?: Record<string, string>;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
interface LockEntry extends Manifest {
  optional?: boolean;
  link?: boolean;
}

const json = <T>(file: string): T => JSON.parse(readFileSync(ROOT + file, 'utf8')) as T;
const pkg = json<Manifest>('package.json');
const sdkPkg = json<Manifest>('sdk/package.json');
const lock = json<{ packages: Record<string, LockEntry> }>('package-lock.json');
const tsconfig = json<{ include: string[] }>('tsconfig.json');

const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const isCode = (f: string) => /\.(ts|tsx|js|mjs|cjs)$/.test(f);
const isTest = (f: string) => /\.test\.tsx?$/.test(f);
const under = (dirs: string[]) => (f: string) => dirs.some((d) => f.startsWith(d + '/'));

/** What `tsc -p tsconfig.json` builds into dist/ and `tsc -p sdk` into sdk/dist/: the code that ships. */
const serverCode = tracked.filter((f) => isCode(f) && !isTest(f) && under(tsconfig.include)(f));
const sdkCode = tracked.filter((f) => isCode(f) && !isTest(f) && f.startsWith('sdk/src/'));
const testCode = tracked.filter((f) => isCode(f) && !serverCode.includes(f) && !sdkCode.includes(f));
/** JSON data the server code imports as a module, which tsc copies into the build beside it. */
const serverData = serverCode.flatMap((f) =>
  [...readFileSync(ROOT + f, 'utf8').matchAll(/from '(\.{1,2}\/[^']+\.json)'/g)].map((m) => posix.join(posix.dirname(f), m[1])),
);

/** The packages a file imports (static, dynamic, type-only and require) or reads a file of (require.resolve), by package name. */
function importedPackages(file: string): string[] {
  const text = readFileSync(ROOT + file, 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const resolved = [...text.matchAll(/require\.resolve\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return [...info.importedFiles.map((i) => i.fileName), ...resolved]
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('#') && !s.startsWith('node:') && !builtinModules.includes(s.split('/')[0]!))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2) : s.split('/').slice(0, 1)).join('/'));
}

/** Imported package -> the files importing it, for packages not in `declared`. */
function undeclared(files: string[], declared: Iterable<string>): Record<string, string[]> {
  const ok = new Set([pkg.name, ...declared]);
  const out: Record<string, string[]> = {};
  for (const f of files) for (const p of importedPackages(f)) if (!ok.has(p)) (out[p] ??= []).push(f);
  return out;
}

const keys = (o: Record<string, string> | undefined) => Object.keys(o ?? {});

describe('dependencies', () => {
  it('every package the shipped code imports is in dependencies', () => {
    expect(serverCode.length).toBeGreaterThan(100);
    expect(undeclared([...serverCode, ...sdkCode], keys(pkg.dependencies))).toEqual({});
  });

  it('the SDK declares what it imports in its own package too', () => {
    expect(sdkCode.length).toBeGreaterThan(0);
    expect(undeclared(sdkCode, keys(sdkPkg.dependencies))).toEqual({});
  });

  it('what only tests and benchmarks import is in devDependencies', () => {
    expect(testCode).toContain('tests/support/spans.ts');
    expect(undeclared(testCode, [...keys(pkg.dependencies), ...keys(pkg.devDependencies)])).toEqual({});
  });

  it('every dependency is imported by the shipped code', () => {
    const used = new Set([...serverCode, ...sdkCode].flatMap(importedPackages));
    expect(keys(pkg.dependencies).filter((d) => !used.has(d))).toEqual([]);
  });
});

/** The lock entry a dependency of the entry at `from` resolves to, looked up as Node does. */
function resolveInLock(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const at = (dir ? dir + '/' : '') + 'node_modules/' + name;
    if (lock.packages[at]) return at;
    if (!dir) return undefined;
  }
}

describe('package-lock.json', () => {
  it("holds every platform's package, so that npm ci finds it in sync on Linux x64 and arm64 and on macOS", () => {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
        if (!resolveInLock(at, name)) missing.push(`${name}@${range} (of ${at || 'the root'})`);
      }
    }
    expect(missing).toEqual([]);
    for (const platform of ['darwin-arm64', 'darwin-x64', 'linux-arm64-gnu', 'linux-x64-gnu']) {
      expect(lock.packages[`node_modules/@chdb/lib-${platform}`], platform).toBeDefined();
    }
  });

  it('holds only packages that run on every Node version engines allows, and on this one', () => {
    const range = pkg.engines?.node ?? '';
    const lowest = semver.minVersion(range)?.version;
    expect(lowest, `engines.node has a lowest version: ${range}`).toBeDefined();
    expect(semver.satisfies(process.version, range), `this Node (${process.version}) is not in ${range}`).toBe(true);
    const unsupported = Object.entries(lock.packages)
      .filter(([, e]) => e.engines?.node && !(semver.satisfies(lowest!, e.engines.node) && semver.satisfies(process.version, e.engines.node)))
      .map(([at, e]) => `${at.replace(/^.*node_modules\//, '')}@${e.version} wants node ${e.engines!.node}`);
    expect(unsupported).toEqual([]);
  });
});

/**
 * The package as a release makes it: `npm pack` (which runs `prepare`, the build) in a copy
 * of the working tree, so the build never replaces dist/ under other tests' feet, then
 * unpacked as `npm install -g` lays it out, its dependencies beside it.
 */
describe('the packed package', () => {
  let packed: string[];
  /** `<prefix>/bin/spansift`, linked to the unpacked package's bin file as npm links it. */
  let command: string;
  let installed: string;
  /** The copy of the tree, the install prefix and the working directories of the runs. */
  const scratch: string[] = [];
  afterAll(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(async () => {
    const src = mkdtempSync(join(tmpdir(), 'spansift-pack-src-'));
    scratch.push(src);
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && !/^(sdk\/)?node_modules$/.test(f) && existsSync(ROOT + f));
    for (const f of files) {
      mkdirSync(dirname(join(src, f)), { recursive: true });
      cpSync(ROOT + f, join(src, f));
    }
    symlinkSync(realpathSync(ROOT + 'node_modules'), join(src, 'node_modules'));
    const out = join(src, '.pack');
    mkdirSync(out);
    const stdout = await new Promise<string>((done, fail) =>
      execFile('npm', ['pack', '--json', '--pack-destination', out], { cwd: src, maxBuffer: 64 * 1024 * 1024, timeout: 150_000 }, (err, o, e) =>
        err ? fail(new Error(`npm pack: ${err.message}\n${e}`)) : done(o),
      ),
    );
    const result = (JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[])[0]!;
    packed = result.files.map((f) => f.path);

    const prefix = mkdtempSync(join(tmpdir(), 'spansift-global-'));
    scratch.push(prefix);
    installed = join(prefix, 'lib', 'node_modules', 'spansift');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(out, result.filename), '-C', installed, '--strip-components=1']);
    symlinkSync(realpathSync(ROOT + 'node_modules'), join(installed, 'node_modules'));
    mkdirSync(join(prefix, 'bin'));
    command = join(prefix, 'bin', 'spansift');
    symlinkSync(join(installed, pkg.bin!.spansift!), command);
    chmodSync(join(installed, pkg.bin!.spansift!), 0o755);
  }, 170_000);

  const js = (f: string) => f.replace(/\.tsx?$/, '.js');
  const serverBuild = () => [...serverCode.filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts')).map((f) => 'dist/' + js(f)), ...serverData.map((f) => 'dist/' + f)];
  const sdkBuild = () => sdkCode.map((f) => 'sdk/dist/' + js(f.slice('sdk/src/'.length)));

  it('holds the build, the command, the .proto files, the shipped configs, the page assets and the README', () => {
    const expected = [
      'package.json',
      'README.md',
      ...Object.values(pkg.bin ?? {}).map((p) => posix.normalize(p)),
      ...serverBuild(),
      ...sdkBuild(),
      'sdk/dist/index.d.ts',
      'sdk/package.json',
      'sdk/README.md',
      ...tracked.filter((f) => /^config\/[^/]+\.yaml$/.test(f)),
      ...tracked.filter((f) => f.startsWith('proto/') && f.endsWith('.proto')),
      ...tracked.filter((f) => f.startsWith('ui-lite/static/')),
    ];
    expect(tracked.filter((f) => f.endsWith('.proto')).length).toBeGreaterThan(3);
    expect(expected.filter((f) => !packed.includes(f))).toEqual([]);
  });

  it('holds no tests, test data, benchmarks, sources or build output of files that are gone', () => {
    const built = new Set([...serverBuild(), ...sdkBuild()]);
    const extra = packed.filter((f) => {
      if (f.startsWith('dist/') || f.startsWith('sdk/dist/')) {
        const base = f.replace(/\.js\.map$/, '.js').replace(/\.d\.ts$/, '.js');
        return !built.has(base);
      }
      return !(
        ['package.json', 'README.md', 'sdk/package.json', 'sdk/README.md'].includes(f) ||
        /^config\/[^/]+\.yaml$/.test(f) ||
        (f.startsWith('proto/') && f.endsWith('.proto')) ||
        f.startsWith('ui-lite/static/')
      );
    });
    expect(extra).toEqual([]);
    expect(packed.filter((f) => /(^|\/)(tests?|testdata|bench)\/|\.test\./.test(f))).toEqual([]);
  });

  /** The environment of a shell somewhere else: node on the PATH, no spansift variables. */
  const env = (extra: Record<string, string> = {}) => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SPANSIFT_') && !k.startsWith('CLICKHOUSE_'))),
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    ...extra,
  });

  it('`spansift validate` from another directory checks the config the package holds', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'spansift-elsewhere-'));
    scratch.push(cwd);
    const stdout = execFileSync(command, ['validate'], { cwd, env: env(), encoding: 'utf8' });
    expect(stdout.trim()).toBe(`${realpathSync(installed)}/config/spansift.yaml: valid`);
  });

  it('`spansift start` from another directory stores what an OpenTelemetry exporter sends, serves its pages, and stops on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'spansift-elsewhere-'));
    scratch.push(cwd);
    const child = spawn(command, ['start'], {
      cwd,
      env: env({
        SPANSIFT_DATA_DIR: join(cwd, 'data'),
        SPANSIFT_OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
        SPANSIFT_OTLP_GRPC_ENDPOINT: '127.0.0.1:0',
        SPANSIFT_UI_ENDPOINT: '127.0.0.1:0',
        SPANSIFT_ADMIN_TOKEN: 'packed-admin-token',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
    try {
      const started = await until('spansift started', async () => {
        if (child.exitCode !== null) throw new Error(`spansift exited ${child.exitCode}:\n${output}`);
        const line = output.split('\n').find((l) => l.includes('"msg":"spansift started"'));
        return line ? (JSON.parse(line) as { otlp_http: { port: number }; ui: { port: number } }) : undefined;
      }, 60_000);
      const ui = `http://127.0.0.1:${started.ui.port}`;

      // Protobuf over HTTP: the .proto files come from the package.
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
      provider.getTracer('packed').startSpan('from-a-packed-install').end();
      const [span] = memory.getFinishedSpans();
      const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${started.otlp_http.port}/v1/traces` });
      const result = await new Promise<{ code: number; error?: Error }>((done) => exporter.export([span!], done));
      await exporter.shutdown();
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      const traceId = span!.spanContext().traceId;
      const stored = await until('the span is stored', async () => {
        const r = await fetch(`${ui}/api/v1/traces/${traceId}`, { headers: { Authorization: 'Bearer packed-admin-token' } });
        return r.status === 200 && ((await r.json()) as { spans: { name: string }[] });
      });
      expect(stored.spans.map((s) => s.name)).toEqual(['from-a-packed-install']);

      // The sign-in page and the assets it links, from the package's ui-lite/static.
      const page = await fetch(`${ui}/sign-in`);
      expect(page.status).toBe(200);
      const assets = [...(await page.text()).matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThan(0);
      for (const a of assets) expect((await fetch(ui + a)).status, a).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(join(cwd, 'data', 'clickhouse'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
