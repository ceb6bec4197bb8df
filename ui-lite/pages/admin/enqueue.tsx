/**
 * Sending spans from the spans page to a queue: the ticked ones (read back in one query),
 * or every span that matches the filter (read page by page, up to ENQUEUE_CAP). Item ids
 * come from (queue, trace, span), so a span already in the queue is counted as such and
 * not written again. The answer is a page saying how many were added.
 */
import { FieldError } from '../../../collector/errors.js';
import { itemIdForSpan } from '../../../collector/model/ids.js';
import type { StoredSpan } from '../../../collector/storage/stored-span.js';
import type { TraceStore } from '../../../collector/storage/traces.js';
import type { Config } from '../../../config/schema.js';
import { pushSpans } from '../../../labeling/queues/push.js';
import type { Router } from '../../../labeling/queues/router.js';
import type { QueueStore } from '../../../labeling/queues/store.js';
import type { Caller } from '../../auth/callers.js';
import { Layout, Notice, type PageContext } from '../layout.js';
import { plural } from './format.js';
import { compileWhereField, DAY_NS, filterQuery, findSpans, parseSpanRef, searchPage, timeRange, type SpanFilter } from './span-search.js';

/** Most spans one "add all that match" reads. */
export const ENQUEUE_CAP = 10_000;
/** Most boxes one form may tick (a page shows 50). */
const MAX_SELECTED = 1_000;
const WALK_PAGE = 1_000;

export interface EnqueueDeps {
  traces: TraceStore;
  queues: QueueStore;
  router: () => Router;
  config: () => Config;
}

export interface EnqueueResult {
  queue: string;
  added: number;
  already: number;
  /** Ticked spans no longer stored. */
  missing: number;
  /** More spans matched than one go reads. */
  capped: boolean;
}

export async function enqueueSpans(d: EnqueueDeps, queue: string, filter: SpanFilter, refsText: string[] | 'all'): Promise<EnqueueResult> {
  if (!queue || !Object.hasOwn(d.config().queues, queue)) throw new FieldError('queue', queue ? `There is no queue "${queue}" (any more). Reload the spans page and choose another.` : 'Choose a queue to add the spans to.');
  const router = d.router();
  const now = Date.now();
  const done = new Set<string>();
  const out: EnqueueResult = { queue, added: 0, already: 0, missing: 0, capped: false };

  const add = async (spans: StoredSpan[]) => {
    const fresh = new Map<string, StoredSpan>();
    for (const s of spans) {
      const id = itemIdForSpan(queue, s.traceId, s.spanId);
      if (!done.has(id)) fresh.set(id, s);
      done.add(id);
    }
    if (fresh.size === 0) return;
    const there = await d.queues.existing([...fresh.keys()]);
    for (const id of there) fresh.delete(id);
    if (fresh.size > 0) await pushSpans(queue, [...fresh.values()], { queues: d.queues, router, now });
    out.added += fresh.size;
    out.already += there.size;
  };

  if (refsText !== 'all') {
    const refs = new Map<string, { traceId: string; spanId: string }>();
    for (const text of refsText) {
      const ref = parseSpanRef(text);
      if (!ref) throw new FieldError('span', 'One of the ticked spans could not be read. Reload the spans page and try again.');
      refs.set(`${ref.traceId}:${ref.spanId}`, ref);
    }
    if (refs.size === 0) throw new FieldError('span', 'No span was ticked. Tick the spans to add, or use "Add all that match".');
    if (refs.size > MAX_SELECTED) throw new FieldError('span', `At most ${MAX_SELECTED} spans can be ticked at once; use "Add all that match" for more.`);
    // The ticked spans were shown from this range; an hour more covers a range that moved on ("24h" back from a later now).
    let sinceNs: bigint;
    try {
      sinceNs = timeRange(filter, now).sinceNs;
    } catch {
      sinceNs = BigInt(now) * 1_000_000n - DAY_NS;
    }
    const found = await findSpans(d.traces, [...refs.values()], sinceNs - 3_600_000_000_000n, now);
    const foundKeys = new Set(found.map((s) => `${s.traceId}:${s.spanId}`));
    out.missing = [...refs.keys()].filter((k) => !foundKeys.has(k)).length;
    await add(found);
    return out;
  }

  const where = compileWhereField(filter.where);
  const range = timeRange(filter, now);
  let cursor = range.cursor;
  let read = 0;
  for (;;) {
    if (read >= ENQUEUE_CAP) {
      out.capped = (await searchPage(d.traces, where, range.sinceNs, cursor, 1)).spans.length > 0;
      break;
    }
    const page = await searchPage(d.traces, where, range.sinceNs, cursor, Math.min(WALK_PAGE, ENQUEUE_CAP - read));
    read += page.spans.length;
    await add(page.spans);
    if (!page.next) break;
    cursor = page.next;
  }
  return out;
}

/** Where the enqueue form sends the browser after adding: the result in the query, so a reload only shows it again. */
export function addedHref(r: EnqueueResult, f: SpanFilter): string {
  const q = new URLSearchParams({ queue: r.queue, added: String(r.added), already: String(r.already) });
  if (r.missing) q.set('missing', String(r.missing));
  if (r.capped) q.set('capped', '1');
  const back = filterQuery(f);
  if (back) q.set('back', back.slice(1));
  return `/admin/spans/added?${q}`;
}

export function AddedPage(props: { ctx: PageContext & { caller: Caller }; get: (key: string) => string | undefined }) {
  const get = props.get;
  const count = (k: string) => Math.max(0, Math.floor(Number(get(k) ?? 0)) || 0);
  const queue = get('queue') ?? '';
  const added = count('added');
  const already = count('already');
  const missing = count('missing');
  // Only the filter's own fields go back into the link.
  const back = new URLSearchParams(get('back') ?? '');
  const filter: Partial<SpanFilter> = { where: back.get('where') ?? '', since: back.get('since') ?? '', until: back.get('until') ?? '', seen: Number(back.get('seen')) || 0 };
  let summary = added === 0 && already === 0 ? `No span was added to ${queue}${missing ? '.' : ': none matched.'}` : `${plural(added, 'span')} added to ${queue}`;
  if (already > 0) summary += `; ${already.toLocaleString('en-US')} ${already === 1 ? 'was' : 'were'} already there`;
  if (added > 0 || already > 0) summary += '.';
  return (
    <Layout ctx={props.ctx} title={added > 0 ? 'Spans added' : 'Nothing new added'} style="admin.css" wide>
      <Notice kind="done" title={added > 0 ? 'Spans added' : 'Nothing new added'}>
        <p class="result">{summary}</p>
        {missing > 0 ? <p>{plural(missing, 'ticked span')} could not be found any more, so {missing === 1 ? 'it was' : 'they were'} not added.</p> : null}
        {get('capped') === '1' ? (
          <p>Only the newest {ENQUEUE_CAP.toLocaleString('en-US')} matching spans were looked at. To add older ones, set Until to an earlier time and add again.</p>
        ) : null}
        <ul class="links">
          <li>
            <a href={`/admin/spans${filterQuery(filter)}`}>Back to the spans</a>
          </li>
          <li>
            <a href={`/admin#queue-${encodeURIComponent(queue)}`}>See {queue} on the overview</a>
          </li>
        </ul>
      </Notice>
    </Layout>
  );
}
