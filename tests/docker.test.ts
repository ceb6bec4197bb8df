/**
 * The container files as a user runs them: Dockerfile and docker-compose.yml, read the way
 * Docker reads them (the compose file as YAML, with its `${VAR}` interpolation), and checked
 * against the package and the config spansift loads in the container. The image's
 * healthcheck command is run against a real spansift.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfigFile } from '../config/load.js';
import { freePort, setupProcess, startProcess, type Proc } from './support/process.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(ROOT + 'package.json', 'utf8')) as { bin: Record<string, string>; files: string[]; scripts: Record<string, string> };
const tsconfig = JSON.parse(readFileSync(ROOT + 'tsconfig.json', 'utf8')) as { include: string[] };

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions by stage (a stage starts at FROM), continuation lines joined, comments dropped. */
function dockerfileStages(text: string): Instruction[][] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\s*\\\n\s*/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const ins = { op: m[1]!.toUpperCase(), args: m[2]!.trim() };
    if (ins.op === 'FROM') stages.push([]);
    stages.at(-1)!.push(ins);
  }
  return stages;
}

/** `KEY=value KEY2=value2` of ENV, as Docker reads it (values without spaces, as this Dockerfile writes them). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.filter((i) => i.op === 'ENV')) {
    for (const [, k, v] of i.args.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  }
  return env;
}

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` from `vars`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string) => {
    const v = vars[name];
    if (v) return v;
    if (kind === '-') return rest;
    if (kind === '?') throw new Error(`required variable ${name} is missing a value: ${rest}`);
    return '';
  });
}

const stages = dockerfileStages(readFileSync(ROOT + 'Dockerfile', 'utf8'));
const final = stages.at(-1)!;
const imageEnv = envOf(final);
const compose = parse(readFileSync(ROOT + 'docker-compose.yml', 'utf8')) as {
  services: Record<
    string,
    {
      build?: string;
      environment?: Record<string, string>;
      ports?: string[];
      volumes?: string[];
      depends_on?: Record<string, { condition: string }>;
      healthcheck?: { test: string[] };
      stop_grace_period?: string;
    }
  >;
};
const service = compose.services.spansift!;

describe('Dockerfile', () => {
  it('installs the dependencies from the lock file with npm ci, never npm install', () => {
    const runs = stages.flat().filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.filter((r) => /\bnpm (install|i|update)\b/.test(r))).toEqual([]);
    const copied = stages.flat().filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copied.some((c) => c.includes('package-lock.json'))).toBe(true);
  });

  it("gives the user it runs as the embedded engine's library, whose pages it gives back when idle", () => {
    const [uid, gid] = final.filter((i) => i.op === 'USER').at(-1)!.args.split(':');
    const engine = final.filter((i) => i.op === 'COPY' && /\/app\/node_modules\/@chdb\/?$/.test(i.args)).map((i) => i.args);
    expect(engine).toHaveLength(1);
    expect(engine[0]).toContain(`--chown=${uid}:${gid ?? uid}`);
    // What it copies is the engine the build stage set aside.
    const source = engine[0]!.split(/\s+/).at(-2)!;
    const build = stages.slice(0, -1).flat().filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(build.some((r) => r.includes(`mv /app/node_modules/@chdb ${posix.dirname(source)}`))).toBe(true);
  });

  it('runs as an unprivileged user that owns the data directory', () => {
    const users = final.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!;
    const [uid, gid] = user.split(':');
    expect(uid).toMatch(/^[1-9]\d*$/);
    const dataDir = imageEnv.SPANSIFT_DATA_DIR!;
    expect(dataDir).toMatch(/^\//);
    const chown = final.filter((i) => i.op === 'RUN' && i.args.includes('chown')).map((i) => i.args);
    expect(chown.some((c) => c.includes(`chown ${uid}:${gid ?? uid} ${dataDir}`))).toBe(true);
  });

  it('starts the command package.json names, with the config from /etc/spansift that holds the shipped configs', () => {
    const entry = JSON.parse(final.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry[0]).toBe('node');
    expect(entry.at(-1)).toBe(posix.join('/app', pkg.bin.spansift!));
    // The Node flags and environment of `npm start`: the image runs spansift as the README's command does.
    const start = pkg.scripts.start.trim().split(/\s+/);
    const node = start.indexOf('node');
    const startEnv = Object.fromEntries(start.slice(0, node).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
    expect(startEnv.GLIBC_TUNABLES).toBeDefined();
    for (const [k, v] of Object.entries(startEnv)) expect(imageEnv[k], k).toBe(v);
    expect(entry.slice(1, -1)).toEqual(start.slice(node + 1).filter((w) => w.startsWith('--')));
    expect(posix.dirname(imageEnv.SPANSIFT_CONFIG!)).toBe('/etc/spansift');
    const toEtc = final.filter((i) => i.op === 'COPY' && /\s\/etc\/spansift\/?$/.test(i.args)).map((i) => i.args.split(/\s+/));
    const shipped = toEtc.flatMap((parts) => parts.slice(0, -1).filter((p) => p.startsWith('/app/')).map((p) => posix.relative('/app', p)));
    expect(shipped).toContain(`config/${posix.basename(imageEnv.SPANSIFT_CONFIG!)}`);
    for (const f of shipped) expect(existsSync(ROOT + f), f).toBe(true);
    // Every file copied from /app is in the packed package (package.json `files`).
    expect(pkg.files).toContain('config/*.yaml');
  });

  it("listens in the container where EXPOSE says, and keeps data where the volume is, with the image's config", () => {
    const c = loadConfigFile(ROOT + 'config/' + posix.basename(imageEnv.SPANSIFT_CONFIG!), imageEnv);
    const exposed = final.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).sort();
    const endpoints = [c.receivers.otlp.http.endpoint, c.receivers.otlp.grpc.endpoint, c.ui.endpoint];
    expect(endpoints.map((e) => e.split(':')[0])).toEqual(['0.0.0.0', '0.0.0.0', '0.0.0.0']);
    expect(endpoints.map((e) => e.split(':')[1]).sort()).toEqual(exposed);
    expect(c.data_dir).toBe(imageEnv.SPANSIFT_DATA_DIR);
  });

  it('leaves out of the build context nothing the build needs, and the host node_modules', () => {
    const ignored = readFileSync(ROOT + '.dockerignore', 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const glob = (p: string) => new RegExp('^' + p.replace(/\/$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '(/|$)');
    const isIgnored = (f: string) => ignored.some((p) => glob(p).test(f));
    const needed = ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'sdk/package.json', 'sdk/tsconfig.json', 'sdk/README.md', 'sdk/src/index.ts', ...tsconfig.include.map((d) => d + '/x.ts'), 'proto/x.proto', 'ui-lite/static/x.js'];
    expect(needed.filter(isIgnored)).toEqual([]);
    expect(['node_modules', 'sdk/node_modules', 'dist', 'data'].filter((f) => !isIgnored(f))).toEqual([]);
  });

  describe('HEALTHCHECK', () => {
    const health = final.find((i) => i.op === 'HEALTHCHECK')!;
    const cmd = JSON.parse(health.args.slice(health.args.indexOf('CMD') + 3).trim()) as string[];
    let proc: Proc | undefined;
    afterAll(() => proc?.child.kill('SIGKILL'));

    /** Runs the healthcheck's command as Docker does, with the container's UI endpoint. */
    const check = (uiEndpoint: string) =>
      new Promise<number>((done) => {
        expect(cmd[0]).toBe('node');
        execFile(process.execPath, cmd.slice(1), { env: { ...process.env, SPANSIFT_UI_ENDPOINT: uiEndpoint }, timeout: 20_000 }, (err) =>
          done(err ? (typeof err.code === 'number' ? err.code : -1) : 0),
        );
      });

    it('asks /healthz on the UI port', () => {
      expect(health.args).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD /);
      expect(cmd.join(' ')).toContain('/healthz');
      expect(cmd.join(' ')).toContain('SPANSIFT_UI_ENDPOINT');
    });

    it('passes against a running spansift and fails when nothing answers', async () => {
      const setup = await setupProcess();
      proc = await startProcess(setup);
      const ui = new URL(setup.uiUrl);
      expect(await check(`0.0.0.0:${ui.port}`)).toBe(0);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      proc = undefined;
      expect(await check(`0.0.0.0:${ui.port}`)).toBe(1);
      expect(await check(`0.0.0.0:${await freePort()}`)).toBe(1);
    });
  });
});

