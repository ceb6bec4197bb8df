import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { RefusalLog } from './refusals.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

afterEach(() => vi.useRealTimers());

describe('RefusalLog', () => {
  it('logs the first refusal of a reason at once, then one line per interval with the counts', () => {
    vi.useFakeTimers();
    const { log, lines } = capture();
    const r = new RefusalLog('http', log, 1000);
    for (let i = 0; i < 1000; i++) r.note('overloaded', `over ${i}`, 2);
    r.note('storage_unavailable', 'down', 5, 'error');
    expect(lines.map((l) => [l.reason, l.count, l.spans])).toEqual([
      ['overloaded', 1, 2],
      ['storage_unavailable', 1, 5],
    ]);
    vi.advanceTimersByTime(1000);
    expect(lines.slice(2).map((l) => [l.reason, l.count, l.spans, l.last_message, l.level])).toEqual([['overloaded', 999, 1998, 'over 999', 40]]);
    // A quiet interval forgets the reason: the next refusal is logged at once again.
    vi.advanceTimersByTime(2000);
    r.note('overloaded', 'again');
    expect(lines).toHaveLength(4);
    r.note('overloaded', 'again');
    r.close();
    expect(lines.map((l) => l.count)).toEqual([1, 1, 999, 1, 1]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
