/**
 * What every API route module shares: an OpenAPIHono router whose one validation hook
 * turns a failed zod parse into a FieldError (400 naming the field) and limits the depth of
 * JSON bodies (json-limits.ts), and the schemas of answers that many routes give. The
 * OpenAPI document at /api/openapi.json is generated from the same schemas that validate
 * requests.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../auth/middleware.js';
import { fromZod } from './errors.js';
import { checkJsonBody } from './json-limits.js';

export function apiRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw fromZod(result.error);
      // What zod accepted may hold free-form values (`z.unknown()`) of any depth.
      if (result.target === 'json') checkJsonBody(result.data);
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'BAD_REQUEST' }),
      message: z.string(),
      field: z.string().optional().openapi({ description: 'the request field at fault' }),
    }),
  })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'a field is wrong (named in `error.field`)',
  401: 'no valid credentials',
  403: 'the caller may not do this',
  404: 'no such queue, item or resource',
  409: 'the item is not in a state that allows this',
  429: 'too many attempts; see Retry-After',
  503: 'storage is unavailable; see Retry-After',
};

/** Error answers a route can give, for its OpenAPI `responses`. */
export function errors(...codes: (keyof typeof DESCRIPTIONS)[]) {
  return Object.fromEntries(
    [401, 403, ...codes].map((code) => [code, { description: DESCRIPTIONS[code], content: { 'application/json': { schema: ErrorSchema } } }]),
  ) as Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>;
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** A JSON request body. */
export const body = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

export const QueueParam = z.string().openapi({ param: { name: 'queue', in: 'path' }, example: 'answer-quality' });
export const ItemParam = z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' } });

export const ItemSchema = z
  .object({
    id: z.string(),
    queue: z.string(),
    enqueuedAt: z.string().openapi({ description: 'RFC 3339, UTC' }),
    source: z.string().openapi({ description: 'rule, api or backfill' }),
    rule: z.string(),
    traceId: z.string(),
    spanId: z.string(),
    idempotencyKey: z.string(),
    data: z.unknown().openapi({ description: '{source, input, output, system?, model?, fields?}: what the labeler sees' }),
    target: z.unknown(),
    metadata: z.unknown(),
  })
  .openapi('Item');

const LabelValue = z.union([z.boolean(), z.number(), z.string()]);

export const LabelsSchema = z
  .object({
    labeler: z.string(),
    status: z.enum(['none', 'draft', 'submitted', 'skipped']),
    values: z.record(z.string(), LabelValue).openapi({ description: 'the latest version, by label name' }),
    reasoning: z.record(z.string(), z.string()),
    retired: z.record(z.string(), LabelValue).openapi({ description: 'values of labels the schema no longer has' }),
    draft: z.boolean().openapi({ description: 'a draft was saved after the last submit' }),
    version: z.number().nullable(),
    updated_at: z.string().nullable(),
    submitted: z
      .object({ values: z.record(z.string(), LabelValue), reasoning: z.record(z.string(), z.string()), version: z.number(), at: z.string() })
      .nullable()
      .openapi({ description: 'the latest submitted version: what counts' }),
    skip_reason: z.string().optional(),
    schema_version: z.number().nullable(),
  })
  .openapi('Labels');
