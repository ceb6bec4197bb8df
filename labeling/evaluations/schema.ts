/**
 * DDL for evaluations. An evaluation (a run of `evaluate()`) has data points, and each
 * data point has scores: automatic ones (source `code` or `llm`, from the SDK's
 * evaluators) and human ones (source `human`: one per labeler, and the aggregate under
 * labeler ''), written when its items in the human evaluators' queues are labeled.
 * Every table is a ReplacingMergeTree whose `version` grows with every write, so writing
 * a data point or a score again replaces it.
 */
import { clustered, engine, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';

export const EVALUATIONS_TABLE = 'spansift_evaluations';
export const DATAPOINTS_TABLE = 'spansift_eval_datapoints';
export const SCORES_TABLE = 'spansift_eval_scores';
export const EVAL_QUEUES_TABLE = 'spansift_eval_queues';

export function evaluationsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, EVALUATIONS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    evaluation_id String,
    name String,
    group_name String,
    metadata String,
    human_evaluators String,
    created_by String,
    created_at DateTime64(3),
    version UInt64
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'version')}
ORDER BY evaluation_id`, 'cityHash64(evaluation_id)');
}

export function datapointsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, DATAPOINTS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    evaluation_id String,
    datapoint_id String,
    idx UInt32,
    data String CODEC(ZSTD(1)),
    target String CODEC(ZSTD(1)),
    metadata String CODEC(ZSTD(1)),
    executor_output String CODEC(ZSTD(1)),
    has_output UInt8,
    error String,
    trace_id String,
    executor_span_id String,
    dataset_link String,
    created_at DateTime64(3),
    version UInt64,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_executor_span_id executor_span_id TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'version')}
ORDER BY (evaluation_id, datapoint_id)`, 'cityHash64(evaluation_id)');
}

export function scoresTableDDL(o: SchemaOptions): string[] {
  return clustered(o, SCORES_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    evaluation_id String,
    datapoint_id String,
    source LowCardinality(String),
    evaluator String,
    name String,
    labeler String,
    value Nullable(Float64),
    error String,
    queue String,
    item_id String,
    updated_at DateTime64(3),
    deleted UInt8,
    version UInt64
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'version')}
ORDER BY (evaluation_id, datapoint_id, source, evaluator, name, labeler)`, 'cityHash64(evaluation_id)');
}

/** Queues made for Laminar human evaluators with no queue in config (queues.ts); `labels` is '' until known. */
export function evalQueuesTableDDL(o: SchemaOptions): string[] {
  return clustered(o, EVAL_QUEUES_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    name String,
    evaluator String,
    labels String,
    updated_at DateTime64(3),
    version UInt64
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'version')}
ORDER BY name`, 'cityHash64(name)');
}

export const EVALUATION_MIGRATIONS: Migration[] = [
  { version: 12, name: 'evaluations, their data points and scores', statements: (o) => [...evaluationsTableDDL(o), ...datapointsTableDDL(o), ...scoresTableDDL(o), ...evalQueuesTableDDL(o)] },
];
