/**
 * Decides whether a failed insert may succeed if tried again. Errors about the data
 * itself (parse failures, type mismatches) never will; everything else (network,
 * timeouts, memory limits, too many parts, a stopped engine) may.
 */

/** ClickHouse error codes that say the inserted data is wrong, not that the server is unwell. */
const PERMANENT_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  16, // NO_SUCH_COLUMN_IN_TABLE
  // A `\ud800` escape without its pair ("missing second part of surrogate pair"), or a
  // bad pair: a lone surrogate in a JavaScript string, which JSON.stringify escapes so.
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  43, // ILLEGAL_TYPE_OF_ARGUMENT
  53, // TYPE_MISMATCH
  62, // SYNTAX_ERROR
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  128, // TOO_LARGE_ARRAY_SIZE
  130, // CANNOT_READ_ARRAY_FROM_TEXT
  131, // TOO_LARGE_STRING_SIZE
  190, // SIZES_OF_ARRAYS_DONT_MATCH (the arrays of one Nested column)
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  // A DateTime64(9) from a time near 2^63 ns: "Decimal math overflow" while parsing.
  407, // DECIMAL_OVERFLOW
]);

export function clickhouseCode(e: unknown): number | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as { clickhouseCode?: unknown; code?: unknown; message?: unknown };
  if (typeof o.clickhouseCode === 'number') return o.clickhouseCode;
  if (typeof o.code === 'string' && /^\d+$/.test(o.code)) return Number(o.code);
  if (typeof o.code === 'number') return o.code;
  const m = typeof o.message === 'string' ? /Code: (\d+)\./.exec(o.message) : null;
  return m ? Number(m[1]) : undefined;
}

export function isPermanentInsertError(e: unknown): boolean {
  const code = clickhouseCode(e);
  return code !== undefined && PERMANENT_CODES.has(code);
}

/**
 * The row (1-based, within the inserted document) a parse error names with `(at row N)`,
 * when it names one. Only a hint: not every error carries it, and a format that parses in
 * parallel could count within its chunk, so the batcher still checks by inserting.
 */
export function failedRow(e: unknown): number | undefined {
  const message = e && typeof e === 'object' ? (e as { message?: unknown }).message : undefined;
  const m = typeof message === 'string' ? /\(at row (\d+)\)/.exec(message) : null;
  return m ? Number(m[1]) : undefined;
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** The embedded engine's batch files (client.ts) could not be written: the disk, not the request. */
const DISK = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE']);

/**
 * Whether a failed query or insert says storage is unwell (the server unreachable, a
 * timeout, memory, too many parts) rather than that the request was wrong: an answer of
 * 503 with Retry-After rather than 500.
 */
export function isStorageTrouble(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const code = clickhouseCode(e);
  if (code !== undefined) return !PERMANENT_CODES.has(code);
  const sys = (e as { code?: unknown; cause?: { code?: unknown } }).code ?? (e as { cause?: { code?: unknown } }).cause?.code;
  return typeof sys === 'string' && (NETWORK.has(sys) || DISK.has(sys));
}
