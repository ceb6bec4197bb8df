/**
 * The request body could not be decoded at all (bad protobuf, bad JSON, a field of the wrong
 * type). The whole request is refused with 400 / INVALID_ARGUMENT; a span that decodes but
 * is invalid is not an error, it becomes a partial rejection instead.
 */
export class DecodeError extends Error {
  readonly code = 'DECODE_ERROR' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecodeError';
  }
}

export function isDecodeError(err: unknown): err is DecodeError {
  return err instanceof DecodeError;
}