describe('docker-compose.yml', () => {
  const vars = { SPANSIFT_ADMIN_TOKEN: 'admin-from-shell', SPANSIFT_INGEST_TOKEN: 'ingest-from-shell', CLICKHOUSE_PASSWORD: 'pw' };
  const environment = (v: Record<string, string>) => Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, x]) => [k, interpolate(String(x), v)]));

  it('builds the image and mounts ./config, read-only, where the image reads its config, naming a file there', () => {
    expect(service.build).toBe('.');
    expect(service.volumes).toContain('./config:/etc/spansift:ro');
    const file = environment(vars).SPANSIFT_CONFIG!;
    expect(posix.dirname(file)).toBe('/etc/spansift');
    expect(existsSync(ROOT + 'config/' + posix.basename(file))).toBe(true);
    // The data volume is where the image keeps its data.
    expect(service.volumes!.some((v) => v.endsWith(':' + imageEnv.SPANSIFT_DATA_DIR))).toBe(true);
  });

  it('will not start without an ingest token, and the config it loads then asks exporters for it', () => {
    expect(() => environment({ ...vars, SPANSIFT_INGEST_TOKEN: '' })).toThrow(/SPANSIFT_INGEST_TOKEN/);
    expect(() => environment({ ...vars, SPANSIFT_ADMIN_TOKEN: '' })).toThrow(/SPANSIFT_ADMIN_TOKEN/);
    const env = { ...imageEnv, ...environment(vars) };
    const c = loadConfigFile(ROOT + 'config/' + posix.basename(env.SPANSIFT_CONFIG!), env);
    expect(c.receivers.otlp.auth.bearer_tokens).toEqual(['ingest-from-shell']);
    expect(c.ui.admin_token).toBe('admin-from-shell');
    expect(c.storage.clickhouse.url).toBe('http://clickhouse:8123');
    expect(c.storage.clickhouse.password).toBe('pw');
  });

  it('publishes the ports spansift listens on in the container', () => {
    const env = { ...imageEnv, ...environment(vars) };
    const c = loadConfigFile(ROOT + 'config/' + posix.basename(env.SPANSIFT_CONFIG!), env);
    const listening = [c.receivers.otlp.http.endpoint, c.receivers.otlp.grpc.endpoint, c.ui.endpoint];
    expect(listening.every((e) => e.startsWith('0.0.0.0:'))).toBe(true);
    const published = (service.ports ?? []).map((p) => p.split(':').at(-1)).sort();
    expect(published).toEqual(listening.map((e) => e.split(':')[1]).sort());
  });

  it('starts spansift once ClickHouse is healthy, and gives it longer than its drain to stop', () => {
    expect(service.depends_on?.clickhouse?.condition).toBe('service_healthy');
    expect(compose.services.clickhouse?.healthcheck?.test.length).toBeGreaterThan(0);
    const c = loadConfigFile(ROOT + 'config/server.yaml', { ...imageEnv, ...environment(vars) });
    const grace = /^(\d+)s$/.exec(service.stop_grace_period ?? '');
    expect(grace).not.toBeNull();
    expect(Number(grace![1]) * 1000).toBeGreaterThan(c.limits.shutdown_grace);
  });
});
