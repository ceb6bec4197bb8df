/**
 * Every part's migrations, in one version sequence: the spans table's (collector) and
 * the labeling tables' (each labeling concept owns its DDL).
 */
import { TRACES_MIGRATIONS, type Migration } from '../collector/storage/migrations.js';
import { QUEUE_MIGRATIONS } from '../labeling/queues/schema.js';

export const MIGRATIONS: readonly Migration[] = [...TRACES_MIGRATIONS, ...QUEUE_MIGRATIONS];
