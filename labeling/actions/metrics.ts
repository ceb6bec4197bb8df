/**
 * Action metrics: attempts by action and outcome, and what is waiting. Counted in plain
 * numbers as attempts happen; copied into Prometheus when /metrics is scraped.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Delivery } from './store.js';

export class ActionCounters {
  /** `action\0kind\0outcome` -> attempts. */
  readonly attempts = new Map<string, number>();
  /** Deliveries waiting for their next attempt, by action. */
  readonly waiting = new Map<string, number>();

  count(d: Delivery): void {
    // A retry scheduled is an attempt that did not get through yet.
    const outcome = d.status === 'pending' ? 'retrying' : d.status;
    const key = `${d.action}\0${d.kind}\0${outcome}`;
    this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
  }

  register(registry: Registry, pending: () => Map<string, number>): void {
    const attempts = this.attempts;
    new Counter({
      name: 'spansift_action_attempts_total',
      help: 'Action attempts by action, kind (dataset, webhook) and outcome (delivered, retrying, failed, skipped).',
      labelNames: ['action', 'kind', 'outcome'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, n] of attempts) {
          const [action, kind, outcome] = key.split('\0');
          this.inc({ action, kind, outcome }, n);
        }
      },
    });
    new Gauge({
      name: 'spansift_action_pending',
      help: 'Deliveries waiting for their next attempt, by action.',
      labelNames: ['action'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [action, n] of pending()) this.set({ action }, n);
      },
    });
  }
}
