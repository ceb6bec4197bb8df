/**
 * Evaluations (admins and API tokens of admins): create one (its human evaluators' queues
 * must exist), record data points with their automatic scores, attach scores later, list
 * a group's evaluations, read one with every score, measure agreement between automatic
 * and human scores, and compare two evaluations of a group. The SDK's `evaluate()` uses
 * these routes; laminar.ts serves the same operations under Laminar's paths.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Config } from '../../config/schema.js';
import { averageScores, withScores, type EvaluationRecorder } from '../../labeling/evaluations/recorder.js';
import type { EvaluationStore } from '../../labeling/evaluations/store.js';
import { evaluationReport, compareEvaluations } from '../../labeling/evaluations/report.js';
import { requireAdmin } from '../auth/middleware.js';
import { apiRouter, body, errors, json } from './openapi.js';

/** Data points one request may carry. */
export const MAX_DATAPOINTS_PER_REQUEST = 1000;

const ID = z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } });
const NAME = z.string().min(1).max(256);
const ScoreName = z.string().regex(/^[\w .:-]{1,128}$/u, 'letters, digits, spaces and _ . : - only, at most 128');

const HumanEvaluator = z.union([NAME, z.strictObject({ name: NAME.optional(), queue: NAME })]);

const Evaluation = z
  .object({
    id: z.string(),
    name: z.string(),
    group: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    human_evaluators: z.array(z.object({ name: z.string(), queue: z.string() })),
    created_by: z.string(),
    created_at: z.string(),
    datapoints: z.number().optional(),
    url: z.string().optional(),
  })
  .openapi('Evaluation');

const Score = z
  .object({
    source: z.enum(['code', 'llm', 'human']),
    evaluator: z.string(),
    name: z.string(),
    labeler: z.string().openapi({ description: "who labeled (human scores); '' for automatic scores and for the human aggregate" }),
    value: z.number().nullable(),
    error: z.string(),
    queue: z.string(),
    item_id: z.string(),
    updated_at: z.string(),
  })
  .openapi('Score');

const Datapoint = z
  .object({
    id: z.string(),
    index: z.number(),
    data: z.unknown(),
    target: z.unknown(),
    metadata: z.record(z.string(), z.unknown()),
    executor_output: z.unknown(),
    has_output: z.boolean(),
    error: z.string(),
    trace_id: z.string(),
    executor_span_id: z.string(),
    dataset_link: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
    scores: z.array(Score),
  })
  .openapi('Datapoint');

export const DatapointWrite = z.strictObject({
  id: z.string().min(1).max(64),
  index: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  data: z.unknown().optional(),
  target: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  executor_output: z.unknown().optional().openapi({ description: 'left out: not run yet; a later write adds it' }),
  error: z.string().max(100_000).optional().openapi({ description: "the executor's error, when it failed" }),
  trace_id: z.string().regex(/^[0-9a-fA-F-]{32,36}$/, 'a trace id: 32 hex digits, or a UUID').optional(),
  executor_span_id: z.string().regex(/^[0-9a-fA-F-]{16,36}$/, 'a span id: 16 hex digits, or a UUID').optional(),
  scores: z.record(ScoreName, z.number().nullable()).optional().openapi({ description: 'automatic scores by name; null names a human evaluator' }),
  score_sources: z.record(z.string(), z.enum(['code', 'llm'])).optional(),
  score_evaluators: z.record(z.string(), ScoreName).optional(),
  evaluator_errors: z.record(ScoreName, z.string().max(100_000)).optional(),
  dataset_link: z.record(z.string(), z.unknown()).optional(),
});

const Average = z.object({ name: z.string(), source: z.string(), evaluator: z.string(), mean: z.number(), n: z.number() });

