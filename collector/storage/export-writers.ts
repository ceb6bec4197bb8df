/**
 * The two ways an export's rows are stored before it is acknowledged:
 * - into the local log (the default): acknowledged once written and fsync'd, inserted
 *   into ClickHouse later in large batches (log/drain.ts);
 * - straight into ClickHouse: acknowledged once inserted (for a deployment without a
 *   durable local disk).
 */
import type { ExportWriter } from '../consumer.js';
import type { SerializedRows } from './json-rows.js';
import type { DurableLog } from './log/log.js';
import type { RecordPart } from './log/record.js';

export type RowsSink = (rows: SerializedRows) => Promise<void>;

export class InsertWriter implements ExportWriter {
  constructor(
    private readonly spans: RowsSink,
    private readonly items: RowsSink,
  ) {}

  write(spans: SerializedRows, items: SerializedRows | undefined): Promise<void> {
    // Items first: the spans' batch going out sends the items gathered with it.
    if (!items || items.count === 0) return this.spans(spans);
    return Promise.all([this.items(items), this.spans(spans)]).then(() => undefined);
  }
}

export class LogWriter implements ExportWriter {
  constructor(private readonly log: DurableLog) {}

  write(spans: SerializedRows, items: SerializedRows | undefined): Promise<void> {
    const parts: RecordPart[] = [{ table: 'spans', rows: spans.count, json: spans.json, native: spans.native }];
    if (items && items.count > 0) parts.push({ table: 'items', rows: items.count, json: items.json, native: items.native });
    return this.log.append(parts);
  }
}
