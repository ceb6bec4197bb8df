/**
 * Fills a data directory for the labeling benchmark, in its own process (one engine per
 * path per process): the schema, stored spans, queue items and submitted labels (with
 * their completion events), generated inside the engine with INSERT ... SELECT.
 *
 *   node --import tsx bench/labeling-seed.ts <engine path> <spans> <queues> <items per queue> <labels>
 */
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { migrate } from '../collector/storage/migrations.js';
import { MIGRATIONS } from '../cli/migrations.js';

const [path, spansArg, queuesArg, perQueueArg, labelsArg] = process.argv.slice(2);
const spans = Number(spansArg);
const queues = Number(queuesArg);
const perQueue = Number(perQueueArg);
const labels = Number(labelsArg);
const items = queues * perQueue;

const client = createClient({ connection: createChdbConnection({ path }) as never });
await migrate(client, { database: 'default', table: 'otel_traces', ttlSeconds: 0 }, MIGRATIONS);

const run = (query: string) => client.command({ query });

// Spans: LLM chat spans from the last day, in the contrib layout.
await run(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
    ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
  SELECT now64(9) - toIntervalMillisecond(number % 86400000), lower(hex(MD5(toString(number)))),
         substring(lower(hex(MD5(concat('s', toString(number))))), 1, 16), '', '', 'chat gpt-4o', 'Client', 'bench',
         map('service.name', 'bench'), 'openai', '1.0',
         map('gen_ai.request.model', 'gpt-4o', 'gen_ai.prompt.0.role', 'user', 'gen_ai.prompt.0.content', concat('question ', toString(number)),
             'gen_ai.completion.0.role', 'assistant', 'gen_ai.completion.0.content', concat('answer ', toString(number))),
         1500000000, 'Unset', ''
  FROM numbers(${spans})`);

// Items: queue q<k>, enqueued one millisecond apart, oldest first; routed from the spans above.
// Everything seeded is history: inserted a day ago, so that polling (which reads what other replicas inserted lately) never sees it.
await run(`INSERT INTO spansift_queue_items (queue, item_id, enqueued_at, source, rule, trace_id, span_id, idempotency_key, payload, target, metadata, keep, inserted_at)
  SELECT concat('q', toString(number % ${queues})) AS queue, lower(hex(MD5(concat('item', toString(number))))) AS item_id,
         fromUnixTimestamp64Milli(toInt64(toUnixTimestamp64Milli(now64(3)) - ${items} + number)) AS enqueued_at,
         'rule', 'bench', lower(hex(MD5(toString(number)))), substring(lower(hex(MD5(concat('s', toString(number))))), 1, 16), '',
         concat('{"source":"gen_ai.indexed","input":[{"role":"user","content":"question ', toString(number), '"}],"output":[{"role":"assistant","content":"answer ', toString(number), '"}]}'),
         'null', '{"service":"bench","span_name":"chat gpt-4o"}',
         toUInt64(pow(2, 52) - toUnixTimestamp64Milli(enqueued_at)), now64(3) - toIntervalDay(1)
  FROM numbers(${items})`);

// Labels: the oldest items of every queue, each submitted once by one of 20 earlier labelers (a FIFO queue labeled so far).
// Rows stored before the process starts: their inserted_at is older than anything it polls for.
await run(`INSERT INTO spansift_labels (queue, item_id, labeler, label, value, text, reasoning, schema_version, created_at, state, version, type, inserted_at)
  SELECT concat('q', toString(number % ${queues})), lower(hex(MD5(concat('item', toString(number))))), concat('seed', toString(number % 20)),
         'ok', 1, '', '', 0, now64(3) - toIntervalDay(1), 'submitted', toUnixTimestamp64Milli(now64(3) - toIntervalDay(1)), 'boolean', now64(3) - toIntervalDay(1)
  FROM numbers(${labels})`);
await run(`INSERT INTO spansift_label_events
  SELECT concat('q', toString(number % ${queues})),
         substring(lower(hex(SHA256(concat('completed', char(0), concat('q', toString(number % ${queues})), char(0), lower(hex(MD5(concat('item', toString(number))))))))), 1, 32),
         lower(hex(MD5(concat('item', toString(number))))), 'completed', concat('seed', toString(number % 20)), [concat('seed', toString(number % 20))],
         toUnixTimestamp64Milli(now64(3)), now64(3), 1
  FROM numbers(${labels})`);
await client.close();
console.log(JSON.stringify({ spans, items, labels }));
