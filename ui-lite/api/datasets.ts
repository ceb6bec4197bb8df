/**
 * Datasets (admins): create, list, read with paging, delete an item or a whole dataset,
 * import items (JSON or JSON lines, with idempotency keys), export them as a stream (JSON
 * lines, CSV, OpenAI chat fine-tuning), and push a dataset into a queue for labeling.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { hash, randomUUID } from 'node:crypto';
import { stream } from 'hono/streaming';
import { FieldError } from '../../collector/errors.js';
import type { Config } from '../../config/schema.js';
import type { DatasetStore, DatasetItemInput } from '../../labeling/datasets/store.js';
import { CONTENT_TYPES, exportHead, exportLine, type ExportFormat } from '../../labeling/datasets/export.js';
import { pushItems } from '../../labeling/queues/push.js';
import type { Router } from '../../labeling/queues/router.js';
import type { QueueStore } from '../../labeling/queues/store.js';
import type { TraceStore } from '../../collector/storage/traces.js';
import { requireAdmin } from '../auth/middleware.js';
import { apiRouter, body, errors, json } from './openapi.js';
import { checkJsonBody } from './json-limits.js';
import { fromZod } from './errors.js';

/** Items one import may hold. */
export const MAX_IMPORT_ITEMS = 10_000;
/** Items pushed into a queue per write. */
const PUSH_PAGE = 1000;

const NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'letters, digits, _ . - only');
const Name = z.object({ name: NAME.openapi({ param: { name: 'name', in: 'path' } }) });

const Dataset = z.object({ name: z.string(), description: z.string(), items: z.number().optional(), created_at: z.string() }).openapi('Dataset');
const Item = z
  .object({ id: z.string(), data: z.unknown(), target: z.unknown(), metadata: z.record(z.string(), z.unknown()), source: z.string(), created_at: z.string(), updated_at: z.string() })
  .openapi('DatasetItem');
const NewItem = z.strictObject({
  data: z.unknown().refine((v) => v !== undefined, 'data is required'),
  target: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  idempotency_key: z.string().min(1).max(512).optional(),
});

