/**
 * Laminar's evaluation API, so that `evaluate()` of `@lmnr-ai/lmnr`, pointed at spansift
 * (`baseUrl: 'http://host'`, `httpPort`: the UI port, `grpcPort`: the OTLP gRPC port, the
 * project API key: a spansift API token of an admin), runs unchanged: its evaluations,
 * data points and scores land in spansift's evaluations; its HumanEvaluator entries
 * become human evaluators (queues: see labeling/evaluations/queues.ts); its datasets are
 * spansift's datasets. Same checks as the rest of the API: a bearer token of an admin,
 * and a field-naming 400 for a body that does not fit.
 */
import { z } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { FieldError } from '../../collector/errors.js';
import type { DatasetStore } from '../../labeling/datasets/store.js';
import type { DatapointWrite, EvaluationRecorder } from '../../labeling/evaluations/recorder.js';
import { hexId, type EvaluationStore } from '../../labeling/evaluations/store.js';
import { requireAdmin, type AppEnv } from '../auth/middleware.js';
import { fromZod } from './errors.js';
import { checkJsonBody } from './json-limits.js';

/** Laminar's evaluation URLs carry a project id; spansift has one project. */
export const PROJECT_ID = '00000000-0000-0000-0000-000000000000';

const UUIDISH = z.string().min(1).max(64);

const Point = z.object({
  id: UUIDISH,
  data: z.unknown().optional(),
  target: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  executorOutput: z.unknown().optional(),
  scores: z.record(z.string(), z.number().nullable()).nullish(),
  traceId: UUIDISH.nullish(),
  executorSpanId: UUIDISH.nullish(),
  index: z.number().int().min(0).nullish(),
  datasetLink: z.record(z.string(), z.unknown()).nullish(),
});

async function parse<T extends z.ZodType>(schema: T, c: { req: { json: () => Promise<unknown> } }): Promise<z.output<T>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new FieldError('body', 'body: expected JSON');
  }
  const r = schema.safeParse(body);
  if (!r.success) throw fromZod(r.error);
  checkJsonBody(r.data);
  return r.data;
}

/** A span id as spansift keeps it: 16 hex digits (Laminar sends it as a UUID padded with zeros). */
function spanHex(id: string | null | undefined): string | undefined {
  if (!id) return undefined;
  const h = hexId(id);
  return h.length === 32 && h.startsWith('0000000000000000') ? h.slice(16) : h;
}

function toWrite(p: z.output<typeof Point>): DatapointWrite {
  const ran = p.executorOutput !== undefined || p.scores != null;
  return {
    id: p.id,
    index: p.index ?? undefined,
    data: p.data,
    target: p.target,
    metadata: p.metadata ?? undefined,
    // A data point with scores has run, even when its executor returned nothing.
    executor_output: ran ? (p.executorOutput ?? null) : undefined,
    trace_id: p.traceId ?? undefined,
    executor_span_id: spanHex(p.executorSpanId),
    scores: p.scores ?? undefined,
    dataset_link: p.datasetLink ?? undefined,
  };
}

export interface LaminarDeps {
  evaluations: EvaluationStore;
  recorder: EvaluationRecorder;
  datasets: DatasetStore;
}

function evalAnswer(e: { id: string; name: string; group: string; created_at: string }) {
  return { id: e.id, projectId: PROJECT_ID, name: e.name, groupId: e.group, groupName: e.group, createdAt: e.created_at };
}

