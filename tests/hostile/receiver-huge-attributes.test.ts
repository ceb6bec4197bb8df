/**
 * One request with millions of attribute keys must not stall everyone: a 20 MiB protobuf
 * with 2.4 million distinct keys in one span took about 10 s and 1.8 GB before the span
 * limits, and /healthz went unanswered meanwhile. With them the span keeps its first
 * limits.max_attributes_per_span attributes, the rest are skipped unread and counted, and
 * /healthz answers throughout, over HTTP and gRPC. Spread over 24,000 spans (all kept),
 * decoding and building the rows go in slices, the event loop served between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { grpcExport } from '../support/grpc.js';
import { setupProcess, startProcess, type Proc, type ProcessSetup } from '../support/process.js';
import { boundUnderLoad, freshMemoryMs, healthzBaseline, manyKeysRequest, postRaw, watchHealthz } from './receiver-support.js';

const KEYS = 2_400_000;
/** What "answers throughout" means (the issue's bound); measured 40-95 ms on 2 shared cores (before: unanswered for seconds). */
const HEALTHZ_BOUND_MS = 200;
/** The bound while the engine stores millions of attributes on the same two cores. */
const SHARED_CORES_BOUND_MS = 1000;

let setup: ProcessSetup;
let proc: Proc | undefined;
beforeAll(async () => {
  setup = await setupProcess({ storage: { log: { enabled: false } } }); // limits.max_attributes_per_span: 1024 by default; acknowledged after the insert, so the span can be read at once
  proc = await startProcess(setup);
});
afterAll(() => proc?.child.kill('SIGKILL'));

async function metric(name: string, labels: string): Promise<number> {
  const res = await fetch(`${setup.uiUrl}/metrics`, { headers: { authorization: `Bearer ${setup.adminToken}` } });
  const m = new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(await res.text());
  return m ? Number(m[1]) : 0;
}

/** Sends while /healthz is polled (from 100 ms before to 100 ms after), after a second of polling it at rest. */
async function whileWatched(send: () => Promise<void>): Promise<{ took: number; worst: number; probes: number; baseline: number }> {
  const baseline = await healthzBaseline(setup.uiUrl);
  const watch = watchHealthz(setup.uiUrl);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  await send();
  const took = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 100));
  const latencies = await watch.stop();
  return { took, worst: Math.max(...latencies), probes: latencies.length, baseline };
}

describe('a request with 2.4 million attribute keys', () => {
  // The cut cases run first: the spread case leaves Node's heap at about 450 MB, and its
  // collection (a mark-compact pausing the thread about 90 ms, seen with --trace-gc) would
  // land in whichever case ran next. Each case bounds what its own request does.
  for (const transport of ['http', 'grpc'] as const) {
    it(`is cut to the attribute limit while /healthz keeps answering (${transport})`, async () => {
      const traceId = randomBytes(16);
      const body = manyKeysRequest(KEYS, 1, traceId);
      expect(body.length).toBeLessThan(20 * 1024 * 1024);
      // grpc-js joins a message's frames into one buffer before spansift is handed it, on the
      // event loop: that copy into fresh memory is the transport's, and is allowed for.
      const transportCopy = transport === 'grpc' ? freshMemoryMs(body.length) : 0;
      const { took, worst, probes, baseline } = await whileWatched(async () => {
        if (transport === 'http') expect((await postRaw(setup.httpUrl, body)).status).toBe(200);
        else expect((await grpcExport(setup.grpcUrl, body)).code).toBe(0);
      });
      console.log(`${transport}: ${(body.length / 1048576).toFixed(1)} MiB answered in ${took.toFixed(0)} ms; /healthz worst ${worst.toFixed(0)} ms of ${probes}, ${baseline.toFixed(0)} ms before it${transport === 'grpc' ? ` (its copy into fresh memory: ${transportCopy.toFixed(0)} ms)` : ''}`);
      expect(worst).toBeLessThan(boundUnderLoad(HEALTHZ_BOUND_MS, baseline) + transportCopy);

      const res = await fetch(`${setup.uiUrl}/api/v1/traces/${traceId.toString('hex')}`, { headers: { authorization: `Bearer ${setup.adminToken}` } });
      const trace = (await res.json()) as { spans: { attributes: Record<string, string> }[] };
      expect(Object.keys(trace.spans[0].attributes)).toHaveLength(1024);
      expect(await metric('spansift_receiver_dropped_attributes_total', `transport="${transport}"`)).toBe(KEYS - 1024);
    }, 120_000);
  }

  it('spread over 24,000 spans (all kept): the rows are built in slices while /healthz keeps answering', async () => {
    const traceId = randomBytes(16);
    const body = manyKeysRequest(KEYS, 24_000, traceId);
    expect(body.length).toBeLessThan(20 * 1024 * 1024);
    const { took, worst, probes, baseline } = await whileWatched(async () => {
      expect((await postRaw(setup.httpUrl, body)).status).toBe(200);
    });
    console.log(`spread: ${(body.length / 1048576).toFixed(1)} MiB answered in ${took.toFixed(0)} ms; /healthz worst ${worst.toFixed(0)} ms of ${probes} (${baseline.toFixed(0)} ms before it)`);
    // Its 2.4 million attributes are all stored: the engine's insert of them shares the two
    // cores with the event loop (and with the other test file running beside this one).
    // Alone, the worst answer measured 93 ms; beside another test file, up to 470 ms;
    // before the rows were built in slices, 1.2-3.3 s.
    expect(worst).toBeLessThan(boundUnderLoad(SHARED_CORES_BOUND_MS, baseline));
  }, 180_000);
});
