/**
 * The labeling view: one item, as a conversation, and the queue's labels as a form. The
 * page script (static/label.js) adds the keyboard, autosaves drafts, submits and moves on,
 * and keeps the lease while the page is open; everything it needs is in data attributes.
 */
import { reviewOf } from '../../labeling/review/review.js';
import type { LabelSpec, QueueSpec } from '../../config/queues.js';
import type { LabelsView } from '../../labeling/desk.js';
import type { StoredItem } from '../../labeling/queues/store.js';
import type { Caller } from '../auth/callers.js';
import { agreement, type Value } from './agreement.js';
import { Layout, type PageContext } from './layout.js';
import { Content, Text } from './render/content.js';

export interface LabelViewProps {
  ctx: PageContext & { caller: Caller };
  queue: string;
  spec: QueueSpec;
  item: StoredItem;
  labels: LabelsView;
  /** Admins: every labeler's labels. */
  all?: LabelsView[];
  leaseExpiresAt?: number;
  /** When that lease was taken or renewed: the page releases only that lease when it closes. */
  leasedAt?: number;
  /** Place in what the caller was given (0 first), and how many that is. */
  position: number;
  seen: number;
  prevId?: string;
  nextId?: string;
  left: number;
  leaseTtlMs: number;
}

interface ItemData {
  input?: unknown;
  output?: unknown;
  system?: unknown;
  model?: string;
  fields?: Record<string, string>;
}

const SMALL_SCALE = 11;

const enc = encodeURIComponent;

function numericSteps(l: Extract<LabelSpec, { type: 'numeric' }>): number[] | undefined {
  const step = l.step ?? (Number.isInteger(l.min) && Number.isInteger(l.max) ? 1 : undefined);
  if (step === undefined) return undefined;
  const n = Math.round((l.max - l.min) / step) + 1;
  if (n > SMALL_SCALE) return undefined;
  return Array.from({ length: n }, (_, i) => Number((l.min + i * step).toFixed(10)));
}

function Options(props: { label: LabelSpec; name: string; choices: { value: string; text: string }[]; current?: string }) {
  return (
    <div class="options" role="radiogroup" aria-labelledby={`legend-${props.name}`}>
      {props.choices.map((ch, i) => {
        const id = `opt-${props.name}-${i}`;
        return (
          <span class="option">
            <input type="radio" id={id} name={props.name} value={ch.value} checked={props.current === ch.value} />
            <label for={id}>
              {ch.text}
              {i < 9 ? <kbd aria-hidden="true">{i + 1}</kbd> : null}
            </label>
          </span>
        );
      })}
    </div>
  );
}

function LabelField(props: { label: LabelSpec; value: unknown; reasoning?: string }) {
  const l = props.label;
  const name = `l-${l.name}`;
  let control;
  if (l.type === 'boolean') {
    control = <Options label={l} name={name} choices={[{ value: 'true', text: 'Yes' }, { value: 'false', text: 'No' }]} current={props.value === undefined ? undefined : String(props.value)} />;
  } else if (l.type === 'categorical') {
    control = <Options label={l} name={name} choices={Object.keys(l.values).map((v) => ({ value: v, text: v }))} current={props.value as string | undefined} />;
  } else if (l.type === 'numeric') {
    const steps = numericSteps(l);
    control = steps ? (
      <Options label={l} name={name} choices={steps.map((s) => ({ value: String(s), text: String(s) }))} current={props.value === undefined ? undefined : String(props.value)} />
    ) : (
      <div class="range">
        <input type="range" id={name} name={name} min={l.min} max={l.max} step={l.step ?? 'any'} value={props.value === undefined ? String((l.min + l.max) / 2) : String(props.value)} data-set={props.value === undefined ? '0' : '1'} aria-labelledby={`legend-${name}`} />
        <output for={name}>{props.value === undefined ? 'not set' : String(props.value)}</output>
      </div>
    );
  } else {
    control = <textarea id={name} name={name} rows={3} aria-labelledby={`legend-${name}`}>{typeof props.value === 'string' ? props.value : ''}</textarea>;
  }
  return (
    <fieldset class="label" id={`field-${name}`} data-label={l.name} data-type={l.type} data-hotkey={l.hotkey ?? ''} data-required={l.required ? '1' : '0'} tabindex={-1} aria-describedby={`err-${name}`}>
      <legend id={`legend-${name}`}>
        {l.name}
        {l.hotkey ? <kbd title={`press ${l.hotkey}`}>{l.hotkey}</kbd> : null}
        {l.required ? <span class="required">required</span> : null}
      </legend>
      {l.description ? <p class="help">{l.description}</p> : null}
      {control}
      <details class="reasoning" open={!!props.reasoning}>
        <summary>Why? (optional)</summary>
        <label class="visually-hidden" for={`why-${name}`}>
          Why you chose this for {l.name}
        </label>
        <textarea id={`why-${name}`} name={`why-${l.name}`} rows={2}>
          {props.reasoning ?? ''}
        </textarea>
      </details>
      <p class="error" id={`err-${name}`} role="alert" />
    </fieldset>
  );
}

