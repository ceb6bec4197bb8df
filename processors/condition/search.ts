/**
 * A compiled condition as a span search takes it: its WHERE clause, and when that clause
 * is only a prefilter (a part ClickHouse cannot express exactly, `sql.exact` false), the
 * closure run on each row read, so search and backfill answer as live routing does.
 */
import type { SpanWhere } from '../../collector/storage/traces.js';
import { storedToSpan } from '../../collector/storage/stored-span.js';
import type { CompiledCondition } from './index.js';
import { reviveStored } from './stored.js';

export function searchWhere(c: CompiledCondition): SpanWhere {
  if (c.sql.exact) return c.sql;
  return { ...c.sql, keep: (s) => c.match(reviveStored(storedToSpan(s))) };
}
