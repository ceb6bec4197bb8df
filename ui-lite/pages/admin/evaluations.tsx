/**
 * Evaluations for the people who run them: the list by group (pick two of a group to
 * compare), one evaluation with its agreement figures and charts, and its data points
 * with automatic and human scores side by side (per labeler and aggregate), filterable
 * to the disagreements; and two evaluations of a group compared.
 */
import type { Evaluation } from '../../../labeling/evaluations/store.js';
import { onScale, type Comparison, type EvaluationReport, type HumanCriterion, type JudgeComparison } from '../../../labeling/evaluations/report.js';
import type { Statistic } from '../../../labeling/evaluations/agreement/statistic.js';
import type { Caller } from '../../auth/callers.js';
import { Layout, type PageContext } from '../layout.js';
import { Heatmap, Scatter } from './charts.js';
import { plural, timeText } from './format.js';

const enc = encodeURIComponent;
type Ctx = PageContext & { caller: Caller };

const REASONS: Record<string, string> = {
  'insufficient-data': 'not enough data yet',
  'zero-variance': 'undefined: one side never varies',
  'single-category': 'undefined: every value is the same',
  'unknown-category': 'undefined: a value outside the scale',
  'categories-required': 'undefined: the scale has no order',
  'non-numeric': 'undefined: a value is not a number',
  'negative-value': 'undefined: a negative value',
};

function num(x: number, digits = 2): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

/** A statistic in words: its value, interval and sample size, or why there is none. */
function Stat(props: { s: Statistic }) {
  const s = props.s;
  if (s.value === null) return <span class="stat none">— ({REASONS[s.reason ?? ''] ?? s.reason}, n={s.n})</span>;
  return (
    <span class="stat">
      <strong>{num(s.value, 3)}</strong>
      <span class="help">
        {s.ci95 ? ` 95% CI ${num(s.ci95[0], 3)} to ${num(s.ci95[1], 3)},` : ''} n={s.n}
      </span>
    </span>
  );
}

