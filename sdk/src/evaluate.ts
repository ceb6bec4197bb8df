/**
 * evaluate(): runs an executor and evaluators over data points against a running spansift.
 *
 * 1. Creates the evaluation (spansift checks that every human evaluator's queue exists:
 *    a wrong queue, a wrong key or an unreachable spansift fails here, before anything runs).
 * 2. Runs every data point, at most `concurrency` at once: the executor, then each
 *    evaluator, each in its own span under one `evaluation` span per data point, with
 *    input and output in Laminar's attributes (`lmnr.span.input` / `lmnr.span.output`,
 *    JSON), exported over OTLP/HTTP to spansift's receiver. An error in the executor or an
 *    evaluator is recorded on that data point and the run goes on.
 * 3. Records each data point with its output and scores (in batches); spansift puts every
 *    data point that ran into each human evaluator's queue, tied to it, and writes the
 *    labels back as human scores when people label them.
 * 4. Prints a summary (average scores) and the evaluation's page, and returns them.
 */
import { context, trace, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { randomUUID } from 'node:crypto';
import { Client, SpansiftError } from './client.js';
import { HumanEvaluatorSpec } from './human.js';
import { Progress, type ProgressOutput } from './progress.js';

export interface Datapoint<D = unknown, T = unknown> {
  data: D;
  target?: T;
  metadata?: Record<string, unknown>;
}

export type EvaluatorResult = number | boolean | Record<string, number | boolean>;

/** Scores an output: one number (named after the evaluator) or several by name. Booleans count as 1 and 0. */
export type EvaluatorFunction<O = any, T = any, D = any> = (output: O, target: T | undefined, data: D) => EvaluatorResult | Promise<EvaluatorResult>;

const LLM = Symbol.for('spansift.evaluator.source');

/** Marks an evaluator as an LLM judge: its scores are recorded with source `llm` (default `code`). */
export function llmJudge<F extends EvaluatorFunction>(fn: F): F {
  return Object.assign(fn, { [LLM]: 'llm' as const });
}

export interface EvaluateOptions<D = any, T = any, O = any> {
  /** The data points, or the name of a spansift dataset to read them from. */
  data: Array<Datapoint<D, T>> | string;
  executor: (data: D) => O | Promise<O>;
  evaluators?: Record<string, EvaluatorFunction<O, T, D>>;
  /** Queues whose labelers score every data point that ran. */
  humanEvaluators?: HumanEvaluatorSpec[];
  name?: string;
  groupName?: string;
  metadata?: Record<string, unknown>;
  /** spansift's UI address; default SPANSIFT_BASE_URL, else http://127.0.0.1:8080. */
  baseUrl?: string;
  /** An admin's API token; default SPANSIFT_API_KEY. */
  apiKey?: string;
  /** The same as apiKey (the name Laminar's SDK uses). */
  projectApiKey?: string;
  /** Data points run at once. Default 5. */
  concurrency?: number;
  /** OTLP/HTTP endpoint for the traces (without /v1/traces); default SPANSIFT_OTLP_ENDPOINT, else the host of baseUrl on the port spansift's HTTP receiver reports. */
  otlpEndpoint?: string;
  /** Headers for the OTLP exports (an ingest bearer token); OTEL_EXPORTER_OTLP_HEADERS is read too. */
  otlpHeaders?: Record<string, string>;
  /** false: no traces. */
  tracing?: boolean;
  /** Where progress and the summary go (default process.stderr for progress, process.stdout for the summary); false for silence. */
  output?: { progress?: ProgressOutput | false; summary?: ProgressOutput | false } | false;
  /** One API request's time limit. Default 30 s. */
  timeoutMs?: number;
}

export interface DatapointResult<D = unknown, T = unknown, O = unknown> {
  id: string;
  index: number;
  data: D;
  target?: T;
  output?: O;
  scores: Record<string, number>;
  /** The executor's error, or an evaluator's by its name. */
  errors: Record<string, string>;
  traceId?: string;
}

export interface EvaluationResult {
  id: string;
  name: string;
  group: string;
  /** The evaluation's page on spansift. */
  url: string;
  /** The mean of each automatic score over the data points that have it. */
  averageScores: Record<string, number>;
  datapoints: number;
  /** Data points whose executor or an evaluator failed. */
  errors: number;
  /** Items put in each human evaluator's queue. */
  humanItems: Record<string, number>;
  results: DatapointResult[];
}

interface CreatedEvaluation {
  id: string;
  name: string;
  group: string;
  url: string;
  otlp: { http_port: number | null };
}

interface DatapointWrite {
  id: string;
  index: number;
  data: unknown;
  target?: unknown;
  metadata?: Record<string, unknown>;
  executor_output?: unknown;
  error?: string;
  trace_id?: string;
  executor_span_id?: string;
  scores: Record<string, number>;
  score_sources: Record<string, 'code' | 'llm'>;
  score_evaluators: Record<string, string>;
  evaluator_errors: Record<string, string>;
  dataset_link?: Record<string, unknown>;
}

const EVALUATOR_NAME = /^[\w .:-]{1,128}$/u;

function message(e: unknown): string {
  if (e instanceof SpansiftError) return e.message;
  return e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
}

/** JSON of a value for a span attribute (strings as they are). */
function attr(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return String(v);
  }
}

