/**
 * Conditions over labels: the language's operators and functions over labels[...] and
 * labelers, and mistakes reported where they are in the text as written.
 */
import { describe, expect, it } from 'vitest';
import { ConditionError } from '../../processors/condition/index.js';
import { compileWhen } from './when.js';

const facts = { labels: { correct: true, quality: 4.5, issue: 'hallucination', note: 'cites 2019' }, labelers: ['ann', 'bob'] };

describe('compileWhen', () => {
  it.each([
    ['labels["correct"] == true', true],
    ['labels["correct"] == false', false],
    ['labels["quality"] >= 4', true],
    ['labels["quality"] > 4.5', false],
    ['labels["issue"] != "none" and labels["quality"] < 5', true],
    ['Len(labelers) >= 2', true],
    ['Len(labelers) >= 3', false],
    ['labels["missing"] == nil', true],
    ['IsMatch(labels["note"], "20[0-9]{2}")', true],
    ['not (labels["correct"] == true) or Len(labelers) == 2', true],
  ])('%s is %s', (text, want) => {
    expect(compileWhen(text)(facts)).toBe(want);
  });

  it('reports a mistake at its place in the text as written, in its words', () => {
    const at = (text: string) => {
      try {
        compileWhen(text);
      } catch (e) {
        expect(e).toBeInstanceOf(ConditionError);
        const err = e as ConditionError;
        return [err.column, err.detail];
      }
      throw new Error('accepted');
    };
    // After `labelers`, which compiles to something longer: the position still points into the text as written.
    expect(at('Len(labelers) >= 2 and labels["x"] ==')).toEqual([38, 'expected a value but found end of input']);
    expect(at('Len(labelers) >= 2 and labels["x"] = 1')).toEqual([36, "unexpected character '='; use '==' to compare"]);
    expect(at('labelers == 2 and name == "x"')).toEqual([19, `unknown path 'name': a completion condition reads labels["name"] and labelers`]);
    expect(at('labels["x"] == SPAN_KIND_NOPE')).toEqual([16, "unknown enum 'SPAN_KIND_NOPE'"]);
  });
});
