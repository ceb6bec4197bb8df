import { z } from 'zod';
import { duration } from './units.js';

/**
 * Labeling queues and routing rules in config. Cross-references (a rule's queues exist,
 * rule names are unique) and conditions are checked in validate-rules.ts, where every
 * problem gets its line and key path.
 */

const HOTKEY = /^[a-z0-9]$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const base = {
  name: z.string().regex(NAME, 'letters, digits, _ . - only, starting with a letter or digit'),
  description: z.string().optional(),
  required: z.boolean().default(false),
  /** A single key (a-z, 0-9) that sets this label on the labeling page. */
  hotkey: z.string().regex(HOTKEY, 'a single lower-case letter or digit').optional(),
};

export const labelSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('boolean') }),
  z
    .strictObject({
      ...base,
      type: z.literal('numeric'),
      min: z.number(),
      max: z.number(),
      step: z.number().positive().optional(),
    })
    .refine((l) => l.max > l.min, { message: 'max must be greater than min', path: ['max'] }),
  z.strictObject({
    ...base,
    type: z.literal('categorical'),
    /** Category name -> the number written to evaluations. */
    values: z
      .record(z.string().min(1), z.number())
      .refine((v) => Object.keys(v).length >= 2, { message: 'a categorical label needs at least two values' }),
  }),
  z.strictObject({ ...base, type: z.literal('text') }),
]);

export type LabelSpec = z.output<typeof labelSchema>;

export const queueSchema = z.strictObject({
  /** Shown to labelers above every item (markdown). */
  instructions: z.string().default(''),
  labels: z.array(labelSchema).min(1, 'a queue needs at least one label'),
  /** How many different labelers must complete an item. */
  labelers_per_item: z.number().int().min(1).max(100).default(1),
  /**
   * What a labeler sees: `input`, `output`, `system`, `model`, and any
   * `attributes.<key>` / `resource.<key>`. Default: input, output, system.
   */
  show: z.array(z.string().min(1)).default(['input', 'output', 'system']),
  /** Attribute keys (or `*` globs) whose values are replaced by `[redacted]` in what is stored for labelers. */
  redact: z.array(z.string().min(1)).default([]),
  on_complete: z.array(z.record(z.string(), z.unknown())).default([]),
});

export type QueueSpec = z.output<typeof queueSchema>;

const rate = z.string().regex(/^[1-9]\d*\s*\/\s*(s|m|h|d)$/, 'expected a count of 1 or more per unit, e.g. 100/h (units: s, m, h, d)');

export const ruleSchema = z.strictObject({
  name: z.string().regex(NAME, 'letters, digits, _ . - only, starting with a letter or digit'),
  /** An OTTL-style condition; see processors/condition/README.md. */
  when: z.string().min(1, 'a condition is required'),
  route_to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  /** Fraction of matching traces to keep, decided by trace id (every replica agrees). */
  sample: z.number().min(0).max(1).default(1),
  /** At most this many items per period from this rule, per replica. */
  rate_limit: rate.optional(),
  dedupe: z
    .strictObject({
      by: z.enum(['trace_id', 'span_id', 'input']),
      within: duration(),
    })
    .optional(),
  enabled: z.boolean().default(true),
});

export type RuleSpec = z.output<typeof ruleSchema>;
