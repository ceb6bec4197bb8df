import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

const sink = (isTTY: boolean) => {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
};

describe('progress', () => {
  it('draws a bar in place on a terminal, and ends the line', () => {
    const { out, stream } = sink(true);
    const p = new Progress(4, stream);
    p.start();
    for (let i = 0; i < 4; i++) p.tick(i === 2);
    p.stop();
    expect(out[0]).toBe(`\r${'░'.repeat(30)} 0/4`);
    // Every redraw starts at the line's start; the last shows the whole bar and the errors.
    expect(out.every((s) => s.startsWith('\r') || s === '\n')).toBe(true);
    expect(out[out.length - 2]).toBe(`\r${'█'.repeat(30)} 4/4  1 with errors`);
    expect(out[out.length - 1]).toBe('\n');
  });

  it('writes plain lines, one per tenth, when the output is not a terminal', () => {
    const { out, stream } = sink(false);
    const p = new Progress(100, stream);
    p.start();
    for (let i = 0; i < 100; i++) p.tick(i < 3);
    p.stop();
    expect(out[0]).toBe('spansift: evaluating 100 data points\n');
    expect(out.slice(1)).toHaveLength(10);
    expect(out[1]).toBe('spansift: 10/100 data points evaluated, 3 with errors\n');
    expect(out[10]).toBe('spansift: 100/100 data points evaluated, 3 with errors\n');
    expect(out.some((s) => s.includes('\r'))).toBe(false);
  });
});
