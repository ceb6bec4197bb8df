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
    /**
     * The categories are a scale ordered by their values (a rating): the people's aggregate
     * is their mean, and agreement uses weighted kappa and ordinal alpha. Otherwise they are
     * unordered: the aggregate is the answer most gave, with plain kappa and nominal alpha.
     */
    ordinal: z.boolean().optional(),
  }),
  z.strictObject({ ...base, type: z.literal('text') }),
]);

export type LabelSpec = z.output<typeof labelSchema>;

const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Adds each completed item to a dataset (once: a second completion or a retry replaces it). */
const addToDataset = z.union([
  z.string().regex(DATASET_NAME, 'a dataset name: letters, digits, _ . - only'),
  z.strictObject({
    dataset: z.string().regex(DATASET_NAME, 'a dataset name: letters, digits, _ . - only'),
    /** A condition over the labels (`labels["correct"] == true`, `Len(labelers) >= 2`). */
    when: z.string().min(1).optional(),
    /** A text label whose value, when given, is the item's target instead of the output (a corrected answer). */
    target_from: z.string().optional(),
  }),
]);

/** POSTs each completion (and, if asked, each later change) to a URL, signed. */
const webhook = z.strictObject({
  url: z.string().url().refine((u) => /^https?:/i.test(u), 'an http:// or https:// URL'),
  /** HMAC-SHA256 key for the `Spansift-Signature` header; usually `${env:...}`. */
  secret: z.string().min(16, 'at least 16 characters'),
  when: z.string().min(1).optional(),
  /** Which events to send: `completed` (once per item) and `updated` (a label changed after completion). */
  events: z.array(z.enum(['completed', 'updated'])).min(1).default(['completed']),
  /** Extra request headers. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string()).default({}),
  /** One attempt's time limit. */
  timeout: duration().default(10_000),
  /** Retries, as the OpenTelemetry Collector's exporters configure them. */
  retry_on_failure: z
    .preprocess(
      (v) => v ?? {},
      z.strictObject({
        /** The wait before the first retry; it doubles each time (with jitter). */
        initial_interval: duration().default(1000),
        max_interval: duration().default(600_000),
        /** A delivery still failing this long after its first attempt stops, and is listed as failed. */
        max_elapsed_time: duration().default(24 * 3_600_000),
      }),
    )
    .default({ initial_interval: 1000, max_interval: 600_000, max_elapsed_time: 24 * 3_600_000 }),
});

/** One action of `on_complete`, with an optional name (default: its kind and target). */
export const actionSchema = z.union([
  z.strictObject({ name: z.string().min(1).optional(), add_to_dataset: addToDataset }),
  z.strictObject({ name: z.string().min(1).optional(), webhook }),
]);

export type ActionSpec = z.output<typeof actionSchema>;

/**
 * Sends a completed item to another queue for review when its labelers disagree, or when
 * their labels and the automatic score of the same criterion disagree. A difference is a
 * fraction of the label's range (min to max; for a boolean or a category, any difference is 1).
 */
const review = z
  .strictObject({
    /** The review queue (its labels should include this queue's). */
    queue: z.string().min(1),
    /** Send when two labelers' values of a label differ by more than this. */
    labelers_differ_by: z.number().min(0).max(1).optional(),
    /** Send when the labelers' aggregate and the automatic score differ by more than this. */
    judge_differs_by: z.number().min(0).max(1).optional(),
  })
  .refine((r) => r.labelers_differ_by !== undefined || r.judge_differs_by !== undefined, { message: 'set labelers_differ_by, judge_differs_by or both' });

export type ReviewSpec = z.output<typeof review>;

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
  /** When to send a completed item to a review queue; the reviewer's labels are then the final ones. */
  review: review.optional(),
  /** What happens when an item is completed: add it to a dataset, call a webhook. */
  on_complete: z.array(actionSchema).default([]),
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
