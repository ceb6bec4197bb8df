/**
 * The embedded engine opened by openStorage runs with a sidecar's settings: its own memory
 * limit (half of limits.memory_limit, or embedded.max_memory), small caches, and the
 * server settings a config adds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedPath, engineArgs, openStorage, rawInsertOf, type StorageTarget } from './client.js';
import { failedRow, isPermanentInsertError } from './classify.js';
import type { ClickHouseConfig } from '../../config/schema.js';

const MiB = 1024 * 1024;
let opened: { target: StorageTarget; dir: string } | undefined;
afterEach(async () => {
  if (!opened) return;
  await opened.target.client.close();
  opened.target.close?.();
  rmSync(opened.dir, { recursive: true, force: true });
  opened = undefined;
});

async function serverSettings(embedded: ClickHouseConfig['embedded'], memoryLimit: number): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-engine-'));
  const cfg = { database: 'default', traces_table: 'otel_traces', embedded } as ClickHouseConfig;
  opened = { target: openStorage(cfg, dir, memoryLimit), dir };
  const rs = await opened.target.client.query({
    query: `SELECT name, value FROM system.server_settings WHERE name IN ('max_server_memory_usage', 'mark_cache_size', 'uncompressed_cache_size', 'memory_worker_period_ms')`,
    format: 'JSONEachRow',
  });
  return Object.fromEntries((await rs.json<{ name: string; value: string }>()).map((r) => [r.name, r.value]));
}

describe('embedded engine settings', () => {
  it('gives the engine half of limits.memory_limit, small caches and a memory worker that wakes each second', async () => {
    expect(await serverSettings({ settings: {}, merge_tree: {}, idle_release: 60_000 }, 600 * MiB)).toEqual({
      max_server_memory_usage: String(300 * MiB),
      mark_cache_size: String(32 * MiB),
      uncompressed_cache_size: '0',
      memory_worker_period_ms: '1000',
    });
  });

  it('lets an idle table look for background work from every second, not every tenth (a setting the engine does not list)', () => {
    const args = engineArgs({ settings: {}, merge_tree: {}, idle_release: 60_000 }, 0);
    expect(args).toContain('--background_processing_pool_thread_sleep_seconds_if_nothing_to_do=1');
    expect(engineArgs({ settings: { background_processing_pool_thread_sleep_seconds_if_nothing_to_do: 0.1 }, merge_tree: {}, idle_release: 60_000 }, 0)).toContain(
      '--background_processing_pool_thread_sleep_seconds_if_nothing_to_do=0.1',
    );
  });

  it('takes embedded.max_memory and embedded.settings over its own', async () => {
    expect(await serverSettings({ max_memory: 200 * MiB, settings: { mark_cache_size: 64 * MiB }, merge_tree: {}, idle_release: 60_000 }, 600 * MiB)).toMatchObject({
      max_server_memory_usage: String(200 * MiB),
      mark_cache_size: String(64 * MiB),
    });
  });

  it('merges small parts less eagerly and column by column, as embedded.merge_tree says', async () => {
    const mergeTree = async (merge_tree: Record<string, string | number>) => {
      await serverSettings({ settings: {}, merge_tree, idle_release: 60_000 }, 0);
      const rs = await opened!.target.client.query({
        query: `SELECT name, value FROM system.merge_tree_settings WHERE name IN ('merge_selector_base', 'min_parts_to_merge_at_once', 'vertical_merge_algorithm_min_rows_to_activate')`,
        format: 'JSONEachRow',
      });
      return Object.fromEntries((await rs.json<{ name: string; value: string }>()).map((r) => [r.name, r.value]));
    };
    expect(await mergeTree({})).toEqual({ merge_selector_base: '20', min_parts_to_merge_at_once: '8', vertical_merge_algorithm_min_rows_to_activate: '1' });
    await opened!.target.client.close();
    opened!.target.close?.();
    opened = undefined;
    expect(await mergeTree({ merge_selector_base: 5, min_parts_to_merge_at_once: 0, vertical_merge_algorithm_min_rows_to_activate: 131072 })).toEqual({
      merge_selector_base: '5',
      min_parts_to_merge_at_once: '0',
      vertical_merge_algorithm_min_rows_to_activate: '131072',
    });
  });

  it('names a MergeTree setting the engine does not know', async () => {
    await serverSettings({ settings: {}, merge_tree: { merge_selectr_base: 20 }, idle_release: 60_000 }, 0);
    await expect(opened!.target.client.command({ query: 'CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a' })).rejects.toThrow(/Unknown setting 'merge_selectr_base'/);
  });
});

describe('batches inserted by the embedded engine', () => {
  const rowsOf = async (target: StorageTarget) =>
    (await (await target.client.query({ query: 'SELECT a, b FROM default.t ORDER BY a', format: 'JSONCompactEachRow' })).json<[string, number[]]>()) as [string, number[]][];

  async function insertTwice(dirName: string): Promise<{ rows: [string, number[]][]; left: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), dirName));
    const cfg = { database: 'default', traces_table: 'otel_traces' } as ClickHouseConfig;
    // A file a crash left behind is not read again: its rows are in the local log.
    const inserts = `${embeddedPath(cfg, dir)}.inserts`;
    mkdirSync(inserts, { recursive: true });
    writeFileSync(join(inserts, '1.json'), '["stale",[0]]');
    opened = { target: openStorage(cfg, dir), dir };
    const { client } = opened.target;
    await client.command({ query: 'CREATE TABLE default.t (a String, b Array(UInt32)) ENGINE = MergeTree ORDER BY a' });
    const insert = rawInsertOf(client)!('default.t', ['a', 'b'], { a: 'String', b: 'Array(UInt32)' });
    // Rows as the log's records hold them: JSON arrays separated by commas, as bytes.
    await insert([Buffer.from('["it\'s \\"quoted\\"",[1,2]],["\\u00e9\\\\",[]]'), Buffer.from(','), Buffer.from('["zz",[3]]')]);
    await insert([Buffer.from('["b",[4]]')]);
    return { rows: await rowsOf(opened.target), left: readdirSync(inserts) };
  }

  it('inserts every row of each batch once, and leaves no file behind', async () => {
    const { rows, left } = await insertTwice('spansift-batch files-');
    expect(rows).toEqual([
      ['b', [4]],
      ['it\'s "quoted"', [1, 2]],
      ['zz', [3]],
      ['é\\', []],
    ]);
    expect(left).toEqual([]);
  });

  it('inserts the same rows where the path reads as a glob to the engine', async () => {
    const { rows, left } = await insertTwice('spansift-{glob}*-');
    expect(rows.map((r) => r[0])).toEqual(['b', 'it\'s "quoted"', 'zz', 'é\\']);
    expect(left).toEqual([]);
  });

  it('names the row ClickHouse cannot parse, with its error code, and still removes the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-bad-'));
    const cfg = { database: 'default', traces_table: 'otel_traces' } as ClickHouseConfig;
    opened = { target: openStorage(cfg, dir), dir };
    const { client } = opened.target;
    await client.command({ query: 'CREATE TABLE default.t (a String, b Array(UInt32)) ENGINE = MergeTree ORDER BY a' });
    const insert = rawInsertOf(client)!('default.t', ['a', 'b'], { a: 'String', b: 'Array(UInt32)' });
    const e = await insert([Buffer.from('["ok",[1]],["bad","not an array"]')]).catch((x: unknown) => x);
    expect(isPermanentInsertError(e)).toBe(true);
    expect(failedRow(e)).toBe(2);
    expect(await rowsOf(opened.target)).toEqual([]);
    expect(readdirSync(`${embeddedPath(cfg, dir)}.inserts`)).toEqual([]);
  });
});
