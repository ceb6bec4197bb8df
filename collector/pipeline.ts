/**
 * What happens to a decoded export between the receiver and the OTLP response:
 * admission, conversion to rows, routing, the write. The promise settles only when every
 * accepted span and its items are durable (in the local log, or inserted, by the writer),
 * or the write failed, so a success response is durable.
 */
import type { DecodedExport } from './model/span.js';
import { spanToValues } from './storage/rows.js';
import { attrsToStrings } from './model/attributes.js';
import { serializeRows, type SerializedRows } from './storage/json-rows.js';
import { mapBytes, MAX_NATIVE_BYTES, rowsTooLarge, spansToNative } from './storage/native.js';
import type { Admission } from './admission.js';
import type { Metrics } from './metrics.js';
import { SpansiftError } from './errors.js';
import { isPermanentInsertError } from './storage/classify.js';
import type { Resource, Span } from './model/span.js';
import type { ExportResult, ExportWriter, SpanProcessor, SpanRouter, StoredSpansConsumer, TracesConsumer, Transport } from './consumer.js';

export class Pipeline implements TracesConsumer {
  constructor(
    private readonly writer: ExportWriter,
    private readonly admission: Admission,
    private readonly metrics?: Metrics,
    private readonly router?: SpanRouter,
    /** Takes the spans once they are stored (the exporters); never fails the export. */
    private readonly stored?: StoredSpansConsumer,
    private readonly processor?: SpanProcessor,
    /** Spans are stored as Native rows (the embedded engine), not JSON. */
    private readonly native = false,
  ) {}

  async consume(decoded: DecodedExport, transport: Transport): Promise<ExportResult> {
    const count = decoded.spans.length;
    const { rejected, rejectReason: message } = decoded;
    if (rejected) this.metrics?.refusedSpans.inc({ transport, reason: 'invalid' }, rejected);
    if (count === 0) return { rejected, message };
    try {
      this.admission.takeSpans(count);
    } catch (e) {
      this.metrics?.refusedSpans.inc({ transport, reason: 'overloaded' }, count);
      throw e;
    }
    try {
      const { write, forward } = await this.prepare(decoded);
      await write;
      this.metrics?.acceptedSpans.inc({ transport }, count);
      // Forwarding sees the spans as they were stored. It queues them before the answer
      // (a success means stored and queued for forwarding), and it never fails the export.
      if (forward) await forward();
      return { rejected, message };
    } catch (e) {
      if (e instanceof SpansiftError && e.code === 'BODY_TOO_LARGE') this.metrics?.refusedSpans.inc({ transport, reason: 'too_large' }, count);
      else if (e instanceof SpansiftError && e.code === 'OVERLOADED') this.metrics?.refusedSpans.inc({ transport, reason: 'overloaded' }, count);
      else this.metrics?.failedSpans.inc({ transport }, count);
      throw storageError(e);
    } finally {
      this.admission.releaseSpans(count);
    }
  }

  /**
   * The rows and items, handed to the writer. The decoded spans are taken out of the export:
   * while the write waits (the log's commit, or the insert), only the row text is held, not
   * the span objects, unless forwarding still needs them. At saturation dozens of exports
   * wait at once, and their spans would otherwise outlive a young-generation collection.
   */
  private async prepare(decoded: DecodedExport): Promise<{ write: Promise<void>; forward?: () => Promise<void> }> {
    // Processed (redacted) span by span as the rows are built: what is stored, routed and
    // forwarded is the processed span.
    const stepper = this.processor?.stepper();
    const rows = await (this.native ? toNativeRows : toRows)(decoded, stepper);
    const spans = decoded.spans;
    decoded.spans = [];
    // Spans and what the router makes of them (queue items) are both stored before the answer.
    const write = this.writer.write(rows, this.router?.route(spans, Date.now()));
    const stored = this.stored;
    if (!stored) return { write };
    // The request's own bytes only while no processor changed the spans.
    const wire = stepper ? undefined : decoded.wire;
    return { write, forward: () => stored.spans(spans, wire) };
  }
}

/** Longest the rows of one request are built without letting other work (a health check, other requests) run. */
const SLICE_MS = 10;