/**
 * A value as JSON will carry it: undefined becomes null (so "ran, returned nothing" is
 * kept), a bigint its digits, a cycle "[Circular]", a function nothing.
 */
function jsonable(v: unknown): unknown {
  if (v === undefined) return null;
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return x.toString();
      if (x && typeof x === 'object') {
        if (seen.has(x)) return '[Circular]';
        seen.add(x);
      }
      return x;
    });
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return String(v);
  }
}

async function loadDataset(client: Client, name: string): Promise<Array<Datapoint & { link: Record<string, unknown> }>> {
  const out: Array<Datapoint & { link: Record<string, unknown> }> = [];
  let after: string | null = null;
  do {
    const page: { items: Array<{ id: string; data: unknown; target: unknown; metadata: Record<string, unknown> }>; next: string | null } = await client.call('GET', `/api/v1/datasets/${encodeURIComponent(name)}/items?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    for (const i of page.items) out.push({ data: i.data, target: i.target, metadata: i.metadata, link: { dataset: name, item_id: i.id } });
    after = page.next;
  } while (after);
  return out;
}

/**
 * Sends data points in batches: one request carries what finished while the previous one
 * was out (at most 100 points or about 4 MB of JSON; a batch spansift finds too large is
 * split). A failing request is retried with backoff for about half a minute (honouring
 * Retry-After), so a restart of spansift is ridden out; after that the run stops.
 */
class Uploader {
  private pending: DatapointWrite[] = [];
  private inflight: Promise<void> | undefined;
  /** Why the run must stop: a batch could not be recorded. */
  failure: string | undefined;
  /** Items spansift put in each human evaluator's queue. */
  readonly queued: Record<string, number> = {};

  constructor(
    private readonly client: Client,
    private readonly evaluationId: string,
    private readonly maxPoints = 100,
    private readonly maxChars = 4_000_000,
  ) {}

  add(p: DatapointWrite): void {
    if (this.failure) return;
    this.pending.push(p);
    if (!this.inflight) {
      const run: Promise<void> = this.drain().finally(() => {
        if (this.inflight === run) this.inflight = undefined;
      });
      this.inflight = run;
    }
  }

  private take(): DatapointWrite[] {
    let chars = 0;
    let n = 0;
    while (n < this.pending.length && n < this.maxPoints) {
      chars += JSON.stringify(this.pending[n]).length;
      if (n > 0 && chars > this.maxChars) break;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async drain(): Promise<void> {
    while (this.pending.length && !this.failure) await this.send(this.take());
  }

  private async send(batch: DatapointWrite[]): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.client.call<{ queued?: Record<string, number> }>('POST', `/api/v1/evaluations/${this.evaluationId}/datapoints`, { datapoints: batch });
        for (const [q, n] of Object.entries(r?.queued ?? {})) this.queued[q] = (this.queued[q] ?? 0) + n;
        return;
      } catch (e) {
        const status = e instanceof SpansiftError ? e.status : undefined;
        if (status === 413 && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          await this.send(batch.slice(0, half));
          if (!this.failure) await this.send(batch.slice(half));
          return;
        }
        const retryable = status === undefined || status >= 500 || status === 429 || status === 408;
        if (!retryable || Date.now() - started > 30_000) {
          this.failure = `${batch.length === 1 ? 'data point' : `${batch.length} data points`} from index ${batch[0].index} could not be recorded: ${message(e)}`;
          return;
        }
        const hinted = e instanceof SpansiftError ? e.retryAfterMs : undefined;
        await new Promise((r) => setTimeout(r, Math.min(hinted ?? 250 * 2 ** attempt, 8000)));
      }
    }
  }

  async flush(): Promise<void> {
    while (this.inflight) await this.inflight;
  }
}

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

export async function evaluate<D = any, T = any, O = any>(o: EvaluateOptions<D, T, O>): Promise<EvaluationResult> {
  const baseUrl = o.baseUrl ?? env('SPANSIFT_BASE_URL') ?? 'http://127.0.0.1:8080';
  const apiKey = o.apiKey ?? o.projectApiKey ?? env('SPANSIFT_API_KEY');
  if (!apiKey) throw new SpansiftError('no API key: pass apiKey, or set SPANSIFT_API_KEY to a token from `spansift users token` of an admin user');
  const evaluators = Object.entries(o.evaluators ?? {});
  for (const [name, fn] of evaluators) {
    if (!EVALUATOR_NAME.test(name)) throw new SpansiftError(`evaluator name "${name}": letters, digits, spaces and _ . : - only, at most 128 characters`);
    if (typeof fn !== 'function') throw new SpansiftError(`evaluator "${name}" is not a function`);
  }
  if (typeof o.executor !== 'function') throw new SpansiftError('executor: expected a function');
  const humans = o.humanEvaluators ?? [];
  for (const h of humans) if (!(h instanceof HumanEvaluatorSpec)) throw new SpansiftError('humanEvaluators: expected HumanEvaluator("queue") entries');
  if (evaluators.length === 0 && humans.length === 0) throw new SpansiftError('no evaluators: give evaluators, humanEvaluators or both');
  const concurrency = o.concurrency ?? 5;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new SpansiftError(`concurrency: expected a whole number of 1 or more, got ${String(concurrency)}`);
  const client = new Client({ baseUrl, apiKey, timeoutMs: o.timeoutMs ?? 30_000 });
  const out = o.output === false ? { progress: false as const, summary: false as const } : (o.output ?? {});
  const progressOut = out.progress === false ? undefined : (out.progress ?? process.stderr);
  const summaryOut = out.summary === false ? undefined : (out.summary ?? process.stdout);

  const points: Array<Datapoint<D, T> & { link?: Record<string, unknown> }> = typeof o.data === 'string' ? ((await loadDataset(client, o.data)) as Array<Datapoint<D, T> & { link: Record<string, unknown> }>) : o.data;
  if (!Array.isArray(points)) throw new SpansiftError('data: expected a list of {data, target?, metadata?} or a dataset name');
  for (const [i, p] of points.entries()) {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new SpansiftError(`data[${i}]: expected {data, target?, metadata?}, got ${p === null ? 'null' : Array.isArray(p) ? 'a list' : typeof p}`);
    if (p.metadata !== undefined && (p.metadata === null || typeof p.metadata !== 'object' || Array.isArray(p.metadata))) throw new SpansiftError(`data[${i}].metadata: expected an object`);
  }

  const created = await client.call<CreatedEvaluation>('POST', '/api/v1/evaluations', {
    name: o.name,
    group: o.groupName,
    metadata: o.metadata === undefined ? undefined : jsonable(o.metadata),
    human_evaluators: humans.map((h) => ({ name: h.name, queue: h.queue })),
  });

  const note = (line: string) => progressOut?.write(`spansift: ${line}\n`);
  const tracing = o.tracing === false ? undefined : startTracing(o, baseUrl, created, note);
  const uploader = new Uploader(client, created.id);
  const progress = new Progress(points.length, progressOut);
  const results: DatapointResult[] = new Array(points.length);
  progress.start();

  let next = 0;
  const worker = async () => {
    for (;;) {
      // Once data points cannot be recorded, running more (and paying for their LLM calls) is waste.
      if (uploader.failure) return;
      const index = next++;
      if (index >= points.length) return;
      const r = await runOne(index, points[index], o, evaluators, tracing?.tracer, created, uploader);
      results[index] = r;
      progress.tick(Object.keys(r.errors).length > 0);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, points.length) }, worker));
  } finally {
    progress.stop();
    await uploader.flush();
    await tracing?.stop();
  }
  if (uploader.failure) {
    const done = results.filter((r) => r !== undefined);
    throw Object.assign(new SpansiftError(`evaluation ${created.id} stopped after ${done.length} of ${points.length} data points: ${uploader.failure}`), { partial: { id: created.id, results: done } });
  }

  const sums = new Map<string, { sum: number; n: number }>();
  for (const r of results) {
    for (const [k, v] of Object.entries(r.scores)) {
      const s = sums.get(k) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      sums.set(k, s);
    }
  }
  const averageScores = Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [k, s.sum / s.n]));
  const humanItems = Object.fromEntries(humans.map((h) => [h.queue, uploader.queued[h.queue] ?? 0]));
  const url = `${client.baseUrl}${created.url}`;
  const errors = results.filter((r) => Object.keys(r.errors).length > 0).length;
  if (summaryOut) {
    const lines = [`\nEvaluation ${created.name} (group ${created.group}): ${results.length} data points${errors ? `, ${errors} with errors` : ''}`];
    if (Object.keys(averageScores).length) lines.push('Average scores:', ...Object.entries(averageScores).map(([k, v]) => `  ${k}: ${Number(v.toFixed(4))} (n=${sums.get(k)!.n})`));
    for (const h of humans) lines.push(`Human evaluator ${h.name}: ${humanItems[h.queue]} items in queue ${h.queue}`);
    lines.push(`Results: ${url}\n`);
    summaryOut.write(lines.join('\n') + '\n');
  }
  return { id: created.id, name: created.name, group: created.group, url, averageScores, datapoints: results.length, errors, humanItems, results };
}

async function runOne<D, T, O>(
  index: number,
  point: Datapoint<D, T> & { link?: Record<string, unknown> },
  o: EvaluateOptions<D, T, O>,
  evaluators: Array<[string, EvaluatorFunction<O, T, D>]>,
  tracer: Tracer | undefined,
  e: CreatedEvaluation,
  uploader: Uploader,
): Promise<DatapointResult> {
  const id = randomUUID();
  const write: DatapointWrite = { id, index, data: jsonable(point.data), target: point.target === undefined ? undefined : jsonable(point.target), metadata: point.metadata === undefined ? undefined : (jsonable(point.metadata) as Record<string, unknown>), scores: {}, score_sources: {}, score_evaluators: {}, evaluator_errors: {}, dataset_link: point.link };
  const result: DatapointResult = { id, index, data: point.data, target: point.target, scores: {}, errors: {} };
  const inSpan = async <R>(name: string, parent: Span | undefined, attrs: Record<string, string | number>, fn: (span: Span | undefined) => Promise<R>): Promise<R> => {
    if (!tracer) return fn(undefined);
    const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
    const span = tracer.startSpan(name, { attributes: attrs }, ctx);
    try {
      return await context.with(trace.setSpan(ctx, span), () => fn(span));
    } finally {
      span.end();
    }
  };
  const fail = (span: Span | undefined, err: unknown) => {
    span?.recordException(err instanceof Error ? err : new Error(String(err)));
    span?.setStatus({ code: SpanStatusCode.ERROR, message: message(err) });
  };
  await inSpan('evaluation', undefined, { 'lmnr.span.type': 'EVALUATION', 'spansift.evaluation.id': e.id, 'spansift.evaluation.name': e.name, 'spansift.datapoint.id': id, 'spansift.datapoint.index': index }, async (root) => {
    if (root) {
      write.trace_id = root.spanContext().traceId;
      result.traceId = write.trace_id;
    }
    let output: O | undefined;
    let ran = false;
    await inSpan('executor', root, { 'lmnr.span.type': 'EXECUTOR', 'lmnr.span.input': attr(point.data) }, async (span) => {
      if (span) write.executor_span_id = span.spanContext().spanId;
      try {
        output = await o.executor(point.data);
        ran = true;
        span?.setAttribute('lmnr.span.output', attr(output));
      } catch (err) {
        fail(span, err);
        result.errors.executor = write.error = message(err).slice(0, 10_000);
      }
    });
    if (!ran) {
      root?.setStatus({ code: SpanStatusCode.ERROR, message: 'the executor failed' });
      return;
    }
    result.output = output;
    write.executor_output = jsonable(output);
    for (const [name, fn] of evaluators) {
      const source = (fn as { [LLM]?: 'llm' })[LLM] ?? 'code';
      await inSpan(name, root, { 'lmnr.span.type': 'EVALUATOR', 'lmnr.span.input': attr({ output, target: point.target }) }, async (span) => {
        try {
          const v = await fn(output as O, point.target, point.data);
          const scores = typeof v === 'object' && v !== null ? v : { [name]: v };
          const got: Record<string, number> = {};
          for (const [k, x] of Object.entries(scores)) {
            const n = typeof x === 'boolean' ? (x ? 1 : 0) : x;
            if (typeof n !== 'number' || !Number.isFinite(n)) throw new TypeError(`evaluator ${name} returned ${JSON.stringify(x)} for ${k}; expected a finite number or a boolean`);
            if (!EVALUATOR_NAME.test(k)) throw new TypeError(`evaluator ${name} returned a score named "${k}"; names are letters, digits, spaces and _ . : - only`);
            got[k] = n;
          }
          for (const [k, n] of Object.entries(got)) {
            result.scores[k] = write.scores[k] = n;
            write.score_sources[k] = source;
            if (k !== name) write.score_evaluators[k] = name;
          }
          span?.setAttribute('lmnr.span.output', attr(got));
        } catch (err) {
          fail(span, err);
          result.errors[name] = write.evaluator_errors[name] = message(err).slice(0, 10_000);
          write.score_sources[name] = source;
        }
      });
    }
  });
  uploader.add(write);
  return result;
}

/**
 * Tracing shared by the evaluate() runs of this process that send to one endpoint: one
 * provider, registered as the global one (and a context manager) unless the application
 * has its own, so instrumented calls inside an executor (an LLM client's spans) join the
 * executor's trace. What spansift registered is taken down when the last run ends.
 */
interface SharedTracing {
  key: string;
  provider: BasicTracerProvider;
  users: number;
  global: boolean;
  manager: boolean;
}
let shared: SharedTracing | undefined;

function startTracing(o: EvaluateOptions, baseUrl: string, created: CreatedEvaluation, note: (line: string) => void): { tracer: Tracer; stop: () => Promise<void> } | undefined {
  let endpoint = o.otlpEndpoint ?? env('SPANSIFT_OTLP_ENDPOINT');
  if (!endpoint) {
    if (created.otlp.http_port === null) {
      note("traces are not sent: spansift's OTLP/HTTP receiver is off (set otlpEndpoint or SPANSIFT_OTLP_ENDPOINT)");
      return undefined;
    }
    const u = new URL(baseUrl);
    endpoint = `${u.protocol}//${u.hostname.includes(':') ? `[${u.hostname.replace(/^\[|\]$/g, '')}]` : u.hostname}:${created.otlp.http_port}`;
  }
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const key = JSON.stringify([url, o.otlpHeaders ?? {}]);
  if (!shared || shared.key !== key || shared.users === 0) {
    if (shared && shared.users > 0) {
      // Another run in this process sends elsewhere: this one gets a provider of its own.
      const own = makeProvider(url, o.otlpHeaders);
      return { tracer: own.getTracer('@spansift/sdk'), stop: async () => void (await own.shutdown().catch(() => undefined)) };
    }
    const provider = makeProvider(url, o.otlpHeaders);
    const manager = new AsyncLocalStorageContextManager();
    const setManager = context.setGlobalContextManager(manager.enable());
    if (!setManager) manager.disable();
    shared = { key, provider, users: 0, global: trace.setGlobalTracerProvider(provider), manager: setManager };
  }
  const mine = shared;
  mine.users++;
  return {
    tracer: mine.provider.getTracer('@spansift/sdk'),
    stop: async () => {
      await mine.provider.forceFlush().catch((e: unknown) => note(`some traces may not have been sent: ${message(e)}`));
      if (--mine.users > 0) return;
      if (mine.global) trace.disable();
      if (mine.manager) context.disable();
      await mine.provider.shutdown().catch(() => undefined);
      if (shared === mine) shared = undefined;
    },
  };
}

function makeProvider(url: string, headers: Record<string, string> | undefined): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'spansift-evaluate' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, headers }), { maxQueueSize: 65_536, maxExportBatchSize: 1024, scheduledDelayMillis: 500 })],
  });
}
