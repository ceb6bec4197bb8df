import type { z } from 'zod';
import { SpansiftError } from '../../collector/errors.js';

/** A 400 that names the request field at fault. */
export class FieldError extends SpansiftError {
  constructor(
    readonly field: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super('BAD_REQUEST', message);
  }
}

/** The first problem of a failed schema parse, as a FieldError. */
export function fromZod(error: z.ZodError, prefix = ''): FieldError {
  const issue = error.issues[0];
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return new FieldError(field || 'body', `${field || 'body'}: ${issue.message}`);
}
