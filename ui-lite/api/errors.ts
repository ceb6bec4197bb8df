import type { z } from 'zod';
import { FieldError } from '../../collector/errors.js';

type Issue = z.core.$ZodIssue;

/**
 * The problem to report of a value that matched none of a union's shapes: the one from the
 * shape it came closest to (fewest problems), so `{"trace_id": "zz", ...}` is told about
 * its trace_id, not that it lacks `data`.
 */
function closest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
  if (best.length === 0) return issue;
  const inner = closest(best[0]);
  return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
}

/** The first problem of a failed schema parse, as a FieldError. */
export function fromZod(error: z.ZodError, prefix = ''): FieldError {
  const issue = closest(error.issues[0] as Issue);
  if (issue.code === 'unrecognized_keys') {
    const field = [prefix, ...issue.path.map(String), issue.keys[0]].filter(Boolean).join('.');
    return new FieldError(field, `${field}: unknown field (expected one of the documented fields; see /api/openapi.json)`);
  }
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return new FieldError(field || 'body', `${field || 'body'}: ${issue.message}`);
}