/** Mounts Laminar's routes on `app` under /v1 (authentication is the caller's middleware). */
export function laminarRoutes(app: Hono<AppEnv>, d: LaminarDeps): void {
  app.use('/v1/*', requireAdmin);

  app.post('/v1/evals', async (c) => {
    const b = await parse(z.object({ name: z.string().max(256).nullish(), groupName: z.string().max(256).nullish(), metadata: z.record(z.string(), z.unknown()).nullish() }), c);
    const e = await d.recorder.create(c.get('caller').name, { name: b.name, group: b.groupName, metadata: b.metadata });
    return c.json(evalAnswer(e), 200);
  });

  app.post('/v1/evals/:id', async (c) => {
    const b = await parse(z.object({ name: z.string().min(1).max(256).nullish(), metadata: z.record(z.string(), z.unknown()).nullish() }), c);
    const e = await d.evaluations.update(c.req.param('id'), { name: b.name ?? undefined, metadata: b.metadata ?? undefined });
    return c.json(evalAnswer(e), 200);
  });

  app.post('/v1/evals/:id/datapoints', async (c) => {
    const b = await parse(z.object({ points: z.array(Point).max(1000), groupName: z.string().nullish() }), c);
    await d.recorder.record(c.req.param('id'), b.points.map(toWrite), 'points');
    return c.json({}, 200);
  });

  app.post('/v1/evals/:id/datapoints/:datapointId', async (c) => {
    const b = await parse(z.object({ executorOutput: z.unknown().optional(), scores: z.record(z.string(), z.number().nullable()).nullish() }), c);
    const id = c.req.param('id');
    const dp = c.req.param('datapointId');
    const [known] = await d.evaluations.datapoints(id, { ids: [dp] });
    if (!known) throw new FieldError('datapointId', `no data point "${dp}" in evaluation ${id}`, { code: 'NOT_FOUND' });
    await d.recorder.record(id, [{ id: dp, executor_output: b.executorOutput === undefined && b.scores == null ? undefined : (b.executorOutput ?? null), scores: b.scores ?? undefined }], 'body');
    return c.json({}, 200);
  });

  app.post('/v1/evaluators/score', async (c) => {
    const b = await parse(
      z.object({ name: z.string().regex(/^[\w .:-]{1,128}$/u, 'letters, digits, spaces and _ . : - only'), score: z.number(), traceId: UUIDISH.optional(), spanId: UUIDISH.optional(), metadata: z.unknown().optional(), source: z.string().optional() }).refine((x) => x.traceId || x.spanId, { message: 'traceId or spanId is required', path: ['traceId'] }),
      c,
    );
    const traceId = b.traceId ? hexId(b.traceId) : undefined;
    const spanId = b.spanId ? spanHex(b.spanId) : undefined;
    if (traceId !== undefined && (!/^[0-9a-f]{32}$/.test(traceId) || /^0+$/.test(traceId))) throw new FieldError('traceId', 'traceId: expected a trace id (32 hex digits, or a UUID), not all zeros');
    if (traceId === undefined && (!spanId || !/^[0-9a-f]{16}$/.test(spanId) || /^0+$/.test(spanId))) throw new FieldError('spanId', 'spanId: expected a span id (16 hex digits, or a UUID), not all zeros');
    const found = await d.evaluations.datapointByTrace({ traceId, spanId });
    if (!found) throw new FieldError(b.traceId ? 'traceId' : 'spanId', `no evaluation data point has ${b.traceId ? `trace ${b.traceId}` : `executor span ${b.spanId}`}`, { code: 'NOT_FOUND' });
    await d.recorder.attachScores(found.evaluationId, [{ datapoint_id: found.datapoint.id, name: b.name, value: b.score }]);
    return c.json({}, 200);
  });

  app.get('/v1/datasets', async (c) => {
    const name = c.req.query('name');
    const list = name ? [await d.datasets.get(name)].filter((x) => x !== undefined) : await d.datasets.list();
    return c.json(list.map((x) => ({ id: x.name, name: x.name, createdAt: x.created_at })), 200);
  });

  app.get('/v1/datasets/datapoints', async (c) => {
    const name = c.req.query('name') ?? c.req.query('datasetId');
    if (!name) throw new FieldError('name', 'name: the dataset name is required');
    const offset = Number(c.req.query('offset') ?? 0);
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(offset) || offset < 0) throw new FieldError('offset', 'offset: expected a whole number, 0 or more');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new FieldError('limit', 'limit: expected a whole number from 1 to 1000');
    const dataset = await d.datasets.require(name);
    const [items, total] = await Promise.all([d.datasets.fetch(dataset, { offset, limit }), d.datasets.count(dataset)]);
    return c.json({ items: items.map((i) => ({ id: i.id, data: i.data, target: i.target, metadata: i.metadata, createdAt: i.created_at })), totalCount: total, anyInProject: total > 0 }, 200);
  });
}
