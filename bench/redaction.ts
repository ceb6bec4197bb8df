/**
 * processors.redaction alone, one core: the typical config below over decoded LLM spans
 * (about 1.7 KB of prompt and completion text each), one in a hundred carrying an e-mail,
 * a card number and an API key in its prompt.
 */
import { redactionSchema } from '../config/redaction.js';
import { Redactor } from '../processors/redaction/redactor.js';
import { decodedSpans } from './spans.js';
import type { Span } from '../collector/model/span.js';

/** A typical section: the three detectors, a few key globs, one custom pattern. */
export const TYPICAL_REDACTION = {
  mask_values: ['email', 'credit_card', 'api_key'],
  mask_keys: ['*password*', '*api_key*', 'http.request.header.authorization'],
  delete_keys: ['user.ssn', 'enduser.*'],
  blocked_values: ['\\b\\d{3}-\\d{2}-\\d{4}\\b'],
};

function spans(n: number): Span[] {
  const out = decodedSpans('llm', n);
  for (let i = 0; i < out.length; i += 100) {
    out[i].attributes['gen_ai.prompt.1.content'] += ' I am jane@example.com, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnopqrstuvwx.';
  }
  return out;
}

/** Median of `rounds` runs over fresh batches of `n` spans (redaction changes spans in place). */
export function runRedaction(n: number, rounds = 5): { spansPerSecond: number; textMBPerSecond: number } {
  const redactor = Redactor.compile(redactionSchema.parse(TYPICAL_REDACTION))!;
  redactor.spans(spans(2_000));
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    const batch = spans(n);
    let bytes = 0;
    for (const s of batch) for (const v of Object.values(s.attributes)) if (typeof v === 'string') bytes += v.length;
    const t0 = performance.now();
    redactor.spans(batch);
    const seconds = (performance.now() - t0) / 1000;
    runs.push({ spansPerSecond: n / seconds, textMBPerSecond: bytes / 2 ** 20 / seconds });
  }
  return runs.sort((a, b) => a.spansPerSecond - b.spansPerSecond)[Math.floor(rounds / 2)];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(runRedaction(Number(process.argv[2] ?? 20_000))));
