/**
 * The embedded engine's code pages that start-up touched go back to the kernel when memory
 * is released, and the engine runs on (what it needs is read back from the library).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from './client.js';
import { readOnlyMappings } from './code-pages.js';
import type { ClickHouseConfig } from '../../config/schema.js';

/**
 * The library's pages resident as copies of the file, in KiB, from /proc/self/smaps: all of
 * them, and those no other process maps (another test process running the engine shares
 * pages, which the kernel leaves in place).
 */
function residentFile(library: string): { all: number; own: number } {
  let inLib = false;
  const r = { all: 0, own: 0 };
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) inLib = head[1].endsWith(library);
    else if (inLib) {
      const m = /^(Shared_Clean|Private_Clean):\s+(\d+) kB/.exec(line);
      if (m) r.all += Number(m[2]);
      if (m?.[1] === 'Private_Clean') r.own += Number(m[2]);
    }
  }
  return r;
}

const dir = mkdtempSync(join(tmpdir(), 'spansift-code-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the embedded engine gives back the code it is not running', () => {
  it('drops the resident pages of libchdb.so and still answers queries', async () => {
    const cfg = { database: 'default', traces_table: 'otel_traces', embedded: { settings: {}, merge_tree: {}, idle_release: 60_000 } } as ClickHouseConfig;
    const target = openStorage(cfg, dir);
    try {
      await target.client.command({ query: 'CREATE TABLE t (n UInt64, s String) ENGINE = MergeTree ORDER BY n' });
      await target.client.command({ query: 'INSERT INTO t SELECT number, toString(number) FROM numbers(10000)' });
      const before = residentFile('libchdb.so');
      // Starting the engine alone touches well over 50 MiB of its code.
      expect(before.all).toBeGreaterThan(50 * 1024);
      await target.releaseMemory!({ codePages: true });
      const after = residentFile('libchdb.so');
      // What only this process held is gone; pages shared with another process stay.
      expect(after.own).toBeLessThan(8 * 1024);
      expect(after.all).toBeLessThanOrEqual(before.all - before.own * 0.9);
      await target.client.command({ query: 'INSERT INTO t SELECT number, toString(number) FROM numbers(10000, 5000)' });
      const rs = await target.client.query({ query: 'SELECT count() AS n, uniqExact(s) AS u FROM t', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ n: 15000, u: 15000 }]);
    } finally {
      await target.client.close();
      target.close?.();
    }
  });
});

describe('readOnlyMappings', () => {
  it("takes the library's code and constants, not its writable data or other files", () => {
    const maps = [
      '7f6ae9400000-7f6af256e000 r--p 00000000 00:2d 1234 /app/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so',
      '7f6af256e000-7f6b0a348000 r-xp 0916e000 00:2d 1234 /app/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so',
      '7f6b0afc4000-7f6b0b01b000 rw-p 22bc4000 00:2d 1234 /app/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so',
      '7f6b0b01b000-7f6b0b020000 r-xp 00000000 00:2d 99 /usr/lib/x86_64-linux-gnu/libc.so.6',
      '7f6b0b020000-7f6b0b040000 rw-p 00000000 00:00 0 ',
      '7f6b0b040000-7f6b0b041000 ---p 00000000 00:2d 1234 /app/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so',
    ].join('\n');
    expect(readOnlyMappings(maps, 'libchdb.so').map((m) => [m.start.toString(16), m.end.toString(16), m.perms])).toEqual([
      ['7f6ae9400000', '7f6af256e000', 'r--p'],
      ['7f6af256e000', '7f6b0a348000', 'r-xp'],
    ]);
  });
});
