/**
 * What the embedded engine's merges of small parts take: the same batch of spans inserted
 * into the contrib layout again and again (one part each), with spansift's engine settings
 * and MergeTree settings, while `system.merges` is polled every 20 ms for each merge's
 * largest memory use. Prints the largest merges, the merge threads' CPU, and the most the
 * engine counted in use.
 *
 *   npx tsx bench/merge-memory.ts [shape llm|small] [spans per insert] [inserts] [merge_tree JSON]
 *   npx tsx bench/merge-memory.ts llm 1500 100 '{"vertical_merge_algorithm_min_rows_to_activate":131072}'
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../collector/storage/client.js';
import type { ClickHouseConfig } from '../config/schema.js';
import { migrate, TRACES_MIGRATIONS } from '../collector/storage/migrations.js';
import { spanToRow } from '../collector/storage/rows.js';
import { decodedSpans, type Shape } from './spans.js';
import { threadCpuSeconds } from './proc.js';

const shape = (process.argv[2] ?? 'llm') as Shape;
const perInsert = Number(process.argv[3] ?? 1500);
const inserts = Number(process.argv[4] ?? 100);
const mergeTree = process.argv[5] ? (JSON.parse(process.argv[5]) as Record<string, string | number>) : {};

interface MergeRow {
  table: string;
  result_part_name: string;
  num_parts: string;
  merge_algorithm: string;
  compressed: string;
  uncompressed: string;
  rows_read: string;
  memory_usage: string;
  tracked: string;
}

const MiB = 2 ** 20;
const mergeCpu = () => [...threadCpuSeconds(process.pid)].filter(([name]) => /Merge/i.test(name)).reduce((a, [, s]) => a + s, 0);

const dir = mkdtempSync(join(tmpdir(), 'spansift-merge-memory-'));
// Only what the embedded engine is opened with; the rest of the section does not apply here.
const cfg = { database: 'default', traces_table: 'otel_traces', embedded: { settings: {}, merge_tree: mergeTree, idle_release: 0 } } as ClickHouseConfig;
const target = openStorage(cfg, dir, 0);
const client = target.client;
await migrate(client, { database: 'default', table: 'otel_traces', ttlSeconds: 0 }, TRACES_MIGRATIONS);
const rows = decodedSpans(shape, perInsert).map((s) => spanToRow(s));
console.log(`${shape}: ${inserts} inserts of ${perInsert} spans (${(Buffer.byteLength(JSON.stringify(rows)) / MiB).toFixed(2)} MiB of JSON each)`);

const largest = new Map<string, MergeRow>();
let trackedMax = 0;
let polling = true;
const poll = (async () => {
  while (polling) {
    const rs = await client.query({
      query: `SELECT table, result_part_name, num_parts, merge_algorithm, total_size_bytes_compressed AS compressed,
                     total_size_bytes_uncompressed AS uncompressed, rows_read, memory_usage,
                     (SELECT value FROM system.metrics WHERE metric = 'MemoryTracking') AS tracked
              FROM system.merges`,
      format: 'JSONEachRow',
    });
    for (const m of await rs.json<MergeRow>()) {
      const key = `${m.table}/${m.result_part_name}`;
      if (Number(m.memory_usage) > Number(largest.get(key)?.memory_usage ?? -1)) largest.set(key, m);
      trackedMax = Math.max(trackedMax, Number(m.tracked));
    }
    await new Promise((r) => setTimeout(r, 20));
  }
})();
for (let i = 0; i < inserts; i++) await client.insert({ table: 'default.otel_traces', values: rows, format: 'JSONEachRow' });
// The last merges finish meanwhile.
await new Promise((r) => setTimeout(r, 8000));
polling = false;
await poll;

for (const m of [...largest.values()].sort((a, b) => Number(b.memory_usage) - Number(a.memory_usage)).slice(0, 8)) {
  console.log(
    `${m.table}: ${m.merge_algorithm}, ${m.num_parts} parts, ${(Number(m.compressed) / MiB).toFixed(1)} MiB compressed (${(Number(m.uncompressed) / MiB).toFixed(1)} uncompressed), ${(Number(m.memory_usage) / MiB).toFixed(1)} MiB of memory`,
  );
}
const spansMerged = [...largest.values()].filter((m) => m.table === 'otel_traces').reduce((a, m) => a + Number(m.rows_read), 0);
console.log(`${largest.size} merges seen; merge threads' CPU ${mergeCpu().toFixed(2)} s for ${spansMerged} spans merged; the engine counted at most ${(trackedMax / MiB).toFixed(0)} MiB in use`);
await client.close();
target.close?.();
rmSync(dir, { recursive: true, force: true });
