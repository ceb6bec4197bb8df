/**
 * @spansift/sdk (also `spansift/sdk`): evaluate() against a running spansift, with
 * automatic evaluators and HumanEvaluator queues.
 */
export { evaluate, llmJudge } from './evaluate.js';
export type { Datapoint, DatapointResult, EvaluateOptions, EvaluationResult, EvaluatorFunction, EvaluatorResult } from './evaluate.js';
export { HumanEvaluator, HumanEvaluatorSpec } from './human.js';
export { SpansiftError } from './client.js';
