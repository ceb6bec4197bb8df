import { describe, expect, it } from 'vitest';
import { confusionMatrix } from './confusion-matrix.js';

// scikit-learn reference, sklearn.metrics.confusion_matrix, "Examples": rows are y_true,
// columns y_pred. Here the first argument gives the rows, so y_true goes first.
describe('confusionMatrix', () => {
  it("reproduces scikit-learn's numeric example", () => {
    const yTrue = [2, 0, 2, 2, 0, 1];
    const yPred = [0, 0, 2, 2, 0, 2];
    expect(confusionMatrix(yTrue, yPred)).toEqual({
      categories: [0, 1, 2],
      counts: [
        [2, 0, 0],
        [0, 0, 1],
        [1, 0, 2],
      ],
      n: 6,
    });
  });

  it("reproduces scikit-learn's labelled example, in the given label order", () => {
    const yTrue = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'];
    const yPred = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];
    const m = confusionMatrix(yTrue, yPred, ['ant', 'bird', 'cat']);
    expect(m.categories).toEqual(['ant', 'bird', 'cat']);
    expect(m.counts).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
  });

  it('keeps unused given categories and appends unexpected ones instead of dropping pairs', () => {
    const m = confusionMatrix(['b', 'x', null], ['b', 'a', 'a'], ['a', 'b', 'c']);
    expect(m.categories).toEqual(['a', 'b', 'c', 'x']);
    expect(m.counts).toEqual([
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [1, 0, 0, 0],
    ]);
    expect(m.n).toBe(2);
  });
});
