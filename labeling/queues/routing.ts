/**
 * Routing inside the acknowledgement: the pipeline hands each export's spans here, the
 * router in force turns them into queue items, and their rows are stored with the spans
 * (in the same record of the local log, or inserted with them) before the export is
 * answered. A config reload swaps the router whole.
 */
import type { Span } from '../../collector/model/span.js';
import type { SpanRouter } from '../../collector/consumer.js';
import type { SerializedRows } from '../../collector/storage/json-rows.js';
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

  route(spans: Span[], now: number): SerializedRows | undefined {
    this.observe?.(spans);
    const items = this.current().route(spans, now);
    return items.length ? this.queues.serialize(items) : undefined;
  }
}