const admin = requireAdmin;
const routes = {
  list: createRoute({ method: 'get', path: '/datasets', middleware: admin, summary: 'Datasets with their item counts (admins)', responses: { 200: json(z.object({ datasets: z.array(Dataset) }), 'datasets'), ...errors() } }),
  create: createRoute({
    method: 'post',
    path: '/datasets',
    middleware: admin,
    summary: 'Create a dataset (admins)',
    request: { body: body(z.strictObject({ name: NAME, description: z.string().max(10_000).default('') })) },
    responses: { 201: json(Dataset, 'created'), ...errors(400, 409) },
  }),
  get: createRoute({ method: 'get', path: '/datasets/{name}', middleware: admin, summary: 'One dataset (admins)', request: { params: Name }, responses: { 200: json(Dataset, 'the dataset'), ...errors(404) } }),
  delete: createRoute({ method: 'delete', path: '/datasets/{name}', middleware: admin, summary: 'Delete a dataset and its items (admins)', request: { params: Name }, responses: { 204: { description: 'deleted' }, ...errors(404) } }),
  items: createRoute({
    method: 'get',
    path: '/datasets/{name}/items',
    middleware: admin,
    summary: 'A page of items, in id order (admins)',
    request: { params: Name, query: z.object({ after: z.string().max(128).optional().openapi({ description: 'the `next` of the previous page' }), limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
    responses: { 200: json(z.object({ items: z.array(Item), next: z.string().nullable() }), 'items'), ...errors(400, 404) },
  }),
  add: createRoute({
    method: 'post',
    path: '/datasets/{name}/items',
    middleware: admin,
    summary: `Import items: {"items": [...]} as JSON, or one item per line as JSON lines (application/x-ndjson); at most ${MAX_IMPORT_ITEMS} (admins)`,
    request: { params: Name, body: { content: { 'application/json': { schema: z.object({ items: z.array(NewItem) }) }, 'application/x-ndjson': { schema: z.string() } }, required: false } },
    responses: { 201: json(z.object({ ids: z.array(z.string()) }), 'stored; the same id for the same idempotency key'), ...errors(400, 404) },
  }),
  deleteItem: createRoute({
    method: 'delete',
    path: '/datasets/{name}/items/{id}',
    middleware: admin,
    summary: 'Delete one item (admins)',
    request: { params: Name.extend({ id: z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' } }) }) },
    responses: { 204: { description: 'deleted' }, ...errors(404) },
  }),
  export: createRoute({
    method: 'get',
    path: '/datasets/{name}/export',
    middleware: admin,
    summary: 'Every item, streamed: JSON lines, CSV, or OpenAI chat fine-tuning lines (admins)',
    request: { params: Name, query: z.object({ format: z.enum(['jsonl', 'csv', 'openai']).default('jsonl') }) },
    responses: { 200: { description: 'the export', content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } } }, ...errors(400, 404) },
  }),
  push: createRoute({
    method: 'post',
    path: '/datasets/{name}/push',
    middleware: admin,
    summary: 'Push every item of a dataset into a queue for labeling; pushing again adds nothing twice (admins)',
    request: { params: Name, body: body(z.strictObject({ queue: z.string().min(1) })) },
    responses: { 200: json(z.object({ queue: z.string(), pushed: z.number() }), 'pushed'), ...errors(400, 404) },
  }),
};

export interface DatasetRouteDeps {
  datasets: DatasetStore;
  queues: QueueStore;
  traces: TraceStore;
  router: () => Router;
  config: () => Config;
}

function parseImport(text: string, contentType: string): unknown[] {
  if (/ndjson|jsonl|jsonlines/i.test(contentType)) {
    return text
      .split('\n')
      .map((line, i) => [line.trim(), i] as const)
      .filter(([line]) => line !== '')
      .map(([line, i]) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          throw new FieldError(`items.${i}`, `line ${i + 1}: not JSON`);
        }
      });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FieldError('body', 'body: expected {"items": [...]} as JSON, or JSON lines with content-type application/x-ndjson');
  }
  const items = (doc as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new FieldError('items', 'items: expected a list');
  return items;
}

export function datasetRoutes(d: DatasetRouteDeps) {
  const r = apiRouter();
  r.openapi(routes.list, async (c) => c.json({ datasets: await d.datasets.list() }, 200));
  r.openapi(routes.create, async (c) => {
    const b = c.req.valid('json');
    return c.json(await d.datasets.create(b.name, b.description), 201);
  });
  r.openapi(routes.get, async (c) => c.json(await d.datasets.require(c.req.valid('param').name), 200));
  r.openapi(routes.delete, async (c) => {
    await d.datasets.delete(c.req.valid('param').name);
    return c.body(null, 204);
  });
  r.openapi(routes.items, async (c) => {
    const ds = await d.datasets.require(c.req.valid('param').name);
    const { after, limit } = c.req.valid('query');
    const items = await d.datasets.fetch(ds, { after, limit });
    return c.json({ items, next: items.length === limit ? items[items.length - 1].id : null }, 200);
  });
  r.openapi(routes.add, async (c) => {
    const ds = await d.datasets.require(c.req.valid('param').name);
    const raw = parseImport(await c.req.text(), c.req.header('content-type') ?? '');
    // JSON lines skip the validation hook that limits the depth of JSON bodies.
    checkJsonBody({ items: raw });
    if (raw.length === 0) throw new FieldError('items', 'items: at least one item');
    if (raw.length > MAX_IMPORT_ITEMS) throw new FieldError('items', `items: at most ${MAX_IMPORT_ITEMS} per import (got ${raw.length})`);
    const items: DatasetItemInput[] = raw.map((x, i) => {
      const p = NewItem.safeParse(x);
      if (!p.success) throw fromZod(p.error, `items.${i}`);
      const id = p.data.idempotency_key ? hash('sha256', `key\0${ds.name}\0${p.data.idempotency_key}`).slice(0, 32) : randomUUID().replace(/-/g, '');
      return { id, source: 'import', data: p.data.data, target: p.data.target ?? null, metadata: { ...(p.data.metadata ?? {}), ...(p.data.idempotency_key ? { idempotency_key: p.data.idempotency_key } : {}) } };
    });
    await d.datasets.put(ds, items);
    return c.json({ ids: items.map((i) => i.id) }, 201);
  });
  r.openapi(routes.deleteItem, async (c) => {
    const { name, id } = c.req.valid('param');
    if (!(await d.datasets.deleteItem(await d.datasets.require(name), id))) throw new FieldError('id', `dataset "${name}" has no item ${id}`, { code: 'NOT_FOUND' });
    return c.body(null, 204);
  });
  r.openapi(routes.export, async (c) => {
    const ds = await d.datasets.require(c.req.valid('param').name);
    const format = c.req.valid('query').format as ExportFormat;
    c.header('Content-Type', CONTENT_TYPES[format]);
    c.header('Content-Disposition', `attachment; filename="${ds.name}.${format === 'csv' ? 'csv' : 'jsonl'}"`);
    return stream(c, async (s) => {
      const head = exportHead(format);
      if (head) await s.write(head);
      for await (const page of d.datasets.stream(ds)) {
        let chunk = '';
        for (const item of page) chunk += exportLine(format, item);
        if (chunk) await s.write(chunk);
      }
    }) as never;
  });
  r.openapi(routes.push, async (c) => {
    const ds = await d.datasets.require(c.req.valid('param').name);
    const { queue } = c.req.valid('json');
    if (!Object.hasOwn(d.config().queues, queue)) throw new FieldError('queue', `no queue named "${queue}"`, { code: 'NOT_FOUND' });
    let pushed = 0;
    for await (const page of d.datasets.stream(ds, PUSH_PAGE)) {
      // The item's key in the queue comes from the dataset and the dataset item: pushing again adds nothing twice.
      const items = page.map((i) => ({ data: i.data, target: i.target, metadata: { ...i.metadata, dataset: ds.name, dataset_item: i.id }, idempotency_key: `dataset\0${ds.name}\0${ds.generation}\0${i.id}` }));
      await pushItems(queue, items, { traces: d.traces, queues: d.queues, router: d.router() });
      pushed += items.length;
    }
    return c.json({ queue, pushed }, 200);
  });
  return r;
}
