/**
 * Ingest with forwarding on: the ingest benchmark's LLM spans into a spansift process with an
 * `otlphttp` exporter (default settings: gzip, the on-disk sending queue) to a live OTLP/HTTP
 * receiver in this process, against the same ingest without an exporter, alternating rounds.
 * The receiver answers every export with success without decoding it (its own cost is not
 * spansift's); how much had been forwarded when the last span was acknowledged is read from
 * spansift's own metrics.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runIngest, type IngestResult } from './ingest.js';

export interface ForwardingResult {
  plain: IngestResult[];
  forwarding: IngestResult[];
  /** Per round: spans forwarded when the last span was acknowledged, as a share of spans ingested. */
  forwardedShare: number[];
  /** Per round: spans/s with forwarding as a share of spans/s without, in the same round. */
  ratios: number[];
}

export async function runForwarding(spans: number, rounds: number, log: (s: string) => void = () => undefined): Promise<ForwardingResult> {
  const empty = Buffer.alloc(0);
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end(empty));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const out: ForwardingResult = { plain: [], forwarding: [], forwardedShare: [], ratios: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      const plain = await runIngest('llm', spans);
      let sent = 0;
      const forwarding = await runIngest('llm', spans, {
        extraConfig: { exporters: { otlphttp: { endpoint } } },
        atEnd: async (ui) => {
          const text = await (await fetch(`${ui}/metrics`, { headers: { authorization: 'Bearer bench' } })).text();
          sent = Number(/^spansift_exporter_sent_spans_total\{exporter="otlphttp"\} (\d+)/m.exec(text)?.[1] ?? 0);
        },
      });
      out.plain.push(plain);
      out.forwarding.push(forwarding);
      out.forwardedShare.push(sent / forwarding.spans);
      out.ratios.push(forwarding.spansPerSecond / plain.spansPerSecond);
      log(`  round ${r + 1}: forwarding: ${plain.spansPerSecond.toFixed(0)} spans/s without, ${forwarding.spansPerSecond.toFixed(0)} with (${(sent / forwarding.spans * 100).toFixed(0)}% forwarded by the last ack)`);
    }
  } finally {
    sink.closeAllConnections();
    sink.close();
  }
  return out;
}