/**
 * The request's rows, serialized at once: the decoded spans and row arrays are garbage
 * as soon as the request is handled, rather than surviving (and being copied by the
 * garbage collector) until their batch is inserted. A large request is built in slices
 * of about SLICE_MS, the event loop served between them, so one request with millions of
 * attributes does not hold up everyone else's.
 */
async function toRows(decoded: DecodedExport, process?: (span: Span) => void): Promise<SerializedRows> {
  // Resource attributes are shared by every span of a ResourceSpans: flatten them once.
  let lastResource: Resource | undefined;
  let lastFlat: Record<string, string> | undefined;
  const parts: string[] = [];
  let count = 0;
  let slice: unknown[][] = [];
  let started = performance.now();
  for (let i = 0; i < decoded.spans.length; i++) {
    const span = decoded.spans[i];
    process?.(span);
    if (span.resource !== lastResource) {
      lastResource = span.resource;
      lastFlat = attrsToStrings(span.resource.attributes);
    }
    slice.push(spanToValues(span, lastFlat));
    if ((i & 31) === 31 && performance.now() - started > SLICE_MS) {
      const part = serializeRows(slice);
      parts.push(part.json);
      count += part.count;
      slice = [];
      await new Promise((r) => setImmediate(r));
      started = performance.now();
    }
  }
  if (parts.length === 0) return serializeRows(slice);
  if (slice.length) {
    const part = serializeRows(slice);
    parts.push(part.json);
    count += part.count;
  }
  return { json: parts.join(','), count };
}

/** Spans per Native block: a request of up to this many is one block, the engine's cheapest insert. */
const BLOCK_SPANS = 512;
/** A block also closes once its spans' resources alone take this much (each row repeats them). */
const BLOCK_RESOURCE_BYTES = 8 * 2 ** 20;

/**
 * As toRows, in Native blocks (native.ts), one after the other. Between blocks the event
 * loop is served once SLICE_MS has passed. The rows' size is bounded as they are built:
 * every row repeats its resource's attributes, which are counted before a block is built,
 * and a block may take only what the request's rows have left of MAX_NATIVE_BYTES.
 */
async function toNativeRows(decoded: DecodedExport, process?: (span: Span) => void): Promise<SerializedRows> {
  const spans = decoded.spans;
  let lastResource: Resource | undefined;
  let lastFlat: Record<string, string> = {};
  let lastFlatBytes = 0;
  let resourceBytes = 0;
  let blockResourceBytes = 0;
  let bytes = 0;
  let from = 0;
  let resources: Record<string, string>[] = [];
  const blocks: Buffer[] = [];
  let started = performance.now();
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    process?.(span);
    if (span.resource !== lastResource) {
      lastResource = span.resource;
      lastFlat = attrsToStrings(span.resource.attributes);
      lastFlatBytes = mapBytes(lastFlat);
    }
    resources.push(lastFlat);
    resourceBytes += lastFlatBytes;
    blockResourceBytes += lastFlatBytes;
    if (resourceBytes > MAX_NATIVE_BYTES) throw rowsTooLarge(spans.length);
    const end = i + 1;
    if (end < spans.length && end - from < BLOCK_SPANS && blockResourceBytes < BLOCK_RESOURCE_BYTES) continue;
    const block = spansToNative(from === 0 && end === spans.length ? spans : spans.slice(from, end), resources, MAX_NATIVE_BYTES - bytes, spans.length);
    bytes += block.length;
    blocks.push(block);
    from = end;
    resources = [];
    blockResourceBytes = 0;
    if (end < spans.length && performance.now() - started > SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      started = performance.now();
    }
  }
  return { json: blocks.length === 1 ? blocks[0] : Buffer.concat(blocks), count: spans.length, native: true };
}

function storageError(e: unknown): SpansiftError {
  if (e instanceof SpansiftError) return e;
  const detail = e instanceof Error ? e.message.split('\n')[0].slice(0, 300) : String(e);
  if (isPermanentInsertError(e)) return new SpansiftError('STORAGE_REJECTED', `ClickHouse rejected the spans: ${detail}`, { cause: e });
  return new SpansiftError('STORAGE_UNAVAILABLE', `storage is unavailable, nothing was stored: ${detail}`, { cause: e });
}
