/**
 * A dataset of N items for the datasets benchmark, written inside the engine (its own
 * process: one engine per path per process): chat inputs, answers and labels metadata,
 * about a kilobyte an item.
 *
 *   node --import tsx bench/datasets-seed.ts <engine path> <items>
 */
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

const [path, itemsArg] = process.argv.slice(2);
const items = Number(itemsArg);
const client = createClient({ connection: createChdbConnection({ path }) as never });
const generation = Date.now() - 86_400_000;
await client.command({
  query: `INSERT INTO spansift_datasets (name, description, generation, deleted, updated_at)
          VALUES ('big', 'benchmark', ${generation}, 0, fromUnixTimestamp64Milli(toInt64(${generation})))`,
});
await client.command({
  query: `INSERT INTO spansift_dataset_items (dataset, generation, item_id, source, data, target, metadata, created_at, updated_at, deleted)
    SELECT 'big', ${generation}, lower(hex(MD5(concat('ds', toString(number))))), 'import',
           concat('[{"role":"system","content":"You answer travel questions, briefly and with facts."},{"role":"user","content":"Question ', toString(number),
                  ': what should I pack for a week in Lisbon in May, with \\\\"quotes\\\\", commas, and a line\\\\nbreak?"}]'),
           concat('"Light clothes, a jacket for the evenings, comfortable shoes and sunglasses (answer ', toString(number), ')."'),
           concat('{"queue":"answers","labels":{"correct":true,"quality":', toString(1 + number % 5), '},"labelers":["ann","bob"],"trace_id":"', lower(hex(MD5(toString(number)))), '"}'),
           now64(3) - toIntervalDay(1), now64(3) - toIntervalDay(1), 0
    FROM numbers(${items})`,
});
await client.close();
