/**
 * Human evaluators: people in a spansift queue score every data point that ran. Their
 * labels come back as human scores of the data point (one per labeler and the mean),
 * beside the automatic ones, as they label.
 */
export class HumanEvaluatorSpec {
  constructor(
    /** The queue (configured in spansift) the data points go to. */
    readonly queue: string,
    /** The evaluator's name in the evaluation; default the queue's. */
    readonly name: string = queue,
  ) {
    if (typeof queue !== 'string' || queue === '') throw new TypeError('HumanEvaluator: expected a queue name');
  }
}

/** `HumanEvaluator("queue")`: the queue's labelers score every data point. */
export function HumanEvaluator(queue: string, options: { name?: string } = {}): HumanEvaluatorSpec {
  return new HumanEvaluatorSpec(queue, options.name);
}
