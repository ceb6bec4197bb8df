/**
 * The spans page: stored spans found with a condition (the rules' language), newest first,
 * 50 a page, each with a box to tick; the ticked ones, or all that match, go to a queue.
 * A condition with a mistake is shown with a marker under the place of the mistake.
 */
import type { StoredSpan } from '../../../collector/storage/stored-span.js';
import type { ConditionError } from '../../../processors/condition/index.js';
import type { Caller } from '../../auth/callers.js';
import { Layout, type PageContext } from '../layout.js';
import { durationText, inputPreview, modelOf, nsToMs, plural, timeText, traceHref } from './format.js';
import { filterQuery, type Cursor, type SpanFilter } from './span-search.js';

export const PAGE_SIZE = 50;

export interface SpansPageProps {
  ctx: PageContext & { caller: Caller };
  filter: SpanFilter;
  spans: StoredSpan[];
  next?: Cursor;
  queues: string[];
  /** A condition that could not be read, or a time that is not one. */
  conditionError?: ConditionError;
  timeError?: string;
}

export function SpansPage(p: SpansPageProps) {
  const f = p.filter;
  // An "Older" link always says how many spans of its start time were shown before.
  const later = f.seen > 0;
  const failed = p.conditionError !== undefined || p.timeError !== undefined;
  return (
    <Layout ctx={p.ctx} title="Spans" style="admin.css" wide>
      <h1>Spans</h1>
      <form method="get" action="/admin/spans" class="filter" role="search" aria-label="Which spans to show">
        <div class="field where">
          <label for="where">Condition</label>
          <textarea id="where" name="where" rows={2} aria-describedby={p.conditionError ? 'where-help where-error' : 'where-help'} aria-invalid={p.conditionError ? 'true' : undefined}>
            {f.where}
          </textarea>
          <p class="help" id="where-help">
            Which spans to show, written as in a rule, for example <code>attributes["gen_ai.request.model"] == "gpt-4o" and duration &gt; 5s</code>. Leave it empty to see every span.
          </p>
        </div>
        <div class="field">
          <label for="since">From</label>
          <input id="since" name="since" value={f.since} placeholder="24h" aria-describedby="since-help" />
          <p class="help" id="since-help">How far back: 24h, 7d, or a date such as 2025-01-31.</p>
        </div>
        <div class="field">
          <label for="until">Until</label>
          <input id="until" name="until" value={f.until} aria-describedby="until-help" />
          <p class="help" id="until-help">Empty means up to now.</p>
        </div>
        <div class="field submit">
          <button type="submit" class="primary">Show spans</button>
        </div>
      </form>
      {p.conditionError ? <ConditionProblem text={f.where} err={p.conditionError} /> : null}
      {p.timeError ? (
        <section class="problem" role="alert">
          <h2>That time is not one spansift understands</h2>
          <p>{p.timeError}</p>
        </section>
      ) : null}
      {failed ? null : p.spans.length === 0 ? (
        <p class="empty-result">{later ? 'No older spans match.' : 'No stored span matches in this time range. Try a wider range (From) or a different condition.'}</p>
      ) : (
        <SpanTable {...p} />
      )}
      {!failed && (later || p.next) ? (
        <nav class="pager" aria-label="Pages">
          {later ? <a href={`/admin/spans${filterQuery({ where: f.where, since: f.since })}`}>Newest</a> : null}
          {p.next ? (
            <a rel="next" href={`/admin/spans${filterQuery({ where: f.where, since: f.since, until: p.next.untilNs.toString(), seen: p.next.seen })}`}>
              Older →
            </a>
          ) : null}
        </nav>
      ) : null}
    </Layout>
  );
}

function SpanTable(p: SpansPageProps) {
  const f = p.filter;
  return (
    <form method="post" action="/admin/spans/enqueue" class="enqueue-form">
      <input type="hidden" name="csrf" value={p.ctx.csrf ?? ''} />
      <input type="hidden" name="where" value={f.where} />
      <input type="hidden" name="since" value={f.since} />
      <input type="hidden" name="until" value={f.until} />
      <input type="hidden" name="seen" value={String(f.seen)} />
      <table class="data spans">
        <caption>
          {plural(p.spans.length, 'span')}, newest first{f.seen > 0 ? ' (an older page)' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <span class="visually-hidden">Select</span>
            </th>
            <th scope="col">Time</th>
            <th scope="col">Service</th>
            <th scope="col">Span</th>
            <th scope="col">Duration</th>
            <th scope="col">Model</th>
            <th scope="col">Input</th>
            <th scope="col">Trace</th>
          </tr>
        </thead>
        <tbody>
          {p.spans.map((s, i) => {
            const at = nsToMs(s.startTimeUnixNano);
            return (
              <tr>
                <td>
                  <input type="checkbox" id={`sel-${i}`} name="span" value={`${s.traceId}:${s.spanId}`} />
                  <label for={`sel-${i}`} class="visually-hidden">
                    Select {s.name} at {timeText(at)}
                  </label>
                </td>
                <td class="nowrap">
                  <time datetime={new Date(at).toISOString()}>{timeText(at)}</time>
                </td>
                <td>{s.serviceName}</td>
                <th scope="row">{s.name}</th>
                <td class="nowrap num">{durationText(s.durationNano)}</td>
                <td>{modelOf(s) ?? ''}</td>
                <td class="preview">{inputPreview(s)}</td>
                <td>
                  <a href={traceHref(s.traceId, s.spanId)}>
                    Trace<span class="visually-hidden"> of {s.name} at {timeText(at)}</span>
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {p.queues.length === 0 ? (
        <p class="help">
          To send spans to people for labeling, first add a queue to the config file (see the <a href="/admin">overview</a>).
        </p>
      ) : (
        <div class="enqueue">
          <label for="queue">Queue</label>
          <select id="queue" name="queue">
            {p.queues.map((q) => (
              <option value={q}>{q}</option>
            ))}
          </select>
          <button type="submit" name="all" value="0" class="primary">
            Add selected to queue
          </button>
          <button type="submit" name="all" value="1">
            Add all that match to queue
          </button>
          <p class="help">
            Spans already in the queue are not added twice.{f.seen > 0 ? ' "All that match" starts from this page and goes back in time.' : ''}
          </p>
        </div>
      )}
    </form>
  );
}

/** The condition with its mistake marked: the place highlighted, a caret under it, and the message. */
export function ConditionProblem(props: { text: string; err: ConditionError }) {
  const { err } = props;
  const lines = props.text.split('\n');
  const at = Math.min(err.line, lines.length) - 1;
  const chars = Array.from(lines[at] ?? '');
  const col = Math.min(Math.max(err.column - 1, 0), chars.length);
  const before = chars.slice(0, col).join('');
  const caret = chars
    .slice(0, col)
    .map((ch) => (ch === '\t' ? '\t' : ' '))
    .join('');
  return (
    <section class="problem" id="where-error" role="alert" aria-labelledby="where-error-title">
      <h2 id="where-error-title">The condition has a mistake</h2>
      <p>
        At line {err.line}, column {err.column}: {err.detail}
      </p>
      <pre class="condition">
        {lines.slice(0, at).map((l) => `${l}\n`)}
        {before}
        <mark>{chars[col] ?? ' '}</mark>
        {chars.slice(col + 1).join('')}
        {'\n'}
        <span class="caret" aria-hidden="true">{`${caret}^`}</span>
        {lines.slice(at + 1).map((l) => `\n${l}`)}
      </pre>
    </section>
  );
}
