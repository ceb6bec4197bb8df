/**
 * One trace as a tree of spans (by parent links; a span whose parent is not stored sits
 * at the top), each with its service, duration, status and a bar on the trace's timeline.
 * Opening a span shows its attributes. The bars and the indents are SVG sized by
 * attributes: the Content-Security-Policy allows no style attributes.
 */
import type { StoredSpan } from '../../../collector/storage/stored-span.js';
import type { Caller } from '../../auth/callers.js';
import { Layout, type PageContext } from '../layout.js';
import { Tree } from '../render/content.js';
import { durationText, nsToMs, statusText, timeText } from './format.js';
import { filterQuery } from './span-search.js';

/** Width of the timeline in SVG units; a bar is never thinner than MIN_BAR. */
const SCALE = 1000;
const MIN_BAR = 2;
const INDENT = 16;
/** Deeper spans are indented no further (the level is still said). */
const MAX_INDENT_DEPTH = 20;

export interface TraceRow {
  span: StoredSpan;
  depth: number;
}

/** The spans in tree order: each after its parent, children by start time; spans caught in a cycle of parent links come last, at the top level. */
export function traceRows(spans: StoredSpan[]): TraceRow[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, StoredSpan[]>();
  const roots: StoredSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId && s.parentSpanId !== s.spanId && ids.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId);
      if (list) list.push(s);
      else children.set(s.parentSpanId, [s]);
    } else roots.push(s);
  }
  const out: TraceRow[] = [];
  const done = new Set<StoredSpan>();
  const walk = (root: StoredSpan) => {
    const stack: TraceRow[] = [{ span: root, depth: 0 }];
    while (stack.length > 0) {
      const row = stack.pop()!;
      if (done.has(row.span)) continue;
      done.add(row.span);
      out.push(row);
      const kids = children.get(row.span.spanId) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) if (!done.has(kids[i])) stack.push({ span: kids[i], depth: row.depth + 1 });
    }
  };
  for (const r of roots) walk(r);
  for (const s of spans) if (!done.has(s)) walk(s);
  return out;
}

export function TracePage(props: { ctx: PageContext & { caller: Caller }; traceId: string; spans: StoredSpan[] }) {
  const rows = traceRows(props.spans);
  const start = props.spans.reduce((m, s) => (BigInt(s.startTimeUnixNano) < m ? BigInt(s.startTimeUnixNano) : m), BigInt(props.spans[0].startTimeUnixNano));
  const end = props.spans.reduce((m, s) => (BigInt(s.endTimeUnixNano) > m ? BigInt(s.endTimeUnixNano) : m), 0n);
  const extent = end > start ? end - start : 1n;
  const services = [...new Set(props.spans.map((s) => s.serviceName))];
  return (
    <Layout ctx={props.ctx} title={`Trace ${props.traceId.slice(0, 8)}`} style="admin.css" wide>
      <h1>
        Trace <code>{props.traceId}</code>
      </h1>
      <dl class="figures">
        <div>
          <dt>Spans</dt>
          <dd>{props.spans.length}</dd>
        </div>
        <div>
          <dt>Took</dt>
          <dd>{durationText(end - start)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{timeText(nsToMs(start.toString()))}</dd>
        </div>
        <div>
          <dt>{services.length === 1 ? 'Service' : 'Services'}</dt>
          <dd>{services.join(', ')}</dd>
        </div>
      </dl>
      <p>
        <a href={`/admin/spans${filterQuery({ where: `trace_id == "${props.traceId}"`, since: '30d' })}`}>These spans on the spans page</a> (to add them to a queue)
      </p>
      <h2 id="spans-title">Spans</h2>
      <p class="help">Open a span to see its attributes. The bars show when each span ran within the trace.</p>
      <div class="span-head" aria-hidden="true">
        <span>Span</span>
        <span>Service</span>
        <span>Duration</span>
        <span>Status</span>
        <span>Timeline</span>
      </div>
      <ol class="trace-tree" aria-labelledby="spans-title">
        {rows.map((r) => (
          <SpanRow row={r} start={start} extent={extent} />
        ))}
      </ol>
    </Layout>
  );
}

function SpanRow({ row, start, extent }: { row: TraceRow; start: bigint; extent: bigint }) {
  const s = row.span;
  const offset = BigInt(s.startTimeUnixNano) - start;
  const x = Math.min(SCALE - MIN_BAR, Math.max(0, (Number(offset) / Number(extent)) * SCALE));
  const width = Math.max(MIN_BAR, Math.min(SCALE - x, (Number(s.durationNano) / Number(extent)) * SCALE));
  const indent = Math.min(row.depth, MAX_INDENT_DEPTH) * INDENT;
  const error = s.status.code === 'Error';
  return (
    <li id={`span-${s.spanId}`} class={error ? 'span-row error' : 'span-row'}>
      <details>
        <summary>
          <span class="name">
            {indent > 0 ? <svg class="indent" width={indent} height="1" aria-hidden="true" focusable="false" /> : null}
            <span class="toggle" aria-hidden="true" />
            <span class="visually-hidden">{`Level ${row.depth + 1}: `}</span>
            {s.name}
          </span>
          <span class="service">
            <span class="visually-hidden">, service </span>
            {s.serviceName}
          </span>
          <span class="num">
            <span class="visually-hidden">, took </span>
            {durationText(s.durationNano)}
          </span>
          <span class="status">
            <span class="visually-hidden">, status </span>
            {statusText(s.status.code)}
          </span>
          <svg class="bar" viewBox={`0 0 ${SCALE} 12`} preserveAspectRatio="none" width="100%" height="12" role="img" aria-label={`starts ${durationText(offset)} into the trace`}>
            <rect class="track" x="0" y="5" width={SCALE} height="2" />
            <rect class="span" x={x.toFixed(1)} y="1" width={width.toFixed(1)} height="10" />
          </svg>
        </summary>
        <div class="span-detail">
          <dl class="facts">
            <div>
              <dt>Started</dt>
              <dd>{timeText(nsToMs(s.startTimeUnixNano))}</dd>
            </div>
            <div>
              <dt>Kind</dt>
              <dd>{s.kind}</dd>
            </div>
            {s.status.message ? (
              <div>
                <dt>Status message</dt>
                <dd>{s.status.message}</dd>
              </div>
            ) : null}
            <div>
              <dt>Span id</dt>
              <dd>
                <code>{s.spanId}</code>
              </dd>
            </div>
          </dl>
          <h3>Attributes</h3>
          {Object.keys(s.attributes).length ? <Tree value={s.attributes} /> : <p class="empty">none</p>}
          <h3>Resource</h3>
          {Object.keys(s.resource.attributes).length ? <Tree value={s.resource.attributes} /> : <p class="empty">none</p>}
          {s.events.length ? (
            <>
              <h3>Events</h3>
              <Tree value={s.events.map((e) => ({ name: e.name, time: timeText(nsToMs(e.timeUnixNano)), attributes: e.attributes }))} />
            </>
          ) : null}
        </div>
      </details>
    </li>
  );
}
