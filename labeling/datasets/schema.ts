/**
 * DDL for datasets. A dataset is a name with a description and a generation (when it was
 * created): deleting a dataset and creating it again starts a new generation, and items
 * of an old one are never shown again. Items are ReplacingMergeTree rows keyed by
 * (dataset, item id): writing an item again (an action firing twice, an import retried, a
 * label edited after completion) replaces it, never adds a second one.
 */
import { clustered, engine, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';

export const DATASETS_TABLE = 'spansift_datasets';
export const DATASET_ITEMS_TABLE = 'spansift_dataset_items';

export function datasetsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, DATASETS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    name String,
    description String,
    generation UInt64,
    deleted UInt8,
    updated_at DateTime64(3)
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'updated_at')}
ORDER BY name`, 'cityHash64(name)');
}

export function datasetItemsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, DATASET_ITEMS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    dataset String,
    generation UInt64,
    item_id String,
    source LowCardinality(String),
    data String CODEC(ZSTD(1)),
    target String CODEC(ZSTD(1)),
    metadata String CODEC(ZSTD(1)),
    created_at DateTime64(3),
    updated_at DateTime64(3),
    deleted UInt8
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'updated_at')}
ORDER BY (dataset, generation, item_id)`, 'cityHash64(dataset, item_id)');
}

export const DATASET_MIGRATIONS: Migration[] = [
  { version: 10, name: 'datasets and their items', statements: (o) => [...datasetsTableDDL(o), ...datasetItemsTableDDL(o)] },
];
