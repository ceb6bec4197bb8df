/**
 * What the receiver's hostile tests share: requests no exporter sends (millions of attribute
 * keys, bodies that never end), raw connections from chosen local addresses, and a watch on
 * /healthz that records how long each answer took.
 */
import { Worker } from 'node:worker_threads';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A protobuf length prefix. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), varint(body.length), body]);

/**
 * An ExportTraceServiceRequest of `spans` spans of one trace, carrying `keys` distinct
 * attribute keys in all (4-character keys without values: about 8 bytes each, so 2.4 million
 * fit in 20 MiB).
 */
export function manyKeysRequest(keys: number, spans = 1, traceId = randomBytes(16)): Buffer {
  const perSpan = Math.ceil(keys / spans);
  const now = BigInt(Date.now()) * 1_000_000n;
  const time = Buffer.alloc(8);
  time.writeBigUInt64LE(now);
  const out: Buffer[] = [];
  let k = 0;
  for (let s = 0; s < spans; s++) {
    const attrs = Buffer.alloc(Math.min(perSpan, keys - k) * 8);
    let at = 0;
    for (let i = 0; i < perSpan && k < keys; i++, k++) {
      attrs[at++] = 0x4a; // Span.attributes
      attrs[at++] = 6;
      attrs[at++] = 0x0a; // KeyValue.key
      attrs[at++] = 4;
      for (let d = 0, n = k; d < 4; d++, n = Math.floor(n / 64)) attrs[at++] = ALPHABET.charCodeAt(n % 64);
    }
    const span = Buffer.concat([
      field(0x0a, traceId),
      field(0x12, randomBytes(8)),
      field(0x2a, Buffer.from(`many-keys-${s}`)),
      Buffer.from([0x39]), time, // start_time_unix_nano
      Buffer.from([0x41]), time, // end_time_unix_nano
      attrs,
    ]);
    out.push(field(0x12, span));
  }
  const scopeSpans = field(0x12, Buffer.concat(out));
  return field(0x0a, scopeSpans);
}

/** A TCP connection to `url`'s port from `localAddress` (127.0.0.2 etc. on loopback). */
export function rawConnect(url: string, localAddress = '127.0.0.1'): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the server closes the socket (or it errors), with the text it sent. */
export function closed(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('error', () => undefined);
    if (s.destroyed) resolve(text);
    else s.once('close', () => resolve(text));
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
}

/** POST /v1/traces over node:http (fetch hides connection errors and Connection headers). */
export function postRaw(url: string, body: Uint8Array, opts: { agent?: Agent; localAddress?: string; contentType?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/v1/traces',
        agent: opts.agent ?? false,
        localAddress: opts.localAddress,
        headers: { 'content-type': opts.contentType ?? 'application/x-protobuf', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Polls `${uiUrl}/healthz` back to back (one at a time) until stopped; returns each latency in ms
 * (Infinity: failed). The polls run in a worker thread, as a health check runs apart from the
 * exporter: in this thread the test's own client (grpc-js framing 18 MiB) would delay reading
 * the answers, and its time would count as spansift's.
 */
export function watchHealthz(uiUrl: string): { stop: () => Promise<number[]> } {
  const worker = new Worker(WATCH_HEALTHZ, { eval: true, workerData: `${uiUrl}/healthz` });
  const done = new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const latencies = await done;
      await worker.terminate();
      return latencies;
    },
  };
}

const WATCH_HEALTHZ = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
parentPort.once('message', () => { running = false; });
(async () => {
  const latencies = [];
  while (running) {
    const t0 = performance.now();
    // A failed probe counts as never answered: it shows as an infinite latency.
    const ok = await fetch(workerData).then((res) => res.arrayBuffer().then(() => res.ok), () => false);
    latencies.push(ok ? performance.now() - t0 : Infinity);
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage(latencies);
})();
`;

/**
 * The worst /healthz answer over `ms` with nothing else sent to spansift: what the machine's
 * load alone costs right now (CI runs other test files on the same two cores). A bound for
 * "answers throughout" is then the larger of its own figure and a few times this, so a stall
 * of seconds still fails it while a busy machine does not.
 */
export async function healthzBaseline(uiUrl: string, ms = 1000): Promise<number> {
  const watch = watchHealthz(uiUrl);
  await new Promise((r) => setTimeout(r, ms));
  return Math.max(...(await watch.stop()));
}

export function boundUnderLoad(bound: number, baseline: number): number {
  return Math.max(bound, 4 * baseline);
}

/**
 * How long this machine takes right now to write `bytes` into memory a process has just been
 * given (the kernel maps each page on its first write): the cost of any one-piece copy of a
 * message that size. The least of three fresh Node processes, and never more than 25 µs a
 * page, so a busy moment cannot stretch it. On this virtual machine it is not cheap: 18 MiB
 * took 60 to 80 ms, against about 2 ms into pages already mapped.
 */
export function freshMemoryMs(bytes: number): number {
  const script = `const t = performance.now(); Buffer.allocUnsafeSlow(${bytes}).fill(1); process.stdout.write(String(performance.now() - t));`;
  const runs = [0, 1, 2].map(() => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: {}, timeout: 10_000 })));
  return Math.min(...runs, (bytes / 4096) * 0.025);
}
