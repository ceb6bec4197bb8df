/**
 * Admin pages: the overview of queues with every labeler's progress, the spans view (find
 * stored spans with a condition and send them to a queue), the rules in force with their
 * counts, and a trace as a tree of spans with timings. Admins only.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { FieldError, SpansiftError } from '../../../collector/errors.js';
import { ConditionError } from '../../../processors/condition/index.js';
import type { AppEnv } from '../../auth/middleware.js';
import type { PageContext } from '../layout.js';
import type { Caller } from '../../auth/callers.js';
import type { PageDeps } from '../routes.js';
import { AddedPage, addedHref, enqueueSpans } from './enqueue.js';
import { loadOverview, OverviewPage } from './overview.js';
import { RulesPage } from './rules.js';
import { compileWhere, readFilter, searchPage, timeRange } from './span-search.js';
import { PAGE_SIZE, SpansPage } from './spans.js';
import { TracePage } from './trace.js';
import { ActionsPage } from './actions.js';
import { ComparePage, EvaluationPage, EvaluationsPage } from './evaluations.js';
import { compareEvaluations, evaluationReport } from '../../../labeling/evaluations/report.js';

type PageEnv = AppEnv & { Variables: { ctx: PageContext & { caller: Caller } } };

export const adminOnly: MiddlewareHandler<PageEnv> = async function adminOnly(c, next) {
  if (c.get('caller').role !== 'admin') throw new SpansiftError('FORBIDDEN', 'this page is for admins');
  await next();
};

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

export function adminPages(d: PageDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use('*', adminOnly);

  r.get('/', async (c) => {
    const now = Date.now();
    const queues = await loadOverview(d.desk, d.config(), c.get('caller'), now);
    return c.html(<OverviewPage ctx={c.get('ctx')} queues={queues} now={now} />);
  });

  r.get('/spans', async (c) => {
    const filter = readFilter((k) => c.req.query(k));
    const page = { ctx: c.get('ctx'), filter, spans: [], queues: Object.keys(d.config().queues) };
    let where;
    try {
      where = compileWhere(filter.where);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      return c.html(<SpansPage {...page} conditionError={e} />, 400);
    }
    let range;
    try {
      range = timeRange(filter);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      const given = e.field === 'until' ? filter.until : filter.since;
      return c.html(<SpansPage {...page} timeError={`${e.field === 'until' ? 'Until' : 'From'}: "${given}" is not a time. Use how far back, like 24h or 7d, or a date such as 2025-01-31.`} />, 400);
    }
    const found = await searchPage(d.traces, where, range.sinceNs, range.cursor, PAGE_SIZE);
    return c.html(<SpansPage {...page} spans={found.spans} next={found.next} />);
  });

  r.post('/spans/enqueue', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const all = (k: string): string[] => [form[k] ?? []].flat().filter((v): v is string => typeof v === 'string');
    const one = (k: string): string | undefined => all(k).at(-1);
    const filter = readFilter(one);
    const result = await enqueueSpans(d, one('queue') ?? '', filter, all('all').includes('1') ? 'all' : all('span'));
    return c.redirect(addedHref(result, filter), 303);
  });

  r.get('/spans/added', (c) => c.html(<AddedPage ctx={c.get('ctx')} get={(k) => c.req.query(k)} />));

  r.get('/rules', (c) => c.html(<RulesPage ctx={c.get('ctx')} rules={d.config().rules} counters={d.counters?.rules} />));

  r.get('/actions', async (c) => {
    const [failed, pending, delivered] = await Promise.all([d.deliveries.list('failed', 200), d.deliveries.list('pending', 200), d.deliveries.list('delivered', 20)]);
    return c.html(<ActionsPage ctx={c.get('ctx')} failed={failed} pending={pending} delivered={delivered} />);
  });

  r.get('/evaluations', async (c) => {
    const list = await d.evaluations.list({ limit: 500 });
    const counts = await d.evaluations.counts(list.map((e) => e.id));
    return c.html(<EvaluationsPage ctx={c.get('ctx')} evaluations={list.map((e) => ({ ...e, datapoints: counts.get(e.id) ?? 0 }))} />);
  });

  r.get('/evaluations/compare', (c) => {
    const ids = c.req.queries('id') ?? [];
    if (ids.length !== 2) throw new FieldError('id', 'Choose exactly two evaluations of one group to compare.');
    return c.redirect(`/admin/evaluations/${encodeURIComponent(ids[0])}/compare/${encodeURIComponent(ids[1])}`, 303);
  });

  r.get('/evaluations/:id', async (c) => {
    const report = await evaluationReport(d.evaluations, d.config(), c.req.param('id'));
    const others = (await d.evaluations.list({ group: report.evaluation.group, limit: 50 })).filter((e) => e.id !== report.evaluation.id);
    return c.html(<EvaluationPage ctx={c.get('ctx')} report={report} onlyDisagreements={c.req.query('only') === 'disagreements'} page={Number.parseInt(c.req.query('page') ?? '1', 10) || 1} others={others} />);
  });

  r.get('/evaluations/:id/compare/:other', async (c) => {
    const cmp = await compareEvaluations(d.evaluations, c.req.param('id'), c.req.param('other'));
    return c.html(<ComparePage ctx={c.get('ctx')} c={cmp} />);
  });

  r.post('/actions/:id/retry', async (c) => {
    const found = await d.deliveries.get(c.req.param('id'));
    if (!found) throw new SpansiftError('NOT_FOUND', 'There is no such delivery.');
    if (found.status !== 'delivered') await d.runner.retry(found);
    return c.redirect('/admin/actions', 303);
  });

  r.get('/traces/:traceId', async (c) => {
    const id = c.req.param('traceId');
    if (!TRACE_ID.test(id)) throw new FieldError('traceId', 'That is not a trace id. A trace id is 32 characters, each 0-9 or a-f.');
    const traceId = id.toLowerCase();
    const spans = await d.traces.getTrace(traceId);
    if (spans.length === 0) throw new SpansiftError('NOT_FOUND', `No spans are stored for trace ${traceId}. They may not have arrived yet, or they were deleted.`);
    return c.html(<TracePage ctx={c.get('ctx')} traceId={traceId} spans={spans} />);
  });

  return r;
}
