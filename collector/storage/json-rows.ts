/**
 * How spansift writes rows: each write's rows are serialized once, when they are handed
 * over (so the objects they came from die young instead of surviving until their batch
 * is inserted), and a batch goes out as one JSONCompact document ({"meta", "data"}) put
 * together from that ready text, with no string per row and nothing serialized twice. The
 * embedded engine takes the ready bytes themselves: JSON rows, or spans as Native blocks
 * (native.ts) and routed queue items as Native blocks.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { Batcher } from './batcher.js';
import { JsonText, rawInsertOf } from './client.js';
import { SpansiftError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { isPermanentInsertError } from './classify.js';
import { nativeToValues } from './native.js';

/**
 * Rows already serialized: JSON arrays separated by commas, without the enclosing brackets;
 * as a string, or as its UTF-8 bytes (rows read from the local log, inserted as they were
 * written there without being decoded and encoded again).
 */
export interface SerializedRows {
  json: string | Buffer;
  count: number;
  /** `json` holds Native blocks (otel_traces rows from native.ts, or queue items from itemsToNative), not JSON. */
  native?: boolean;
}

/** The rows' JSON text (Native rows decoded). */
export function rowsText(rows: SerializedRows): string {
  if (rows.native) return serializeRows(nativeToValues(rows.json as Buffer)).json;
  return typeof rows.json === 'string' ? rows.json : rows.json.toString('utf8');
}

/**
 * Rows (arrays of column values) as text. Text that escapes heavily in JSON can grow up to
 * six-fold, so rows within every input limit can still pass the longest string JavaScript
 * has: that is an error of the input, which sending again cannot fix.
 */
export function serializeRows(rows: unknown[][]): { json: string; count: number } {
  try {
    return { json: wellFormed(JSON.stringify(rows).slice(1, -1)), count: rows.length };
  } catch (e) {
    if (e instanceof RangeError) {
      throw new SpansiftError('BODY_TOO_LARGE', `${rows.length} rows are too large to store together (longer than the longest string spansift can build); send fewer spans or items per request`, { cause: e });
    }
    throw e;
  }
}

/** A `\ud800`-`\udfff` escape (JSON.stringify writes hex in lower case) and the backslashes before it. */
const SURROGATE_ESCAPE = /(\\+)ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON text whose lone surrogates are replaced by U+FFFD. JSON.stringify writes a lone
 * surrogate (text cut in the middle of a character, or made up by a client) as a
 * `\ud800` escape, which ClickHouse refuses ("missing second part of surrogate pair")
 * or, for a low one, stores as bytes that are not UTF-8; the text is ASCII there, so
 * String#toWellFormed cannot see it. A well-formed pair is written as the characters
 * themselves, never escaped, so every such escape in JSON.stringify's output is a lone
 * surrogate, unless an even run of backslashes makes it text (`\\ud800`). Checking costs
 * one indexOf over the text; the replacing pass runs only on text that has one.
 */
export function wellFormed(json: string): string {
  if (json.indexOf('\\ud') < 0) return json;
  return json.replace(SURROGATE_ESCAPE, (m, slashes: string) => (slashes.length % 2 === 1 ? `${slashes.slice(1)}\\ufffd` : m));
}

/**
 * A batch's document stays well under V8's longest string (about 2^29 characters): batches
 * close at this many characters as they do at max_rows (rows given as UTF-8 bytes count
 * their bytes, never fewer than their characters).
 */
const MAX_DOCUMENT_CHARS = 2 ** 27;

export interface RowWriterOptions {
  /** `database.table`. */
  table: string;
  /** Column names in the order of each row's values, and their ClickHouse types. */
  columns: readonly string[];
  types: Record<string, string>;
  maxRows: number;
  maxDelayMs: number;
  concurrency: number;
  /** Largest document one insert sends, in characters (bytes for rows given as bytes). */
  maxDocumentChars?: number;
  /** Inserts Native rows (SerializedRows.native); only where the client is the embedded engine's. */
  native?: boolean;
  onSend?: () => void;
  metrics?: Metrics;
  /** The `table` label of the insert metrics. */
  metricsTable: string;
}

/** Group-commit writes of serialized rows into one table. */
export class RowWriter {
  readonly batcher: Batcher<SerializedRows>;

  constructor(client: ClickHouseClient, o: RowWriterOptions) {
    const columns = [...o.columns] as [string, ...string[]];
    // The embedded engine takes the rows as bytes (JSONCompactEachRow reads the same values
    // as JSONCompact, and takes the commas between rows), without a document put together.
    const raw = o.columns.every((c) => /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(c)) ? rawInsertOf(client)?.(o.table, o.columns, o.types, o.native ? 'Native' : 'JSONCompactEachRow') : undefined;
    if (o.native && !raw) throw new Error('Native rows are inserted only into the embedded engine');
    const native = o.native === true;
    const head = `{"meta":${JSON.stringify(o.columns.map((name) => ({ name, type: o.types[name] })))},"data":[`;
    this.batcher = new Batcher<SerializedRows>({
      maxRows: o.maxRows,
      maxSize: o.maxDocumentChars ?? MAX_DOCUMENT_CHARS,
      maxDelayMs: o.maxDelayMs,
      concurrency: o.concurrency,
      onSend: o.onSend,
      insert: async (chunks) => {
        if (raw) return raw(native ? (chunks.map((c) => c.json) as Buffer[]) : chunkBuffers(chunks));
        let doc = head;
        for (let i = 0; i < chunks.length; i++) doc += (i ? ',' : '') + rowsText(chunks[i]);
        // The client's json.stringify passes JsonText through (see client.ts); its types
        // know only plain JSON values.
        const values = new JsonText(doc + ']}') as unknown as Record<string, unknown>;
        await client.insert({ table: o.table, values, format: 'JSONCompact', columns });
      },
      onInsert: (rows, seconds, ok) => {
        o.metrics?.insertBatchRows.observe({ table: o.metricsTable }, rows);
        o.metrics?.insertSeconds.observe({ table: o.metricsTable, outcome: ok ? 'success' : 'failure' }, seconds);
      },
    });
  }

  /**
   * Resolves once the rows are in ClickHouse. Rows ClickHouse refuses for their data
   * (refused when they went alone: see Batcher) reject with STORAGE_REJECTED, a 400 for
   * the request that brought them, whichever API it came through.
   */
  write(rows: SerializedRows): Promise<void> {
    return this.batcher.write([rows], rows.count, rows.json.length).catch(rejected);
  }
}

function rejected(e: unknown): never {
  if (!isPermanentInsertError(e)) throw e;
  const detail = e instanceof Error ? e.message.split('\n')[0].slice(0, 300) : String((e as { message?: unknown }).message ?? e);
  throw new SpansiftError('STORAGE_REJECTED', `ClickHouse rejected the data of this request: ${detail}`, { cause: e });
}

/** The chunks' rows as UTF-8 buffers, with a comma between chunks (bytes as they are, strings encoded). */
export function chunkBuffers(chunks: readonly SerializedRows[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < chunks.length; i++) {
    if (i) out.push(COMMA);
    const text = chunks[i].json;
    out.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  }
  return out;
}

const COMMA = Buffer.from(',');
