/**
 * What the completion actions did: deliveries that failed (with what the last attempt got
 * and a button to try again), those still waiting, and the latest delivered.
 */
import type { Delivery } from '../../../labeling/actions/store.js';
import type { Caller } from '../../auth/callers.js';
import { Layout, type PageContext } from '../layout.js';
import { timeText } from './format.js';

const enc = encodeURIComponent;

function Rows(props: { ctx: PageContext; list: Delivery[]; retry: boolean; caption: string }) {
  if (props.list.length === 0) return <p class="empty">None.</p>;
  return (
    <table class="data">
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Action</th>
          <th scope="col">Item</th>
          <th scope="col">Event</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last answer</th>
          <th scope="col">{props.retry ? 'Last tried' : 'Next try'}</th>
          {props.retry ? <th scope="col">Again</th> : null}
        </tr>
      </thead>
      <tbody>
        {props.list.map((d) => (
          <tr>
            <td>{d.action}</td>
            <td>
              <a href={`/queues/${enc(d.queue)}/items/${enc(d.itemId)}`}>
                {d.queue} · {d.itemId.slice(0, 8)}
              </a>
            </td>
            <td>{d.eventKind}</td>
            <td>{d.attempts}</td>
            <td>{d.lastStatus || '—'}</td>
            <td>{timeText(props.retry ? d.updatedAt : d.nextAttemptAt)}</td>
            {props.retry ? (
              <td>
                <form method="post" action={`/admin/actions/${enc(d.id)}/retry`}>
                  <input type="hidden" name="csrf" value={props.ctx.csrf ?? ''} />
                  <button type="submit" aria-label={`Try ${d.action} for item ${d.itemId.slice(0, 8)} again`}>
                    Try again
                  </button>
                </form>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ActionsPage(props: { ctx: PageContext & { caller: Caller }; failed: Delivery[]; pending: Delivery[]; delivered: Delivery[] }) {
  return (
    <Layout ctx={props.ctx} title="Actions" style="admin.css" wide>
      <h1>Actions</h1>
      <p>What happened after items were completed: adding them to datasets and calling webhooks.</p>
      <h2>Failed ({props.failed.length})</h2>
      <Rows ctx={props.ctx} list={props.failed} retry caption="Failed deliveries" />
      <h2>Waiting to try again ({props.pending.length})</h2>
      <Rows ctx={props.ctx} list={props.pending} retry={false} caption="Deliveries waiting" />
      <h2>Delivered last</h2>
      <Rows ctx={props.ctx} list={props.delivered} retry={false} caption="Deliveries done" />
    </Layout>
  );
}
