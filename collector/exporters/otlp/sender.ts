import type { Signal } from '../../model/otlp-frames.js';
import type { SendOutcome } from './outcome.js';

/** One OTLP export attempt of a protobuf request; never rejects. */
export interface Sender {
  send(signal: Signal, payload: Uint8Array, abort: AbortSignal): Promise<SendOutcome>;
  /** Where a signal goes, for the log. */
  target(signal: Signal): string;
  close(): void;
}