function EveryonesLabels(props: { spec: QueueSpec; all: LabelsView[] }) {
  const submitted = props.all.filter((l) => l.submitted);
  if (submitted.length === 0) return <p class="empty">No labeler has submitted this item yet.</p>;
  const names = props.spec.labels.map((l) => l.name);
  const agree = agreement(names, submitted.map((l) => l.submitted!.values as Record<string, Value>));
  return (
    <table class="side-by-side">
      <caption>Labels from every labeler, with how many pairs agree</caption>
      <thead>
        <tr>
          <th scope="col">Label</th>
          {submitted.map((l) => (
            <th scope="col">{l.labeler}</th>
          ))}
          <th scope="col">Agreement</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name, i) => (
          <tr>
            <th scope="row">{name}</th>
            {submitted.map((l) => {
              const v = l.submitted!.values[name];
              const why = l.submitted!.reasoning[name];
              return (
                <td>
                  {v === undefined ? '—' : String(v)}
                  {why ? <p class="why">{why}</p> : null}
                </td>
              );
            })}
            <td>{agree[i].share === undefined ? '—' : `${Math.round(agree[i].share! * 100)}% of pairs`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const KEYS: [string, string][] = [
  ['Enter', 'submit and go to the next item (Ctrl+Enter in a text box)'],
  ['[ or Alt+←', 'previous item'],
  ['] or Alt+→', 'next item'],
  ['Shift+S', 'skip this item'],
  ["a label's key", 'go to that label (again: flip a yes/no label)'],
  ['1 – 9', 'choose an answer of the label you are on'],
  ['Tab, Shift+Tab', 'move between labels'],
  ['?', 'this list'],
  ['Esc', 'close'],
];

function said(v: unknown): string {
  return v === true ? 'yes' : v === false ? 'no' : String(v);
}

/** On a review item: why it was sent, in words (who said what). */
function ReviewNote(props: { metadata: unknown }) {
  const r = reviewOf(props.metadata);
  if (!r || !Array.isArray(r.reasons) || r.reasons.length === 0) return null;
  return (
    <section class="review-note" aria-label="Why this item is here">
      <h2>Why this came to you for review</h2>
      <ul>
        {r.reasons.map((x) =>
          x.kind === 'labelers' ? (
            <li>
              The labelers did not agree on “{x.label}”: {Object.entries(x.values).map(([who, v]) => `${who} said ${said(v)}`).join(', ')}.
            </li>
          ) : (
            <li>
              The labelers and the automatic check “{x.score}” did not agree on “{x.label}”.
            </li>
          ),
        )}
      </ul>
      <p class="help">Your answer is the one that counts.</p>
    </section>
  );
}

export function LabelView(p: LabelViewProps) {
  const data = (p.item.data ?? {}) as ItemData;
  const show = new Set(p.spec.show);
  const base = `/queues/${enc(p.queue)}`;
  const nextUrl = p.nextId ? `${base}/items/${enc(p.nextId)}` : `${base}/next`;
  const prevUrl = p.prevId ? `${base}/items/${enc(p.prevId)}` : '';
  const values = p.labels.values as Record<string, unknown>;
  return (
    <Layout
      ctx={p.ctx}
      title={`${p.queue}: item ${p.position + 1}`}
      script="label.js"
      wide
      bodyData={{
        queue: p.queue,
        item: p.item.id,
        next: nextUrl,
        after: `${base}/next`,
        prev: prevUrl,
        leased: p.leaseExpiresAt ? '1' : '0',
        'leased-at': p.leasedAt ? String(p.leasedAt) : '',
        // A labeler back on an item they have not finished takes its lease again; an admin looking around does not.
        claim: p.ctx.caller.role === 'admin' ? '0' : '1',
        'lease-ttl': String(p.leaseTtlMs),
        status: p.labels.status,
      }}
    >
      <div class="labeling">
        <header class="item-head">
          <h1>
            {p.queue} <span class="position">item {p.position + 1} of {p.seen}</span>
          </h1>
          <p class="left">{p.left} left for you</p>
          <nav class="item-nav" aria-label="Items">
            {prevUrl ? (
              <a href={prevUrl} rel="prev" data-key="[">
                ← Previous <kbd>[</kbd>
              </a>
            ) : (
              <span class="disabled">← Previous</span>
            )}
            <a href={nextUrl} rel="next" data-key="]">
              Next → <kbd>]</kbd>
            </a>
            <button type="button" class="link" data-open="help" aria-keyshortcuts="?">
              Keys <kbd>?</kbd>
            </button>
          </nav>
        </header>
        <ReviewNote metadata={p.item.metadata} />
        {p.spec.instructions ? (
          <details class="instructions" open>
            <summary>Instructions</summary>
            <Text text={p.spec.instructions} />
          </details>
        ) : null}
        <div class="item-body">
          <article class="item" aria-label="The item to label">
            {show.has('system') && data.system ? (
              <section class="system">
                <h2>System prompt</h2>
                <Content value={data.system} />
              </section>
            ) : null}
            {show.has('input') ? (
              <section class="input">
                <h2>Input</h2>
                <Content value={data.input} />
              </section>
            ) : null}
            {show.has('output') ? (
              <section class="output">
                <h2>Output</h2>
                <Content value={data.output} />
              </section>
            ) : null}
            {show.has('model') && data.model ? (
              <p class="model">
                Model: <strong>{data.model}</strong>
              </p>
            ) : null}
            {data.fields && Object.keys(data.fields).length > 0 ? (
              <section class="fields">
                <h2>Details</h2>
                <dl>
                  {Object.entries(data.fields).map(([k, v]) => (
                    <div>
                      <dt>{k.replace(/^(attributes|resource)\./, '')}</dt>
                      <dd>
                        <Text text={v} />
                      </dd>
                    </div>
                  ))}
                </dl>
              </section>
            ) : null}
            {p.ctx.caller.role === 'admin' && p.item.traceId ? (
              <p class="trace-link">
                <a href={`/admin/traces/${enc(p.item.traceId)}#span-${enc(p.item.spanId)}`}>Whole trace</a>
              </p>
            ) : null}
            {p.all ? (
              <section class="everyone">
                <h2>Everyone's labels</h2>
                <EveryonesLabels spec={p.spec} all={p.all} />
              </section>
            ) : null}
          </article>
          <form class="labels" id="labels" aria-label="Your labels" novalidate>
            <p class="status" id="status" role="status" aria-live="polite">
              {p.labels.status === 'submitted' ? (p.labels.draft ? 'Changed since you submitted: submit again to keep the change.' : 'Submitted.') : p.labels.status === 'draft' ? 'Draft saved.' : p.labels.status === 'skipped' ? 'You skipped this item.' : ''}
            </p>
            {p.spec.labels.map((l) => (
              <LabelField label={l} value={values[l.name]} reasoning={p.labels.reasoning[l.name]} />
            ))}
            {Object.keys(p.labels.retired).length > 0 ? (
              <section class="retired">
                <h2>Labels no longer asked for</h2>
                <dl>
                  {Object.entries(p.labels.retired).map(([k, v]) => (
                    <div>
                      <dt>{k}</dt>
                      <dd>{String(v)}</dd>
                    </div>
                  ))}
                </dl>
              </section>
            ) : null}
            <div class="actions">
              <button type="submit" class="primary" aria-keyshortcuts="Enter">
                Submit and next <kbd>Enter</kbd>
              </button>
              <button type="button" data-open="skip" aria-keyshortcuts="Shift+S">
                Skip <kbd>Shift+S</kbd>
              </button>
            </div>
          </form>
        </div>
      </div>
      <dialog id="skip" aria-labelledby="skip-title">
        <form method="dialog" id="skip-form">
          <h2 id="skip-title">Skip this item?</h2>
          <label for="skip-reason">Why (optional)</label>
          <input id="skip-reason" type="text" maxlength={10000} autocomplete="off" />
          <div class="actions">
            <button type="submit" class="primary" value="skip">
              Skip
            </button>
            <button type="submit" value="cancel">
              Cancel
            </button>
          </div>
        </form>
      </dialog>
      <dialog id="help" aria-labelledby="help-title">
        <h2 id="help-title">Keys</h2>
        <table class="keys">
          <tbody>
            {KEYS.map(([k, what]) => (
              <tr>
                <th scope="row">
                  <kbd>{k}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="dialog">
          <button type="submit">Close</button>
        </form>
      </dialog>
      <div class="banner" id="banner" role="alert" hidden />
    </Layout>
  );
}

/** Nothing left for the caller in a queue. */
export function NothingLeft(props: { ctx: PageContext & { caller: Caller }; queue: string; seen: number }) {
  return (
    <Layout ctx={props.ctx} title={`${props.queue}: done`}>
      <section class="notice done" role="status">
        <h1>Nothing left for you in {props.queue}</h1>
        <p>Every item is either labeled by you, skipped by you, or with enough other people.</p>
        {props.seen > 0 ? (
          <p>
            <a href={`/queues/${enc(props.queue)}/items/last`}>Look at the items you did</a>
          </p>
        ) : null}
        <p>
          <a class="button primary" href="/queues">
            Back to the queues
          </a>
        </p>
      </section>
    </Layout>
  );
}
