/**
 * Runs each queue's `on_complete` actions for its label events: adding the item to a
 * dataset and calling webhooks. Every (event, action) is a delivery recorded in ClickHouse
 * before it is tried and after every attempt, so a restart resumes what was pending and
 * recovers events whose process died before acting on them. Datasets get each item once
 * (a derived id); webhooks at least once, with the same idempotency key every time.
 * Acting never blocks labeling: it runs after the label is stored, in the background.
 */
import { hash } from 'node:crypto';
import type { Logger } from '../../collector/log.js';
import type { ActionSpec, QueueSpec } from '../../config/queues.js';
import type { LabelEvent } from '../labels/store.js';
import type { StoredItem } from '../queues/store.js';
import type { Dataset, DatasetStore } from '../datasets/store.js';
import type { Delivery, DeliveryStore, DeliveryStatus } from './store.js';
import { backoffMs, sendWebhook } from './webhook.js';
import { buildContext, datasetItem, webhookBody, type ActionContext, type ContextSources } from './context.js';
import type { ActionCounters } from './metrics.js';

export type WhenCompiler = (text: string) => (ctx: ActionContext) => boolean;

/**
 * An action spansift takes by itself, not configured in `on_complete`: writing human
 * scores back to an evaluation, sending an item for review. It is recorded and retried as
 * the configured ones are.
 */
export interface BuiltinAction {
  /** The delivery's action name. */
  name: string;
  /** Whether it acts on this event of this item (read once per event). */
  applies(queue: string, item: StoredItem, kind: LabelEvent['kind']): boolean;
  run(ctx: ActionContext, d: Delivery): Promise<{ status: 'delivered' | 'skipped'; detail: string }>;
}

export interface RunnerOptions {
  deliveries: DeliveryStore;
  datasets: DatasetStore;
  sources: ContextSources;
  queues: () => Record<string, QueueSpec>;
  /** Events of a queue after (ms, id), for recovering what a stopped process did not act on. */
  eventsSince: (queue: string, afterMs: number, limit: number, afterId?: string) => Promise<LabelEvent[]>;
  compileWhen: WhenCompiler;
  counters: ActionCounters;
  log?: Logger;
  now?: () => number;
  /** How far back to look, at start, for events nobody acted on. */
  recoverWindowMs?: number;
  builtins?: BuiltinAction[];
  /**
   * Why a configured action waits (the item was sent for review and the reviewer has not
   * labeled it yet), or undefined when it runs now.
   */
  holdReason?: (ctx: ActionContext) => Promise<string | undefined>;
}

/** An action's stable name: its own, else its kind and target. */
export function actionName(a: ActionSpec): string {
  if (a.name) return a.name;
  if ('add_to_dataset' in a) return `dataset:${typeof a.add_to_dataset === 'string' ? a.add_to_dataset : a.add_to_dataset.dataset}`;
  const u = new URL(a.webhook.url);
  return `webhook:${u.host}${u.pathname}`;
}

export function deliveryId(eventId: string, action: string): string {
  return hash('sha256', `${eventId}\0${action}`).slice(0, 32);
}

export class ActionRunner {
  private readonly now: () => number;
  private readonly due = new Map<string, Delivery>();
  private readonly running = new Set<Promise<void>>();
  private readonly compiled = new Map<string, (ctx: ActionContext) => boolean>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Datasets actions write to, looked up once a minute at most. */
  private readonly datasetCache = new Map<string, { dataset: Dataset; until: number }>();
  /** Deliveries this process has taken on, so that one found twice (live and in recovery) is tried once. */
  private readonly taken = new Set<string>();

  constructor(private readonly o: RunnerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Resumes pending deliveries and acts on recent events that have none. */
  async start(): Promise<void> {
    for (const d of await this.o.deliveries.pending()) {
      this.taken.add(d.id);
      this.due.set(d.id, d);
    }
    await this.recover();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.running);
  }

  /** New label events (written by this process): their deliveries, tried now. */
  onEvents(events: LabelEvent[]): void {
    if (this.stopped || events.length === 0) return;
    const work = this.enqueue(events).catch((e: unknown) => this.o.log?.error({ err: e }, 'actions for label events could not be recorded; they are recovered at the next start'));
    this.track(work);
  }

