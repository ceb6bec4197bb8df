import { describe, expect, it } from 'vitest';
import type { LabelSpec } from '../../config/queues.js';
import { aggregateOf, onLabelScale, snap } from './scale.js';

const bool: LabelSpec = { name: 'ok', type: 'boolean', required: false };
const rating: LabelSpec = { name: 'rating', type: 'categorical', values: { poor: 1, fair: 2, good: 3 }, ordinal: true, required: false };
const issue: LabelSpec = { name: 'issue', type: 'categorical', values: { none: 0, hallucination: 1, refusal: 2 }, required: false };
const score: LabelSpec = { name: 'score', type: 'numeric', min: 1, max: 5, required: false };

describe('labels as scales', () => {
  it('snaps to the nearest category, halfway going up', () => {
    expect(snap([0, 1], 0.5)).toBe(1);
    expect(snap([0, 1], 0.49)).toBe(0);
    expect(snap([1, 2, 3], 2.5)).toBe(3);
    expect(snap([1, 2, 3], 9)).toBe(3);
  });

  it('reads a mean of yes and no as yes from one half', () => {
    expect(onLabelScale(bool, aggregateOf(bool, [1, 0])!)).toBe(1);
    expect(onLabelScale(bool, aggregateOf(bool, [1, 0, 0])!)).toBe(0);
  });

  it('averages numbers and ordered categories', () => {
    expect(aggregateOf(score, [2, 5])).toBe(3.5);
    expect(onLabelScale(rating, aggregateOf(rating, [1, 3])!)).toBe(2);
  });

  it('takes the answer most gave for unordered categories, none on a tie: never one nobody chose', () => {
    expect(aggregateOf(issue, [0, 2])).toBeUndefined();
    expect(aggregateOf(issue, [0, 2, 2])).toBe(2);
    expect(aggregateOf(issue, [1])).toBe(1);
    expect(aggregateOf(issue, [])).toBeUndefined();
  });
});
