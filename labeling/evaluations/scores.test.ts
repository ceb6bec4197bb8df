import { describe, expect, it } from 'vitest';
import type { QueueSpec } from '../../config/queues.js';
import type { ActionContext } from '../actions/context.js';
import { humanScores, withdrawn } from './scores.js';

const spec = {
  labels: [
    { name: 'correct', type: 'boolean', required: true },
    { name: 'issue', type: 'categorical', values: { none: 0, hallucination: 1, refusal: 2 }, required: false },
    { name: 'note', type: 'text', required: false },
  ],
} as unknown as QueueSpec;

function ctx(byLabeler: Record<string, Record<string, boolean | number | string>>): ActionContext {
  return {
    event: { id: 'e', kind: 'updated' },
    queue: 'q',
    item: { id: 'item-1', queue: 'q', enqueuedAt: '', source: 'evaluation', rule: '', traceId: '', spanId: '', idempotencyKey: '', data: {}, target: null, metadata: { evaluation: { id: 'ev', name: 'n', group: 'g', datapoint_id: 'dp', index: 0, evaluator: 'q' } } },
    byLabeler: Object.fromEntries(Object.entries(byLabeler).map(([w, values]) => [w, { values, reasoning: {}, at: '' }])),
    labelers: Object.keys(byLabeler).sort(),
    labels: {},
  };
}

describe('human scores of an item from an evaluation', () => {
  it('are each numeric label per labeler and what they come to; text labels are not scores', () => {
    const rows = humanScores(ctx({ ann: { correct: true, issue: 'none', note: 'fine' }, bob: { correct: false, issue: 'refusal' } }), spec);
    const v = (name: string, labeler: string) => rows.find((r) => r.name === name && r.labeler === labeler)?.value;
    expect([v('correct', 'ann'), v('correct', 'bob'), v('correct', '')]).toEqual([1, 0, 0.5]);
    expect([v('issue', 'ann'), v('issue', 'bob')]).toEqual([0, 2]);
    // Unordered categories split one to one: no aggregate (the mean, 1, is a category nobody chose).
    expect(v('issue', '')).toBeUndefined();
    expect(rows.some((r) => r.name === 'note')).toBe(false);
  });

  it('withdraw what an edit took away: a cleared label, an aggregate with no majority any more', () => {
    const before = humanScores(ctx({ ann: { correct: true, issue: 'none' } }), spec).map((r) => ({ name: r.name, labeler: r.labeler ?? '', item_id: r.item_id ?? '', evaluator: r.evaluator }));
    const now = humanScores(ctx({ ann: { correct: true } }), spec);
    expect(withdrawn(now, before, 'item-1', 'q', 'dp').map((r) => [r.name, r.labeler, r.deleted])).toEqual([
      ['issue', 'ann', true],
      ['issue', '', true],
    ]);
  });
});