  /** Tries a failed (or pending) delivery again now. */
  async retry(d: Delivery): Promise<Delivery> {
    const now = this.now();
    const again: Delivery = { ...d, status: 'pending', nextAttemptAt: now, firstAttemptAt: now, updatedAt: now };
    await this.o.deliveries.save([again]);
    this.due.set(again.id, again);
    this.schedule();
    return again;
  }

  /** Deliveries waiting for their next attempt, by action (the pending gauge). */
  pendingByAction(): Map<string, number> {
    const out = new Map<string, number>();
    for (const d of this.due.values()) out.set(d.action, (out.get(d.action) ?? 0) + 1);
    return out;
  }

  /** Waits until nothing is being tried (tests). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }

  private actionsFor(queue: string, kind: LabelEvent['kind']): ActionSpec[] {
    const spec = Object.hasOwn(this.o.queues(), queue) ? this.o.queues()[queue] : undefined;
    return (spec?.on_complete ?? []).filter((a) => ('webhook' in a ? a.webhook.events.includes(kind) : true));
  }

  /** Every action an event calls for: the queue's configured ones and the built-in ones that apply to its item. */
  private async planned(e: LabelEvent): Promise<Array<{ action: string; kind: Delivery['kind'] }>> {
    const out: Array<{ action: string; kind: Delivery['kind'] }> = this.actionsFor(e.queue, e.kind).map((a) => ({ action: actionName(a), kind: 'webhook' in a ? 'webhook' : 'dataset' }));
    const builtins = this.o.builtins ?? [];
    if (builtins.length) {
      const item = await this.o.sources.item(e.queue, e.itemId);
      if (item) for (const b of builtins) if (b.applies(e.queue, item, e.kind)) out.push({ action: b.name, kind: 'builtin' });
    }
    return out;
  }

  /** Events made by spansift itself (a review's labels standing for the reviewed item's): acted on as label events are. */
  emit(events: LabelEvent[]): Promise<void> {
    return this.enqueue(events);
  }

  private async enqueue(events: LabelEvent[]): Promise<void> {
    const now = this.now();
    const fresh: Delivery[] = [];
    for (const e of events) {
      for (const { action, kind } of await this.planned(e)) {
        fresh.push({
          id: deliveryId(e.eventId, action),
          action,
          kind,
          queue: e.queue,
          eventId: e.eventId,
          eventKind: e.kind,
          itemId: e.itemId,
          status: 'pending',
          attempts: 0,
          lastStatus: '',
          firstAttemptAt: now,
          nextAttemptAt: now,
          updatedAt: now,
        });
      }
    }
    const mine = fresh.filter((d) => !this.taken.has(d.id));
    if (this.taken.size > 100_000) this.taken.clear();
    for (const d of mine) this.taken.add(d.id);
    await this.o.deliveries.save(mine);
    for (const d of mine) this.due.set(d.id, d);
    this.schedule();
  }

