/**
 * The error catalogue: every code maps to one HTTP status and gRPC code, and every code a
 * client can receive is documented in the README's table with that status.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ERRORS, FieldError, toSpansiftError } from './errors.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the error catalogue', () => {
  it.each(Object.entries(ERRORS))('documents %s with its HTTP status in the README', (code, spec) => {
    const row = README.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row, `README has no row for ${code}`).toBeDefined();
    expect(row!.split('|')[2].trim()).toBe(String(spec.http));
  });

  it('says retry only for what may pass', () => {
    const retryable = Object.entries(ERRORS).filter(([, s]) => s.retryable).map(([c]) => c).sort();
    expect(retryable).toEqual(['OVERLOADED', 'RATE_LIMITED', 'SHUTTING_DOWN', 'STORAGE_UNAVAILABLE']);
  });

  it('keeps a field error\'s field and code, and turns anything unknown into INTERNAL', () => {
    const e = new FieldError('values.quality', 'values.quality: too high', { code: 'BAD_REQUEST', extra: { max: 5 } });
    expect([e.code, e.field, e.extra, e.spec.http]).toEqual(['BAD_REQUEST', 'values.quality', { max: 5 }, 400]);
    expect(toSpansiftError(new Error('boom')).code).toBe('INTERNAL');
    expect(new FieldError('queue', 'no queue', { code: 'NOT_FOUND' }).spec.http).toBe(404);
  });
});
