/**
 * Requests turned away and inserts that failed, told to the log without a line per request:
 * the first of a reason is logged at once (so a new problem shows up when it starts), the
 * rest are summed and logged once per interval, one line per reason with its counts and the
 * latest message. 20,000 refusals in a second make a few lines, not 20,000.
 */
import type { Logger } from '../../log.js';
import type { Transport } from '../../consumer.js';
import { SummedLog, type Summed } from '../../summed-log.js';

export const REFUSAL_LOG_INTERVAL_MS = 10_000;

interface Pending extends Summed {
  /** Requests (or connections, for the connection reasons). */
  count: number;
  /** Spans of those requests, where they were known (decoded) when the request was refused. */
  spans: number;
  message: string;
  level: 'warn' | 'error';
}

export class RefusalLog {
  private readonly summed: SummedLog<Pending>;

  constructor(
    private readonly transport: Transport,
    private readonly log: Logger | undefined,
    private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
  ) {
    this.summed = new SummedLog<Pending>({
      write: (reason, p) => this.write(reason, p),
      add: (sum, e) => {
        sum.count++;
        sum.spans += e.spans;
        sum.message = e.message;
      },
      restart: (last) => ({ ...last, count: 0, spans: 0 }),
      intervalMs,
    });
  }

  /** One request (or connection) refused, or failed in storage (level `error`), for `reason`, with its spans when known. */
  note(reason: string, message: string, spans = 0, level: 'warn' | 'error' = 'warn'): void {
    if (this.log) this.summed.note(reason, { count: 1, spans, message, level });
  }

  /** Logs what was summed since the last flush; a reason with nothing new is forgotten, so its next refusal is logged at once. */
  flush(): void {
    this.summed.flush();
  }

  /** Logs what is pending and stops the timer. */
  close(): void {
    this.summed.close();
  }

  private write(reason: string, p: Pending): void {
    const fields = { transport: this.transport, reason, count: p.count, spans: p.spans, last_message: p.message, interval_s: this.intervalMs / 1000 };
    if (p.level === 'error') this.log!.error(fields, 'OTLP exports failed');
    else this.log!.warn(fields, 'OTLP exports refused');
  }
}