  /** Events of the last window with no delivery for an action they call for (their process stopped first). */
  private async recover(): Promise<void> {
    const since = this.now() - (this.o.recoverWindowMs ?? 7 * 86_400_000);
    for (const queue of Object.keys(this.o.queues())) {
      if (!this.o.queues()[queue].on_complete.length && !this.o.builtins?.length) continue;
      let after = since;
      let afterId = '';
      for (;;) {
        const page = await this.o.eventsSince(queue, after, 5000, afterId);
        if (page.length === 0) break;
        const known = await this.o.deliveries.known(page.map((e) => e.eventId));
        const missing: LabelEvent[] = [];
        for (const e of page) if ((await this.planned(e)).some((a) => !known.has(`${e.eventId}\0${a.action}`))) missing.push(e);
        if (missing.length) {
          await this.enqueue(missing.map((e) => e));
          this.o.log?.info({ queue, events: missing.length }, 'acting on label events a stopped process had not acted on');
        }
        const last = page[page.length - 1];
        [after, afterId] = [last.at, last.eventId];
        if (page.length < 5000) break;
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    let next = Infinity;
    for (const d of this.due.values()) next = Math.min(next, d.nextAttemptAt);
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.runDue(), Math.max(0, Math.min(next - this.now(), 2 ** 31 - 1)));
    this.timer.unref();
  }

  private runDue(): void {
    const now = this.now();
    for (const d of [...this.due.values()]) {
      if (d.nextAttemptAt > now) continue;
      this.due.delete(d.id);
      this.track(this.attempt(d));
    }
    this.schedule();
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async attempt(d: Delivery): Promise<void> {
    const builtin = d.kind === 'builtin' ? this.o.builtins?.find((b) => b.name === d.action) : undefined;
    const a = builtin ? undefined : this.actionsFor(d.queue, d.eventKind).find((x) => actionName(x) === d.action);
    const now = this.now();
    const done = (status: DeliveryStatus, lastStatus: string, nextAttemptAt = now): Delivery => ({ ...d, status, lastStatus, attempts: d.attempts + 1, nextAttemptAt, updatedAt: this.now() });
    let result: Delivery;
    try {
      if (builtin) {
        const ctx = await buildContext(this.o.sources, d.queue, d.itemId, d.eventKind, d.eventId);
        const r = await builtin.run(ctx, d);
        result = done(r.status, r.detail);
      } else if (!a) result = done('skipped', 'the action is no longer configured');
      else {
        const ctx = await buildContext(this.o.sources, d.queue, d.itemId, d.eventKind, d.eventId);
        const held = await this.o.holdReason?.(ctx);
        const when = 'webhook' in a ? a.webhook.when : typeof a.add_to_dataset === 'string' ? undefined : a.add_to_dataset.when;
        const holds = !when || this.condition(when)(ctx);
        if (held) result = done('skipped', held);
        else if ('add_to_dataset' in a) {
          const target = typeof a.add_to_dataset === 'string' ? { dataset: a.add_to_dataset } : a.add_to_dataset;
          const dataset = await this.datasetFor(target.dataset, d.queue);
          const item = datasetItem(ctx, target.dataset, target.target_from);
          if (holds) await this.o.datasets.put(dataset, [item]);
          // A change that makes the condition fail takes the item out again.
          else if (d.eventKind === 'updated') await this.o.datasets.deleteItem(dataset, item.id);
          result = done(holds ? 'delivered' : 'skipped', holds ? `in dataset ${target.dataset}` : 'condition not met');
        } else if (!holds) result = done('skipped', 'condition not met');
        else {
          const w = a.webhook;
          const sent = await sendWebhook({ url: w.url, secret: w.secret, headers: w.headers, timeoutMs: w.timeout }, webhookBody(ctx), { delivery: d.id, event: d.eventKind }, this.now());
          const r = w.retry_on_failure;
          if (sent.ok) result = done('delivered', sent.status);
          else if (sent.retry && this.now() - d.firstAttemptAt < r.max_elapsed_time) result = done('pending', sent.status, this.now() + backoffMs(d.attempts + 1, { initial: r.initial_interval, max: r.max_interval }));
          else result = done('failed', sent.status);
        }
      }
    } catch (e) {
      // Storage away, an item not readable: the delivery waits and tries again.
      result = done('pending', `error: ${(e as Error).message.slice(0, 200)}`, this.now() + backoffMs(d.attempts + 1));
    }
    this.o.counters.count(result);
    try {
      await this.o.deliveries.save([result]);
    } catch (e) {
      this.o.log?.warn({ err: e, delivery: d.id }, 'a delivery state could not be recorded');
    }
    if (result.status === 'pending') {
      this.due.set(result.id, result);
      this.schedule();
    } else if (result.status === 'failed') {
      this.o.log?.warn({ action: d.action, queue: d.queue, item: d.itemId, attempts: result.attempts, last: result.lastStatus }, 'an action failed and will not be tried again');
    }
  }

  /** The dataset an action writes to, made when it does not exist yet. */
  private async datasetFor(name: string, queue: string): Promise<Dataset> {
    const hit = this.datasetCache.get(name);
    if (hit && hit.until > this.now()) return hit.dataset;
    const dataset = await this.o.datasets.create(name, `items completed in queue ${queue}`, true);
    this.datasetCache.set(name, { dataset, until: this.now() + 60_000 });
    return dataset;
  }

  private condition(text: string): (ctx: ActionContext) => boolean {
    let c = this.compiled.get(text);
    if (!c) this.compiled.set(text, (c = this.o.compileWhen(text)));
    return c;
  }
}
