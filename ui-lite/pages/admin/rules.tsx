/**
 * The rules in force, as the config file has them, with what each did since spansift
 * started: spans it matched, and of those how many sampling left out, the rate limit
 * held back, were duplicates, and went into queues.
 */
import type { RuleSpec } from '../../../config/queues.js';
import type { RuleCounters } from '../../../processors/rules/engine.js';
import type { Caller } from '../../auth/callers.js';
import { Layout, Notice, type PageContext } from '../layout.js';
import { durationText } from './format.js';
import { filterQuery } from './span-search.js';

const DEDUPE_BY: Record<string, string> = { trace_id: 'trace', span_id: 'span', input: 'input' };

const EXAMPLE = `rules:
  - name: slow-gpt4o
    when: 'attributes["gen_ai.request.model"] == "gpt-4o" and duration > 5s'
    route_to: [answer-quality]
    sample: 0.2
    rate_limit: 100/h`;

function sampleText(sample: number): string {
  return sample >= 1 ? 'all' : `${Math.round(sample * 1000) / 10}%`;
}

function limitText(rate: string | undefined): string {
  if (!rate) return 'none';
  const m = /^(\d+)\s*\/\s*(s|m|h|d)$/.exec(rate);
  const unit = { s: 'second', m: 'minute', h: 'hour', d: 'day' }[m?.[2] as 's'];
  return m && unit ? `${m[1]} a ${unit}` : rate;
}

function dedupeText(d: RuleSpec['dedupe']): string {
  if (!d) return 'none';
  return `one per ${DEDUPE_BY[d.by] ?? d.by} every ${durationText(d.within * 1_000_000)}`;
}

export function RulesPage(props: { ctx: PageContext & { caller: Caller }; rules: RuleSpec[]; counters?: Map<string, RuleCounters> }) {
  if (props.rules.length === 0) {
    return (
      <Layout ctx={props.ctx} title="Rules" style="admin.css" wide>
        <Notice title="No rules yet">
          <p>Rules pick out the spans people should look at and put them into queues. They are set in spansift's config file, for example:</p>
          <pre class="example">{EXAMPLE}</pre>
          <p>
            Save the file: spansift picks the change up without a restart. To try a condition first, use it on the <a href="/admin/spans">spans page</a>.
          </p>
        </Notice>
      </Layout>
    );
  }
  return (
    <Layout ctx={props.ctx} title="Rules" style="admin.css" wide>
      <h1>Rules</h1>
      <p>Rules pick out the spans people should look at and put them into queues. They are set in spansift's config file. The counts are since spansift last started.</p>
      {props.counters ? null : <p class="empty">Counts are not available here.</p>}
      <table class="data rules">
        <caption>The rules in force and what each did</caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Which spans</th>
            <th scope="col">Into queues</th>
            <th scope="col">Keeps</th>
            <th scope="col">At most</th>
            <th scope="col">Repeats</th>
            <th scope="col">Matched</th>
            <th scope="col">Left out by sampling</th>
            <th scope="col">Over the limit</th>
            <th scope="col">Duplicates</th>
            <th scope="col">Added to queues</th>
          </tr>
        </thead>
        <tbody>
          {props.rules.map((r) => {
            const c = props.counters?.get(r.name);
            const n = (k: keyof RuleCounters) => (c ? c[k].toLocaleString('en-US') : props.counters ? '0' : '—');
            return (
              <tr class={r.enabled ? undefined : 'off'}>
                <th scope="row">
                  {r.name}
                  {r.enabled ? null : <span class="tag">turned off</span>}
                </th>
                <td>
                  <code class="condition">{r.when}</code>
                  <br />
                  <a href={`/admin/spans${filterQuery({ where: r.when })}`}>See matching spans</a>
                </td>
                <td>{r.route_to.join(', ')}</td>
                <td>{sampleText(r.sample)}</td>
                <td>{limitText(r.rate_limit)}</td>
                <td>{dedupeText(r.dedupe)}</td>
                <td class="num">{n('matched')}</td>
                <td class="num">{n('sampledOut')}</td>
                <td class="num">{n('rateLimited')}</td>
                <td class="num">{n('deduplicated')}</td>
                <td class="num">{n('enqueued')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Layout>
  );
}
