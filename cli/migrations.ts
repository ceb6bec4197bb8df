/**
 * Every part's migrations, in one version sequence: the spans table's (collector), the
 * labeling tables' (each labeling concept owns its DDL: queues, labels, leases, datasets,
 * actions, evaluations) and the sessions' (ui-lite).
 */
import { TRACES_MIGRATIONS, type Migration } from '../collector/storage/migrations.js';
import { QUEUE_MIGRATIONS } from '../labeling/queues/schema.js';
import { LABEL_MIGRATIONS } from '../labeling/labels/schema.js';
import { LEASE_MIGRATIONS } from '../labeling/leases/schema.js';
import { SESSION_MIGRATIONS } from '../ui-lite/auth/schema.js';
import { DATASET_MIGRATIONS } from '../labeling/datasets/schema.js';
import { ACTION_MIGRATIONS } from '../labeling/actions/schema.js';
import { EVALUATION_MIGRATIONS } from '../labeling/evaluations/schema.js';

export const MIGRATIONS: readonly Migration[] = [
  ...TRACES_MIGRATIONS,
  ...QUEUE_MIGRATIONS,
  ...LABEL_MIGRATIONS,
  ...LEASE_MIGRATIONS,
  ...SESSION_MIGRATIONS,
  ...DATASET_MIGRATIONS,
  ...ACTION_MIGRATIONS,
  ...EVALUATION_MIGRATIONS,
].sort((a, b) => a.version - b.version);