const admin = requireAdmin;
const Id = z.object({ id: ID });
const routes = {
  create: createRoute({
    method: 'post',
    path: '/evaluations',
    middleware: admin,
    summary: 'Create an evaluation; every human evaluator\'s queue must exist (admins)',
    request: {
      body: body(
        z.strictObject({
          name: NAME.optional(),
          group: NAME.optional(),
          metadata: z.record(z.string(), z.unknown()).optional(),
          human_evaluators: z.array(HumanEvaluator).max(100).default([]).openapi({ description: 'queue names, or {name, queue}' }),
        }),
      ),
    },
    responses: {
      201: json(Evaluation.extend({ otlp: z.object({ http_port: z.number().nullable(), grpc_port: z.number().nullable() }) }), 'created, with where to send traces'),
      ...errors(400, 404),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/evaluations',
    middleware: admin,
    summary: 'Evaluations, newest first; of one group with `group` (admins)',
    request: { query: z.object({ group: NAME.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
    responses: { 200: json(z.object({ evaluations: z.array(Evaluation) }), 'evaluations'), ...errors(400) },
  }),
  get: createRoute({
    method: 'get',
    path: '/evaluations/{id}',
    middleware: admin,
    summary: 'One evaluation with its data points and all their scores, and the average of each score (admins)',
    request: { params: Id },
    responses: { 200: json(Evaluation.extend({ averages: z.array(Average), datapoints: z.array(Datapoint) }), 'the evaluation'), ...errors(404) },
  }),
  datapoints: createRoute({
    method: 'post',
    path: '/evaluations/{id}/datapoints',
    middleware: admin,
    summary: `Record data points (at most ${MAX_DATAPOINTS_PER_REQUEST}); writing one again updates it; those with an output go to the human evaluators' queues (admins)`,
    request: { params: Id, body: body(z.strictObject({ datapoints: z.array(DatapointWrite).max(MAX_DATAPOINTS_PER_REQUEST) })) },
    responses: { 200: json(z.object({ ids: z.array(z.string()), queued: z.record(z.string(), z.number()).openapi({ description: 'items put in each human evaluator\'s queue' }) }), 'stored'), ...errors(400, 404) },
  }),
  scores: createRoute({
    method: 'post',
    path: '/evaluations/{id}/scores',
    middleware: admin,
    summary: 'Attach automatic scores to data points (admins)',
    request: {
      params: Id,
      body: body(z.strictObject({ scores: z.array(z.strictObject({ datapoint_id: z.string().min(1).max(64), name: ScoreName, value: z.number(), source: z.enum(['code', 'llm']).default('code'), evaluator: ScoreName.optional() })).max(10_000) })),
    },
    responses: { 200: json(z.object({ stored: z.number() }), 'stored'), ...errors(400, 404) },
  }),
  agreement: createRoute({
    method: 'get',
    path: '/evaluations/{id}/agreement',
    middleware: admin,
    summary: 'Agreement between each automatic score and the human scores of the same criterion, and between labelers, with sample sizes and 95% intervals (admins)',
    request: { params: Id },
    responses: { 200: json(z.record(z.string(), z.unknown()), 'the agreement report'), ...errors(404) },
  }),
  compare: createRoute({
    method: 'get',
    path: '/evaluations/{id}/compare/{other}',
    middleware: admin,
    summary: 'Compare two evaluations of one group: the data points (matched by index) whose scores changed (admins)',
    request: { params: Id.extend({ other: z.string().min(1).max(64).openapi({ param: { name: 'other', in: 'path' } }) }) },
    responses: { 200: json(z.record(z.string(), z.unknown()), 'the comparison'), ...errors(400, 404) },
  }),
};

export interface EvaluationRouteDeps {
  evaluations: EvaluationStore;
  recorder: EvaluationRecorder;
  config: () => Config;
  /** Where the OTLP receivers listen (the SDK sends traces there). */
  otlpPorts: () => { http_port: number | null; grpc_port: number | null };
}

export function evaluationRoutes(d: EvaluationRouteDeps) {
  const r = apiRouter();
  r.openapi(routes.create, async (c) => {
    const b = c.req.valid('json');
    const e = await d.recorder.create(c.get('caller').name, b);
    return c.json({ ...e, url: `/admin/evaluations/${e.id}`, otlp: d.otlpPorts() }, 201);
  });
  r.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    const list = await d.evaluations.list({ group: q.group, limit: q.limit });
    const counts = await d.evaluations.counts(list.map((e) => e.id));
    return c.json({ evaluations: list.map((e) => ({ ...e, datapoints: counts.get(e.id) ?? 0, url: `/admin/evaluations/${e.id}` })) }, 200);
  });
  r.openapi(routes.get, async (c) => {
    const e = await d.evaluations.require(c.req.valid('param').id);
    const [points, scores] = await Promise.all([d.evaluations.datapoints(e.id), d.evaluations.scores(e.id)]);
    return c.json({ ...e, url: `/admin/evaluations/${e.id}`, averages: averageScores(scores), datapoints: withScores(points, scores) }, 200);
  });
  r.openapi(routes.datapoints, async (c) => {
    const { id } = c.req.valid('param');
    const stored = await d.recorder.record(id, c.req.valid('json').datapoints);
    return c.json({ ids: stored.map((p) => p.id), queued: stored.queued ?? {} }, 200);
  });
  r.openapi(routes.scores, async (c) => {
    const { scores } = c.req.valid('json');
    await d.recorder.attachScores(c.req.valid('param').id, scores);
    return c.json({ stored: scores.length }, 200);
  });
  r.openapi(routes.agreement, async (c) => {
    const report = await evaluationReport(d.evaluations, d.config(), c.req.valid('param').id);
    return c.json(report.agreement as unknown as Record<string, unknown>, 200);
  });
  r.openapi(routes.compare, async (c) => {
    const p = c.req.valid('param');
    return c.json((await compareEvaluations(d.evaluations, p.id, p.other)) as unknown as Record<string, unknown>, 200);
  });
  return r;
}
