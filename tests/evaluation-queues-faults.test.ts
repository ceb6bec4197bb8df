/**
 * A human evaluator's queue whose record could not be written is not taken as made: the
 * next data point or span of it writes it again, and it appears once that succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, testStorage, type Running } from './support/spansift.js';
import { faulty, type Faults } from './support/faulty-connection.js';
import { EvaluationQueues } from '../labeling/evaluations/queues.js';
import type { LabelSpec } from '../config/queues.js';

const faults: Faults = { inserts: 0 };
const storage = testStorage(faulty(faults));
let sift: Running;
beforeAll(async () => {
  // Makes the tables.
  sift = await startSpansift({}, storage);
});
afterAll(async () => {
  await sift?.stop();
  await storage.client.close();
});

const labels: LabelSpec[] = [{ name: 'correct', type: 'boolean' }] as LabelSpec[];

describe('an evaluation queue whose write failed', () => {
  it('is written again by the next data point and the next span of it', async () => {
    const queues = new EvaluationQueues(storage.client, 'default');
    const down = () => Object.assign(faults, { insertError: new Error('ClickHouse is down'), insertMatch: /spansift_eval_queues/ });
    const up = () => Object.assign(faults, { insertError: undefined });

    down();
    await expect(queues.ensure('judge-q', 'judge')).rejects.toThrow('ClickHouse is down');
    expect(queues.get('judge-q')).toBeUndefined();
    up();
    await queues.ensure('judge-q', 'judge');
    expect(queues.get('judge-q')).toMatchObject({ evaluator: 'judge', labels: null });

    down();
    await expect(queues.define('judge-q', 'judge', labels)).rejects.toThrow('ClickHouse is down');
    expect(queues.specs()).toEqual({});
    up();
    await queues.define('judge-q', 'judge', labels);
    expect(Object.keys(queues.specs())).toEqual(['judge-q']);

    // And it is stored: another process reading the table sees it ready.
    const fresh = new EvaluationQueues(storage.client, 'default');
    await fresh.load();
    expect(Object.keys(fresh.specs())).toEqual(['judge-q']);
  });
});
