/**
 * Runs spansift as a separate process, the way users run it (`spansift start --config`),
 * so tests can kill it, restart it on the same data and measure its memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * A port for a config that must name one before the process starts (a restart on the same
 * ports, a command that reads `ui.endpoint`). It is chosen below the kernel's ephemeral range,
 * where no outgoing connection or `listen(0)` can take it between now and the restart, and in
 * a slice of that space of its own for each test worker.
 */
export async function freePort(): Promise<number> {
  const slice = Math.floor((ephemeralStart() - PORT_FLOOR) / WORKER_SLICES);
  const worker = Number(process.env.VITEST_POOL_ID ?? process.pid) % WORKER_SLICES;
  const base = PORT_FLOOR + worker * slice;
  for (let tries = 0; tries < 200; tries++) {
    const port = base + Math.floor(Math.random() * slice);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${base}-${base + slice - 1}`);
}

const PORT_FLOOR = 10_000;
const WORKER_SLICES = 16;

/** The first port the kernel hands out on its own (Linux reads it from /proc; elsewhere the IANA range's start). */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    // A range starting this low leaves no room below it: fall back as elsewhere.
    if (low >= PORT_FLOOR + WORKER_SLICES * 100) return low;
  } catch {
    // Not Linux.
  }
  return 49_152;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export interface ProcessSetup {
  dir: string;
  configFile: string;
  httpUrl: string;
  grpcUrl: string;
  uiUrl: string;
  adminToken: string;
}

/**
 * Writes a config with a fresh data directory. Ports are the system's choice (`:0`), read
 * from spansift's "started" line by startProcess, so no other process can take them first;
 * `fixedPorts` writes ports chosen now instead, for a command that reads them from the
 * config (`spansift backfill` finds the server through `ui.endpoint`).
 */
export async function setupProcess(extra: Record<string, unknown> = {}, opts: { fixedPorts?: boolean } = {}): Promise<ProcessSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-proc-'));
  const [http, grpc, ui] = opts.fixedPorts ? [await freePort(), await freePort(), await freePort()] : [0, 0, 0];
  const config = {
    data_dir: dir,
    receivers: { otlp: { http: { endpoint: `127.0.0.1:${http}` }, grpc: { endpoint: `127.0.0.1:${grpc}` } } },
    ui: { endpoint: `127.0.0.1:${ui}`, admin_token: 'proc-admin-token' },
    log: { level: 'info' },
    ...extra,
  };
  const configFile = join(dir, 'spansift.yaml');
  writeFileSync(configFile, stringify(config));
  return { dir, configFile, httpUrl: `http://127.0.0.1:${http}`, grpcUrl: `http://127.0.0.1:${grpc}`, uiUrl: `http://127.0.0.1:${ui}`, adminToken: 'proc-admin-token' };
}

export interface Proc {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  output: () => string;
}

/**
 * Starts `spansift start` and resolves once it logs that it is listening; the setup's
 * URLs are updated to the ports it listens on.
 */
export function startProcess(setup: ProcessSetup): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), 'start', '--config', setup.configFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"msg":"spansift started"')) {
        const line = out.split('\n').find((l) => l.includes('"msg":"spansift started"'))!;
        const started = JSON.parse(line) as { otlp_http?: { port: number }; otlp_grpc_port?: number; ui: { port: number } };
        if (started.otlp_http) setup.httpUrl = `http://127.0.0.1:${started.otlp_http.port}`;
        if (started.otlp_grpc_port) setup.grpcUrl = `http://127.0.0.1:${started.otlp_grpc_port}`;
        setup.uiUrl = `http://127.0.0.1:${started.ui.port}`;
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
        resolve({ child, exited, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => reject(new Error(`spansift exited (${code}) before it started:\n${out}`)));
  });
}

/** Peak resident memory of a process, from /proc (VmHWM). */
export function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}
