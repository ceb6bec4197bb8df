import { describe, expect, it } from 'vitest';
import { agreement } from './agreement.js';

describe('agreement on an item', () => {
  it('counts agreeing pairs among the labelers who gave a value', () => {
    const got = agreement(['ok', 'score', 'note'], [{ ok: true, score: 4 }, { ok: true, score: 5 }, { ok: false, score: 4 }, { score: 4 }]);
    // ok: true,true,false -> 1 agreeing pair of 3; score: 4,5,4,4 -> 3 of 6.
    expect(got).toEqual([
      { label: 'ok', raters: 3, share: 1 / 3, mode: { value: true, count: 2 } },
      { label: 'score', raters: 4, share: 0.5, mode: { value: 4, count: 3 } },
      { label: 'note', raters: 0 },
    ]);
  });

  it('has no share with fewer than two raters, and full agreement when all match', () => {
    expect(agreement(['c'], [{ c: 'a' }])).toEqual([{ label: 'c', raters: 1, mode: { value: 'a', count: 1 } }]);
    expect(agreement(['c'], [{ c: 'a' }, { c: 'a' }])[0].share).toBe(1);
    // 1 and "1" are different answers.
    expect(agreement(['c'], [{ c: 1 }, { c: '1' }])[0].share).toBe(0);
  });
});
