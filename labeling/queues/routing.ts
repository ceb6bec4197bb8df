/**
 * Routing inside the acknowledgement: the pipeline hands each export's spans here, the
 * router in force turns them into queue items, and the export is answered once they are
 * stored with the spans. A config reload swaps the router whole.
 */
import type { Span } from '../../collector/model/span.js';
import type { SpanRouter } from '../../collector/consumer.js';
import type { Router } from './router.js';
import type { QueueStore } from './store.js';

export class Routing implements SpanRouter {
  constructor(
    /** The router of the config in force (a reload replaces it). */
    private readonly current: () => Router,
    private readonly queues: QueueStore,
    /** Sees every export's spans as they pass (for what is not routing: human evaluator spans). */
    private readonly observe?: (spans: Span[]) => void,
  ) {}

  route(spans: Span[], now: number): Promise<void> | undefined {
    this.observe?.(spans);
    const items = this.current().route(spans, now);
    return items.length ? this.queues.write(items) : undefined;
  }
}
