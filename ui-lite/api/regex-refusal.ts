import { FieldError } from '../../collector/errors.js';
import { lineColumn } from '../../processors/condition/errors.js';
import type { CompiledCondition } from '../../processors/condition/index.js';

/**
 * Patterns are checked with re2js when a condition compiles, which agrees with ClickHouse's
 * RE2 on syntax. What it cannot know is RE2's memory budget for a compiled pattern: ClickHouse
 * refuses a pattern whose UTF-8 program is too large (about 450 repetitions of `\pL`), with
 * CANNOT_COMPILE_REGEXP. That is the request's fault, not the server's: a 400 naming the
 * field and, when the pattern can be found in the condition, its position.
 */
const CANNOT_COMPILE_REGEXP = 427;
const REFUSED = /cannot compile re2: ([\s\S]*?), error: ([^.\n]*)/;

/** `what` names the condition in the message (the field itself, or a rule's `when`). */
export function regexRefusal(e: unknown, field: string, condition: CompiledCondition, what = field): FieldError | undefined {
  const message = e instanceof Error ? e.message : '';
  const code = (e as { code?: unknown } | undefined)?.code;
  const m = REFUSED.exec(message);
  if (!m && String(code) !== String(CANNOT_COMPILE_REGEXP)) return undefined;
  const reason = m ? m[2].trim() : 'ClickHouse cannot compile a regular expression of it';
  const literal = m ? condition.literals.find((l) => l.kind === 'string' && l.value === m[1]) : undefined;
  if (!literal) return new FieldError(field, `${what}: invalid regular expression for ClickHouse: ${reason}`);
  const { line, column } = lineColumn(condition.source, literal.start);
  return new FieldError(field, `${what}: ${line}:${column}: invalid regular expression for ClickHouse: ${reason}`, {
    extra: { position: { line, column, offset: literal.start } },
  });
}
