/**
 * The overview: for every queue, how far it is, who labels in it and how fast (submitted
 * in the last hour and day), and the items completed last, each linking to the page that
 * shows every labeler's labels side by side.
 */
import { SpansiftError } from '../../../collector/errors.js';
import type { Config } from '../../../config/schema.js';
import type { LabelDesk, QueueSummary } from '../../../labeling/desk.js';
import type { LabelEvent } from '../../../labeling/labels/store.js';
import type { Caller } from '../../auth/callers.js';
import { Layout, Notice, type PageContext } from '../layout.js';
import { firstLine } from '../queues.js';
import { agoText, itemHref, timeText } from './format.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const RECENT = 5;

export interface QueueOverview {
  name: string;
  instructions: string;
  labelersPerItem: number;
  /** Undefined while the queue is still loading. */
  summary?: QueueSummary;
  /** Per labeler: submitted in the last hour, in the last day. */
  throughput: Map<string, [number, number]>;
  recent: LabelEvent[];
}

export async function loadOverview(desk: LabelDesk, config: Config, caller: Caller, now = Date.now()): Promise<QueueOverview[]> {
  const names = Object.keys(config.queues);
  const rates = await desk.submittedSince(names, [now - HOUR_MS, now - DAY_MS]);
  return Promise.all(
    names.map(async (name) => {
      const spec = config.queues[name];
      const q: QueueOverview = { name, instructions: spec.instructions, labelersPerItem: spec.labelers_per_item, throughput: new Map(), recent: [] };
      for (const r of rates) if (r.queue === name) q.throughput.set(r.labeler, [r.counts[0], r.counts[1]]);
      try {
        q.summary = desk.summary(caller, name);
        q.recent = await recentCompletions(desk, name, now);
      } catch (e) {
        if (!(e instanceof SpansiftError && e.code === 'STORAGE_UNAVAILABLE')) throw e;
      }
      return q;
    }),
  );
}

/** The last few completions: from the last day when it has enough, else from the start. */
async function recentCompletions(desk: LabelDesk, queue: string, now: number): Promise<LabelEvent[]> {
  let done: LabelEvent[] = [];
  for (const after of [now - DAY_MS, 0]) {
    done = (await desk.events(queue, after, 10_000)).filter((e) => e.kind === 'completed');
    if (done.length >= RECENT) break;
  }
  return done.slice(-RECENT).reverse();
}

const EXAMPLE = `queues:
  answer-quality:
    instructions: Is the answer correct?
    labels:
      - { name: correct, type: boolean, hotkey: c, required: true }
rules:
  - name: gpt4o
    when: 'attributes["gen_ai.request.model"] == "gpt-4o"'
    route_to: answer-quality`;

export function OverviewPage(props: { ctx: PageContext & { caller: Caller }; queues: QueueOverview[]; now: number }) {
  if (props.queues.length === 0) {
    return (
      <Layout ctx={props.ctx} title="Overview" style="admin.css" wide>
        <Notice title="No queues yet">
          <p>Queues, and the rules that fill them with spans, are set in spansift's config file. For example:</p>
          <pre class="example">{EXAMPLE}</pre>
          <p>Save the file: spansift picks the change up without a restart. Labelers are added under <code>users</code> in the same file.</p>
        </Notice>
      </Layout>
    );
  }
  return (
    <Layout ctx={props.ctx} title="Overview" style="admin.css" wide>
      <h1>Overview</h1>
      {props.queues.map((q) => (
        <QueueSection q={q} now={props.now} />
      ))}
    </Layout>
  );
}

function QueueSection({ q, now }: { q: QueueOverview; now: number }) {
  const s = q.summary;
  return (
    <section class="queue-overview" id={`queue-${q.name}`} aria-labelledby={`queue-${q.name}-title`}>
      <h2 id={`queue-${q.name}-title`}>{q.name}</h2>
      {q.instructions ? <p class="instructions-line">{firstLine(q.instructions)}</p> : null}
      {!s ? (
        <p class="empty">This queue is still loading. Reload the page in a moment.</p>
      ) : (
        <>
          <progress max={Math.max(1, s.counts.total)} value={s.counts.completed} aria-label={`${q.name}: ${s.counts.completed} of ${s.counts.total} items completed`} />
          <dl class="figures">
            <div>
              <dt>Items</dt>
              <dd>{s.counts.total}</dd>
            </div>
            <div>
              <dt>Completed</dt>
              <dd>{s.counts.completed}</dd>
            </div>
            <div>
              <dt>Still to do</dt>
              <dd>{s.counts.pending}</dd>
            </div>
            <div>
              <dt>Labelers per item</dt>
              <dd>{q.labelersPerItem}</dd>
            </div>
          </dl>
          <Labelers q={q} summary={s} now={now} />
          <h3>Completed last</h3>
          {q.recent.length === 0 ? (
            <p class="empty">No item is completed yet.</p>
          ) : (
            <ul class="recent">
              {q.recent.map((e) => (
                <li>
                  <a href={itemHref(q.name, e.itemId)}>Item {e.itemId.slice(0, 8)}</a> completed <time datetime={new Date(e.at).toISOString()}>{agoText(e.at, now)}</time>
                  {e.labelers.length ? ` by ${e.labelers.join(', ')}` : ''}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function Labelers({ q, summary, now }: { q: QueueOverview; summary: QueueSummary; now: number }) {
  const people = new Map((summary.labelers ?? []).map((l) => [l.labeler, l]));
  const names = [...new Set([...people.keys(), ...q.throughput.keys()])].sort();
  if (names.length === 0) return <p class="empty">No one has labeled in this queue yet.</p>;
  return (
    <table class="data labelers">
      <caption>Labelers in {q.name}</caption>
      <thead>
        <tr>
          <th scope="col">Labeler</th>
          <th scope="col">Submitted</th>
          <th scope="col">Skipped</th>
          <th scope="col">Last active</th>
          <th scope="col">Submitted in the last hour</th>
          <th scope="col">Submitted in the last 24 hours</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const p = people.get(name);
          const [hour, day] = q.throughput.get(name) ?? [0, 0];
          return (
            <tr>
              <th scope="row">{name}</th>
              <td class="num">{p?.submitted ?? 0}</td>
              <td class="num">{p?.skipped ?? 0}</td>
              <td>{p?.lastAt ? <time datetime={new Date(p.lastAt).toISOString()} title={timeText(p.lastAt)}>{agoText(p.lastAt, now)}</time> : 'never'}</td>
              <td class="num">{hour}</td>
              <td class="num">{day}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