/** Text of a value for a short table cell (JSX escapes it). */
export function preview(v: unknown, max = 140): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (v === null || v === undefined) s = '';
  else if (Array.isArray(v) && v.every((m) => m && typeof m === 'object' && 'content' in m)) s = v.map((m) => `${(m as { role?: string }).role ?? ''}: ${String((m as { content: unknown }).content)}`).join(' · ');
  else if (typeof v === 'object') s = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${typeof x === 'string' ? x : JSON.stringify(x)}`).join(' · ');
  else s = String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function scoreText(c: HumanCriterion | undefined, v: number | undefined): string {
  if (v === undefined) return '—';
  if (c?.names && Object.hasOwn(c.names, String(v))) return c.names[String(v)];
  return num(v);
}

export function EvaluationsPage(props: { ctx: Ctx; evaluations: Array<Evaluation & { datapoints: number }> }) {
  const groups = new Map<string, Array<Evaluation & { datapoints: number }>>();
  for (const e of props.evaluations) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  return (
    <Layout ctx={props.ctx} title="Evaluations" style="admin.css" wide>
      <h1>Evaluations</h1>
      <p>
        Runs of <code>evaluate()</code>, by group. Open one to see its automatic and human scores side by side and how well they agree; choose two of a group to see what changed.
      </p>
      {groups.size === 0 ? <p class="empty-result">No evaluations yet. Run evaluate() from the SDK against this spansift.</p> : null}
      {[...groups].map(([group, list]) => (
        <section class="eval-group">
          <h2>{group}</h2>
          <form method="get" action="/admin/evaluations/compare">
            <table class="data">
              <caption class="visually-hidden">Evaluations of group {group}</caption>
              <thead>
                <tr>
                  <th scope="col">Compare</th>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col" class="num">Data points</th>
                  <th scope="col">Human evaluators</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr>
                    <td>
                      <input type="checkbox" name="id" value={e.id} aria-label={`Compare ${e.name}`} />
                    </td>
                    <td>
                      <a href={`/admin/evaluations/${enc(e.id)}`}>{e.name}</a>
                    </td>
                    <td class="nowrap">{timeText(Date.parse(e.created_at))}</td>
                    <td class="num">{e.datapoints}</td>
                    <td>{e.human_evaluators.map((h) => h.name).join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {list.length >= 2 ? <button type="submit">Compare the two chosen</button> : null}
          </form>
        </section>
      ))}
    </Layout>
  );
}

function JudgeFigures(props: { j: JudgeComparison; report: EvaluationReport }) {
  const { j } = props;
  const a = j.aggregate;
  const title = `${j.automatic.name} (${j.automatic.source}) against ${j.human.label} (${j.human.evaluator})`;
  let chart;
  if (a.scale === 'numeric') {
    const points: Array<{ x: number; y: number }> = [];
    for (const row of props.report.rows) {
      const x = row.datapoint.scores.find((s) => s.source !== 'human' && s.evaluator === j.automatic.evaluator && s.name === j.automatic.name)?.value;
      const y = row.datapoint.scores.find((s) => s.source === 'human' && s.evaluator === j.human.evaluator && s.name === j.human.label && s.labeler === '')?.value;
      if (typeof x === 'number' && typeof y === 'number') points.push({ x, y });
    }
    const xs = points.map((p) => p.x);
    chart = <Scatter title={title} points={points} xLabel={j.automatic.name} yLabel={`${j.human.label} (people)`} xRange={[Math.min(j.human.min, ...xs), Math.max(j.human.max, ...xs)]} yRange={[j.human.min, j.human.max]} />;
  } else {
    chart = <Heatmap title={title} categories={a.confusionMatrix.categories} names={j.human.names} counts={a.confusionMatrix.counts} rowLabel={j.automatic.name} colLabel={`${j.human.label} (people)`} />;
  }
  return (
    <section class="agreement" aria-label={title}>
      <h3>{title}</h3>
      <div class="agreement-body">
        {chart}
        <dl class="facts">
          {a.scale === 'numeric' ? (
            <>
              <div><dt>Pearson r</dt><dd><Stat s={a.pearson} /></dd></div>
              <div><dt>Spearman ρ</dt><dd><Stat s={a.spearman} /></dd></div>
              <div><dt>Mean absolute error</dt><dd><Stat s={a.meanAbsoluteError} /></dd></div>
            </>
          ) : a.scale === 'ordinal' ? (
            <>
              <div><dt>Weighted kappa (quadratic)</dt><dd><Stat s={a.weightedKappa} /></dd></div>
              <div><dt>Accuracy</dt><dd><Stat s={a.accuracy} /></dd></div>
              <div><dt>Spearman ρ</dt><dd><Stat s={a.spearman} /></dd></div>
            </>
          ) : (
            <>
              <div><dt>Cohen's kappa</dt><dd><Stat s={a.kappa} /></dd></div>
              <div><dt>Accuracy</dt><dd><Stat s={a.accuracy} /></dd></div>
            </>
          )}
          {j.labelers.map((l) => {
            const x = l.agreement;
            const s = 'pearson' in x ? x.pearson : 'kappa' in x ? x.kappa : x.weightedKappa;
            return (
              <div>
                <dt>against {l.labeler} alone</dt>
                <dd><Stat s={s} /></dd>
              </div>
            );
          })}
        </dl>
      </div>
    </section>
  );
}

/** Data points shown per page. */
export const ROWS_PER_PAGE = 500;

export function EvaluationPage(props: { ctx: Ctx; report: EvaluationReport; onlyDisagreements: boolean; page: number; others: Evaluation[] }) {
  const { report } = props;
  const e = report.evaluation;
  const autoNames = [...new Map(report.rows.flatMap((r) => r.datapoint.scores.filter((s) => s.source !== 'human').map((s) => [`${s.evaluator}\0${s.name}`, s] as const))).values()];
  const chosen = props.onlyDisagreements ? report.rows.filter((r) => r.disagreements.length) : report.rows;
  const pages = Math.max(1, Math.ceil(chosen.length / ROWS_PER_PAGE));
  const pageNo = Math.min(Math.max(1, props.page), pages);
  const rows = chosen.slice((pageNo - 1) * ROWS_PER_PAGE, pageNo * ROWS_PER_PAGE);
  const pageHref = (n: number) => `/admin/evaluations/${enc(e.id)}?${props.onlyDisagreements ? 'only=disagreements&' : ''}page=${n}#datapoints`;
  const disagreeing = report.rows.filter((r) => r.disagreements.length).length;
  // Who labeled each criterion, worked out once (not per row).
  const labelersByCriterion = new Map<HumanCriterion, string[]>();
  for (const c of report.criteria) labelersByCriterion.set(c, [...new Set(report.rows.flatMap((r) => r.datapoint.scores.filter((s) => s.source === 'human' && s.evaluator === c.evaluator && s.name === c.label && s.labeler !== '').map((s) => s.labeler)))].sort());
  const labelersOf = (c: HumanCriterion) => labelersByCriterion.get(c) ?? [];
  return (
    <Layout ctx={props.ctx} title={`Evaluation ${e.name}`} style="admin.css" wide>
      <p class="crumbs"><a href="/admin/evaluations">Evaluations</a> › {e.group}</p>
      <h1>{e.name}</h1>
      <p class="help">
        Group {e.group} · created {timeText(Date.parse(e.created_at))} by {e.created_by} · {plural(report.rows.length, 'data point')}
        {e.human_evaluators.length ? ` · human evaluators: ${e.human_evaluators.map((h) => (h.name === h.queue ? h.name : `${h.name} (queue ${h.queue})`)).join(', ')}` : ''}
      </p>

      <h2>Average scores</h2>
      {report.averages.length === 0 ? <p class="empty-result">No scores yet.</p> : (
        <table class="data averages">
          <caption class="visually-hidden">Average of each score</caption>
          <thead><tr><th scope="col">Score</th><th scope="col">Source</th><th scope="col">Evaluator</th><th scope="col" class="num">Mean</th><th scope="col" class="num">n</th></tr></thead>
          <tbody>
            {report.averages.map((a) => (
              <tr><th scope="row">{a.name}</th><td>{a.source}</td><td>{a.evaluator}</td><td class="num">{num(a.mean, 3)}</td><td class="num">{a.n}</td></tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Agreement</h2>
      {report.agreement.judges.length === 0 && report.agreement.labelers.length === 0 ? <p class="empty-result">Nothing to compare yet: agreement needs automatic scores and human labels of the same criterion.</p> : null}
      {report.agreement.judges.map((j) => <JudgeFigures j={j} report={report} />)}
      {report.agreement.labelers.length ? (
        <>
          <h3>People among themselves (Krippendorff's alpha)</h3>
          <table class="data">
            <caption class="visually-hidden">Agreement between labelers</caption>
            <thead><tr><th scope="col">Label</th><th scope="col">Human evaluator</th><th scope="col">Scale</th><th scope="col">Labelers</th><th scope="col">Alpha</th></tr></thead>
            <tbody>
              {report.agreement.labelers.map((l) => (
                <tr><th scope="row">{l.human.label}</th><td>{l.human.evaluator}</td><td>{l.human.scale}</td><td>{l.labelers.join(', ')}</td><td><Stat s={l.alpha} /></td></tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {report.agreement.unmatched.map((u) => <p class="help">{u.name}: {u.why}.</p>)}

      <h2 id="datapoints">Data points</h2>
      <nav class="filters" aria-label="Which data points">
        {props.onlyDisagreements ? <a href={`/admin/evaluations/${enc(e.id)}#datapoints`}>All ({report.rows.length})</a> : <strong>All ({report.rows.length})</strong>}
        {props.onlyDisagreements ? <strong>Disagreements ({disagreeing})</strong> : <a href={`/admin/evaluations/${enc(e.id)}?only=disagreements#datapoints`}>Disagreements ({disagreeing})</a>}
      </nav>
      {rows.length === 0 ? <p class="empty-result">{props.onlyDisagreements ? 'No disagreements.' : 'No data points yet.'}</p> : (
        <table class="data datapoints">
          <caption class="visually-hidden">Data points with their scores</caption>
          <thead>
            <tr>
              <th scope="col" class="num">#</th>
              <th scope="col">Input</th>
              <th scope="col">Output</th>
              <th scope="col">Target</th>
              {autoNames.map((s) => <th scope="col">{s.name} <span class="help">({s.source})</span></th>)}
              {report.criteria.map((c) => <th scope="col">{c.label} <span class="help">(people, {c.evaluator})</span></th>)}
              <th scope="col">Why it disagrees</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const p = r.datapoint;
              return (
                <tr class={r.disagreements.length ? 'disagrees' : undefined}>
                  <td class="num">{p.index}</td>
                  <td class="preview">{preview(p.data)}</td>
                  <td class="preview">{p.error ? <span class="error">Error: {preview(p.error)}</span> : preview(p.executor_output)}</td>
                  <td class="preview">{preview(p.target)}</td>
                  {autoNames.map((a) => {
                    const s = p.scores.find((x) => x.source === a.source && x.evaluator === a.evaluator && x.name === a.name);
                    return <td class="num">{s?.error ? <span class="error" title={s.error}>error</span> : scoreText(undefined, s?.value ?? undefined)}</td>;
                  })}
                  {report.criteria.map((c) => {
                    const mine = p.scores.filter((s) => s.source === 'human' && s.evaluator === c.evaluator && s.name === c.label);
                    const agg = mine.find((s) => s.labeler === '')?.value ?? undefined;
                    const each = labelersOf(c).map((who) => [who, mine.find((s) => s.labeler === who)?.value ?? undefined] as const).filter(([, v]) => v !== undefined);
                    return (
                      <td class="num">
                        {scoreText(c, agg === undefined ? undefined : onScale(c, agg))}
                        {each.length ? <span class="help per-labeler">{each.map(([who, v]) => `${who}: ${scoreText(c, v)}`).join(', ')}</span> : null}
                      </td>
                    );
                  })}
                  <td>
                    {r.disagreements.join('; ') || '—'}
                    {p.trace_id ? <> · <a href={`/admin/traces/${enc(p.trace_id)}`}>trace</a></> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {pages > 1 ? (
        <nav class="pager" aria-label="Pages of data points">
          {pageNo > 1 ? <a href={pageHref(pageNo - 1)} rel="prev">← Previous</a> : null}
          <span>
            page {pageNo} of {pages}
          </span>
          {pageNo < pages ? <a href={pageHref(pageNo + 1)} rel="next">Next →</a> : null}
        </nav>
      ) : null}
      {props.others.length ? (
        <>
          <h2>Compare with another run of {e.group}</h2>
          <ul class="links">
            {props.others.map((o) => (
              <li><a href={`/admin/evaluations/${enc(e.id)}/compare/${enc(o.id)}`}>{o.name}</a> <span class="help">({timeText(Date.parse(o.created_at))})</span></li>
            ))}
          </ul>
        </>
      ) : null}
    </Layout>
  );
}

export function ComparePage(props: { ctx: Ctx; c: Comparison }) {
  const { c } = props;
  const v = (x: number | null) => (x === null ? '—' : num(x, 3));
  return (
    <Layout ctx={props.ctx} title={`${c.a.name} and ${c.b.name}`} style="admin.css" wide>
      <p class="crumbs"><a href="/admin/evaluations">Evaluations</a> › {c.group}</p>
      <h1>{c.a.name} → {c.b.name}</h1>
      <p class="help">{plural(c.matched, 'data point')} matched by index; {plural(c.changed.length, 'changed', 'changed')}.</p>
      <h2>Average scores</h2>
      <table class="data">
        <caption class="visually-hidden">Average of each score in both evaluations</caption>
        <thead><tr><th scope="col">Score</th><th scope="col">Source</th><th scope="col" class="num"><a href={`/admin/evaluations/${enc(c.a.id)}`}>{c.a.name}</a></th><th scope="col" class="num"><a href={`/admin/evaluations/${enc(c.b.id)}`}>{c.b.name}</a></th><th scope="col" class="num">Change</th></tr></thead>
        <tbody>
          {c.averages.map((a) => (
            <tr><th scope="row">{a.name}</th><td>{a.source}</td><td class="num">{v(a.a)}</td><td class="num">{v(a.b)}</td><td class="num">{a.a !== null && a.b !== null ? `${a.b - a.a >= 0 ? '+' : ''}${num(a.b - a.a, 3)}` : '—'}</td></tr>
          ))}
        </tbody>
      </table>
      <h2>Data points that changed</h2>
      {c.changed.length === 0 ? <p class="empty-result">Nothing changed.</p> : (
        <table class="data">
          <caption class="visually-hidden">Data points whose output or scores changed</caption>
          <thead><tr><th scope="col" class="num">#</th><th scope="col">Input</th><th scope="col">Output before</th><th scope="col">Output after</th><th scope="col">Scores</th></tr></thead>
          <tbody>
            {c.changed.map((row) => (
              <tr>
                <td class="num">{row.index}</td>
                <td class="preview">{preview(row.data)}</td>
                <td class="preview">{preview(row.output.a)}</td>
                <td class="preview">{preview(row.output.b)}</td>
                <td>{row.scores.map((s) => `${s.name}${s.source === 'human' ? ' (people)' : ''}: ${v(s.a)} → ${v(s.b)}`).join('; ') || 'same scores'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
