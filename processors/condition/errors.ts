/**
 * Errors raised while lexing, parsing or compiling a condition. Every error carries the
 * position it refers to so that a bad rule in the YAML config can be reported as
 * `line:column: what went wrong`, the way compilers do.
 */
export type ConditionErrorCode =
  | 'empty'
  | 'unexpected_char'
  | 'unterminated_string'
  | 'bad_escape'
  | 'bad_number'
  | 'bad_duration'
  | 'bad_bytes'
  | 'unexpected_token'
  | 'trailing_input'
  | 'unknown_path'
  | 'unknown_function'
  | 'unknown_enum'
  | 'bad_arity'
  | 'bad_argument'
  | 'bad_regex'
  | 'type_error'
  | 'not_span'
  | 'unsupported'
  | 'too_deep';

export class ConditionError extends Error {
  override readonly name = 'ConditionError';
  /** The message without the `line:column: ` prefix. */
  readonly detail: string;
  /** UTF-16 index into the condition text (a JS string index). */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based, counted in Unicode code points so an emoji earlier on the line counts once. */
  readonly column: number;

  constructor(
    readonly code: ConditionErrorCode,
    detail: string,
    source: string,
    offset: number,
  ) {
    const { line, column } = lineColumn(source, offset);
    super(`${line}:${column}: ${detail}`);
    this.detail = detail;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

export function lineColumn(source: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (let i = lineStart; i < end; i++) {
    const c = source.charCodeAt(i);
    // The low half of a surrogate pair does not start a new code point.
    if (c < 0xdc00 || c > 0xdfff || i === lineStart || !isHighSurrogate(source.charCodeAt(i - 1))) column++;
  }
  return { line, column };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** How a piece of source text is quoted inside an error message, kept short. */
export function describeText(text: string): string {
  const shown = text.length > 24 ? text.slice(0, 21) + '...' : text;
  return `'${shown}'`;
}
