/**
 * The exporters together, as the receivers and the pipeline see them: spans after they are
 * stored, and logs and metrics as they arrive, go into the queue of every exporter that
 * takes their signal (spans only where the exporter's `when` matches).
 *
 * Spans are encoded once per distinct selection: every exporter without a `when` shares
 * one encoding, and that is the request's own protobuf when the receiver kept it (the spans
 * are all of it, unchanged) and nothing changes spans between decoding and storage
 * (`verbatim`: the pipeline passes no bytes when a processor changed the spans). An
 * exporter with its own `redaction` gets a redacted copy, encoded for it alone.
 */
import type { Span } from '../model/span.js';
import type { Signal } from '../model/otlp-frames.js';
import type { Exporter } from './exporter.js';
import { encodeTraces } from './otlp/encode-traces.js';

export interface ForwardTarget {
  exporter: Exporter;
  /** Only spans for which this is true are forwarded (the exporter's `when`). */
  select?: (span: Span) => boolean;
  /** The spans as this exporter sends them (its own redaction), made from a copy: the stored spans are left as they are. */
  transform?: (spans: readonly Span[]) => Span[];
}

export class Forwarder {
  private readonly spanTargets: ForwardTarget[];

  constructor(
    private readonly targets: readonly ForwardTarget[],
    private readonly options: { verbatim: boolean } = { verbatim: false },
  ) {
    this.spanTargets = targets.filter((t) => t.exporter.signals.has('traces'));
  }

  /** Some exporter forwards this signal. */
  takes(signal: Signal): boolean {
    return this.targets.some((t) => t.exporter.signals.has(signal));
  }

  /** Queues stored spans for every exporter of traces; never rejects (drops are counted by each exporter). */
  async spans(spans: readonly Span[], wire?: Uint8Array): Promise<void> {
    if (this.spanTargets.length === 0 || spans.length === 0) return;
    let all: Uint8Array | undefined = this.options.verbatim ? wire : undefined;
    await Promise.all(
      this.spanTargets.map(async (t) => {
        try {
          if (!t.select && !t.transform) return await t.exporter.enqueue('traces', (all ??= encodeTraces(spans)), spans.length);
          const select = t.select ?? (() => true);
          const chosen = spans.filter((s) => {
            try {
              return select(s);
            } catch {
              return false;
            }
          });
          if (chosen.length === 0) return undefined;
          if (t.transform) return await t.exporter.enqueue('traces', encodeTraces(t.transform(chosen)), chosen.length);
          if (chosen.length === spans.length) return await t.exporter.enqueue('traces', (all ??= encodeTraces(spans)), spans.length);
          return await t.exporter.enqueue('traces', encodeTraces(chosen), chosen.length);
        } catch (e) {
          // The spans are stored already: a copy that cannot be made is this exporter's loss alone.
          t.exporter.dropped('traces', spans.length, e);
          return undefined;
        }
      }),
    );
  }

  /** Queues a logs or metrics request (protobuf, untouched); false when no exporter could queue it. */
  async request(signal: Signal, body: Uint8Array, items: number): Promise<boolean> {
    const results = await Promise.all(this.targets.filter((t) => t.exporter.signals.has(signal)).map((t) => t.exporter.enqueue(signal, body, items)));
    return results.some(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.exporter.stop()));
  }
}
