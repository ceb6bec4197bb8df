/**
 * The queue list: each queue the caller may work on, with the first line of its
 * instructions, how far it is, and what is left for the caller. With no queue yet it says
 * what to write in the config.
 */
import type { Config } from '../../config/schema.js';
import type { LabelDesk } from '../../labeling/desk.js';
import { mayUseQueue, type Caller } from '../auth/callers.js';
import { Layout, Notice, type PageContext } from './layout.js';

const EXAMPLE = `queues:
  answer-quality:
    instructions: Is the answer correct?
    labels:
      - { name: correct, type: boolean, hotkey: c, required: true }
rules:
  - name: gpt4o
    when: 'attributes["gen_ai.request.model"] == "gpt-4o"'
    route_to: answer-quality
users:
  ann: { role: labeler, queues: [answer-quality], password_hash: '...' }`;

export function firstLine(markdown: string): string {
  const line = markdown.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^#+\s*/, '').replace(/[*_`]/g, '').trim();
}

export function QueueList(props: { ctx: PageContext & { caller: Caller }; config: Config; desk: LabelDesk }) {
  const { caller } = props.ctx;
  const names = Object.keys(props.config.queues).filter((q) => mayUseQueue(caller, q));
  if (names.length === 0) {
    return (
      <Layout ctx={props.ctx} title="Queues">
        <Notice title={caller.role === 'admin' ? 'No queues yet' : 'No queues for you yet'}>
          {caller.role === 'admin' ? (
            <>
              <p>Queues and the rules that fill them are set in spansift's config file. For example:</p>
              <pre class="example">{EXAMPLE}</pre>
              <p>Save the file: spansift picks the change up without a restart.</p>
            </>
          ) : (
            <p>No queue has been given to you. Ask whoever runs spansift to add you to a queue.</p>
          )}
        </Notice>
      </Layout>
    );
  }
  return (
    <Layout ctx={props.ctx} title="Queues">
      <h1>Queues</h1>
      <ul class="queues">
        {names.map((name) => {
          const q = props.config.queues[name];
          const s = props.desk.summary(caller, name);
          const done = s.counts.total - s.mine.left;
          return (
            <li class="queue">
              <h2>
                <a href={`/queues/${encodeURIComponent(name)}/next`}>{name}</a>
              </h2>
              {q.instructions ? <p class="instructions-line">{firstLine(q.instructions)}</p> : null}
              <progress max={Math.max(1, s.counts.total)} value={done} aria-label={`${name}: ${done} of ${s.counts.total} done for you`} />
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
                  <dt>Left for you</dt>
                  <dd data-left>{s.mine.left}</dd>
                </div>
                <div>
                  <dt>Done by you</dt>
                  <dd>{s.mine.submitted}</dd>
                </div>
              </dl>
              {s.mine.left > 0 ? (
                <a class="button primary" href={`/queues/${encodeURIComponent(name)}/next`}>
                  {s.mine.seen > 0 ? 'Continue' : 'Start'} labeling
                </a>
              ) : (
                <p class="done">Nothing left for you here.</p>
              )}
            </li>
          );
        })}
      </ul>
    </Layout>
  );
}
