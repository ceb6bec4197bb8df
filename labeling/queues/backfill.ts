/**
 * Routes stored spans through one rule, as live ingest would have: the same item ids, so
 * a backfill over spans that were routed live (or backfilled before) adds nothing twice.
 * Sampling and dedupe apply as configured; the rate limit does not, since a backfill
 * catches up on a whole period at once.
 */
import type { Config } from '../../config/schema.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import { storedToSpan } from '../../collector/storage/stored-span.js';
import type { QueueStore } from './store.js';
import { Router } from './router.js';
import { compileCondition, reviveStored, searchWhere } from '../../processors/condition/index.js';
import { FieldError } from '../../collector/errors.js';

export interface BackfillResult {
  rule: string;
  matched: number;
  /** Items written that did not exist before (a second backfill over the same spans enqueues 0; a dry run 0). */
  enqueued: number;
  /** In a dry run: the items that did not exist and would be written. */
  wouldEnqueue?: number;
  dryRun: boolean;
}

const PAGE = 5000;

export async function backfill(
  config: Config,
  ruleName: string,
  range: { sinceNs: bigint; untilNs: bigint },
  stores: { traces: TraceStore; queues: QueueStore },
  dryRun: boolean,
): Promise<BackfillResult> {
  const rule = config.rules.find((r) => r.name === ruleName);
  if (!rule) throw new FieldError('rule', `no rule named "${ruleName}"`, { code: 'NOT_FOUND' });
  const router = new Router({ queues: config.queues, rules: [{ ...rule, enabled: true, rate_limit: undefined }] });
  // Rows of a prefilter are checked with the rule's closure (searchWhere), so `matched` counts matches.
  const where = searchWhere(compileCondition(rule.when));
  let until = range.untilNs;
  let matched = 0;
  let fresh = 0;
  const seen = new Set<string>();
  for (;;) {
    // Each span once: search folds the copies a retried request can leave in otel_traces
    // (`seen` only drops what the page before showed), so `matched` counts spans, not rows.
    const page = await stores.traces.search(where, range.sinceNs, until, PAGE);
    const unseen = page.filter((s) => !seen.has(`${s.traceId}/${s.spanId}`));
    for (const s of unseen) seen.add(`${s.traceId}/${s.spanId}`);
    matched += unseen.length;
    // Attribute values as stored text read back as the values they were (reviveStored): a
    // rule such as attributes["tokens"] > 100 matches a stored span as it matched live.
    const routed = router.route(unseen.map((s) => reviveStored(storedToSpan(s))), Date.now(), 'backfill');
    // Items that exist already (routed live, or by an earlier backfill) are not new.
    const existing = await stores.queues.existing(routed.map((i) => i.item_id));
    const items = routed.filter((i) => !existing.has(i.item_id));
    fresh += items.length;
    if (!dryRun && items.length) {
      const written = stores.queues.write(items);
      stores.queues.batcher.kick();
      await written;
    }
    if (page.length < PAGE) break;
    // Pages walk back in time; the next one ends where this one's oldest span starts (inclusive, `seen` drops repeats).
    until = BigInt(page[page.length - 1].startTimeUnixNano) + 1n;
  }
  return dryRun ? { rule: ruleName, matched, enqueued: 0, wouldEnqueue: fresh, dryRun } : { rule: ruleName, matched, enqueued: fresh, dryRun };
}
