/**
 * Spans stored as Native rows are the same rows as spans stored as JSON: each span is
 * inserted both ways into the embedded engine and the two tables read back equal, for
 * text of every kind (multi-byte, lone surrogates, lengths on each side of the varint
 * steps), every attribute type, events, links, odd kinds and times. The rows read back from
 * Native in JavaScript (for a ClickHouse server, and refused rows' files) are spanToValues'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage, rawInsertOf, type StorageTarget } from './client.js';
import { migrate, TRACES_MIGRATIONS } from './migrations.js';
import { nativeToValues, spansToNative } from './native.js';
import { spanToValues, TRACE_COLUMNS, TRACE_COLUMN_TYPES } from './rows.js';
import { chunkBuffers, serializeRows, rowsText, type SerializedRows } from './json-rows.js';
import { TraceStore } from './traces.js';
import { DurableLog } from './log/log.js';
import { LogDrain } from './log/drain.js';
import { createLogger } from '../log.js';
import { attrsToStrings } from '../model/attributes.js';
import type { Span } from '../model/span.js';
import type { ClickHouseConfig } from '../../config/schema.js';
import { spanWith } from '../../tests/support/spans.js';

let target: StorageTarget;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spansift-native-'));
  target = openStorage({ database: 'default', traces_table: 'otel_traces' } as ClickHouseConfig, dir);
  for (const database of ['n', 'j', 's', 'm']) {
    await target.client.command({ query: `CREATE DATABASE ${database}` });
    await migrate(target.client, { database, table: 'otel_traces', ttlSeconds: 0 }, TRACES_MIGRATIONS);
  }
});
afterAll(async () => {
  await target.client.close();
  target.close?.();
  rmSync(dir, { recursive: true, force: true });
});

const long = (unit: string, n: number) => unit.repeat(n);

function spans(): Span[] {
  const out: Span[] = [];
  const a = spanWith(
    {
      'gen_ai.prompt.0.content': long('Summarise the retrieved sources. ', 40),
      'é中': 'ünïcödé 中文 😀',
      lone: 'cut\ud800here',
      low: '\udc00',
      ['__proto__']: 'a key named __proto__',
      int: 42,
      big: 2n ** 62n,
      float: -0,
      nan: Number.NaN,
      flag: true,
      nothing: null,
      bytes: new Uint8Array([0, 1, 254, 255]),
      list: ['a', 1, [true, null]],
      map: { nested: { x: 1.5 }, s: 'q"uote' },
      empty: '',
      k42: long('k', 42),
      k43: long('k', 43),
      '127': long('x', 127),
      '128': long('x', 128),
      '16383': long('y', 16383),
      '16384': long('y', 16384),
      threeByte42: long('中', 42),
      threeByte43: long('中', 43),
      loneLong: `${long('é', 60)}\udbff`,
    },
    'chat gpt-4o',
  );
  a.resource = { attributes: { 'service.name': 'checkout', 'host.name': 'h1', 'é': long('ü', 50) }, serviceName: 'checkout', schemaUrl: '' };
  a.scope = { name: '@opentelemetry/instrumentation-openai', version: '0.44.0', attributes: {} };
  a.events = [
    { timeUnixNano: 1_700_000_000_500_000_000n, name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': 'hello', n: 3 } },
    { timeUnixNano: 0n, name: '', attributes: {} },
  ];
  a.links = [{ traceId: '0af7651916cd43dd8448eb211c80319d', spanId: '00f067aa0ba902b7', traceState: 'rojo=00f067aa0ba902b7', attributes: { why: 'retry' } }];
  a.status = { code: 2, message: 'rate limited: 429 «Too Many Requests»' };
  out.push(a);
  // Same resource (shared object) for several spans; kinds and status codes outside the enums.
  for (let i = 0; i < 5; i++) {
    const s = spanWith({ i, text: long('ab\n"\\', i * 30) }, `op ${i}`);
    s.spanId = `00000000000000${String(i).padStart(2, '0')}`;
    s.parentSpanId = i ? '0000000000000000' : '';
    s.traceState = i === 3 ? 'k=v' : '';
    s.kind = [0, 1, 2, 5, 9][i];
    s.status = { code: [0, 1, 2, 7, 0][i], message: '' };
    s.resource = a.resource;
    // Zero, forward and backward durations; the earliest and a far time.
    s.startTimeUnixNano = [0n, 1n, 1_700_000_000_123_456_789n, 4_102_444_800_000_000_000n, 1_000n][i];
    s.endTimeUnixNano = s.startTimeUnixNano + [0n, 5n, 1_000_000n, 1n, -500n][i];
    s.events = i === 2 ? [{ timeUnixNano: 5n, name: 'e', attributes: {} }, { timeUnixNano: 6n, name: 'f', attributes: { only: 'one' } }] : [];
    s.links = i === 4 ? [{ traceId: 'aa', spanId: 'bb', traceState: '', attributes: {} }, { traceId: 'cc', spanId: 'dd', traceState: 's', attributes: { l: 1 } }] : [];
    out.push(s);
  }
  // A resource without attributes, and a span without any.
  const bare = spanWith({}, '');
  bare.spanId = 'ffffffffffffffff';
  out.push(bare);
  return out;
}

/** Each span's flattened resource attributes, shared by the spans of one resource. */
function resources(list: Span[]): Record<string, string>[] {
  const flat = new Map<object, Record<string, string>>();
  return list.map((s) => {
    if (!flat.has(s.resource)) flat.set(s.resource, attrsToStrings(s.resource.attributes));
    return flat.get(s.resource)!;
  });
}

async function table(database: string): Promise<unknown[]> {
  const rs = await target.client.query({ query: `SELECT * FROM ${database}.otel_traces ORDER BY SpanId, SpanName`, format: 'JSONCompactEachRow' });
  return rs.json();
}

describe('Native rows', () => {
  it('store the same otel_traces rows as JSON rows, several blocks in one insert', async () => {
    const all = spans();
    const native = rawInsertOf(target.client)!('n.otel_traces', TRACE_COLUMNS, TRACE_COLUMN_TYPES, 'Native');
    await native([spansToNative(all.slice(0, 2), resources(all.slice(0, 2))), spansToNative(all.slice(2), resources(all.slice(2)))]);
    const json = rawInsertOf(target.client)!('j.otel_traces', TRACE_COLUMNS, TRACE_COLUMN_TYPES);
    await json(chunkBuffers([serializeRows(all.map((s) => spanToValues(s)))]));

    const viaNative = await table('n');
    expect(viaNative).toHaveLength(all.length);
    expect(viaNative).toEqual(await table('j'));
    // Spot checks of what a reader sees.
    const chat = viaNative.find((r) => (r as unknown[])[5] === 'chat gpt-4o') as unknown[];
    expect((chat[11] as Record<string, string>).lone).toBe('cut\ufffdhere');
    expect((chat[11] as Record<string, string>).__proto__).toBe('a key named __proto__');
    expect((chat[11] as Record<string, string>)['16384']).toHaveLength(16384);
  });

  it('read back in JavaScript as spanToValues makes them', () => {
    const all = spans();
    const blocks = Buffer.concat([spansToNative(all.slice(0, 3), resources(all.slice(0, 3))), spansToNative(all.slice(3), resources(all.slice(3)))]);
    const back = nativeToValues(blocks);
    // Lone surrogates are U+FFFD in both: escaped in the JSON text, through UTF-8 in Native.
    expect(back).toEqual(JSON.parse(`[${serializeRows(all.map((s) => spanToValues(s))).json}]`));
    expect(Object.keys(back[0][11] as object)).toContain('__proto__');
    expect(rowsText({ json: blocks, count: all.length, native: true })).toBe(serializeRows(back).json);
  });

  it('are inserted as JSON where the store takes no Native rows (a ClickHouse server)', async () => {
    const all = spans();
    const store = new TraceStore(target.client, { database: 's', table: 'otel_traces', maxRows: 1000, maxDelayMs: 1, concurrency: 1 });
    await store.write({ json: spansToNative(all, resources(all)), count: all.length, native: true });
    expect(await table('s')).toEqual(await table('j'));
  });

  it('from the local log after a restart: JSON records (an earlier spansift) and Native records both land', async () => {
    const all = spans();
    const logDir = mkdtempSync(join(tmpdir(), 'spansift-native-log-'));
    const options = { dir: logDir, maxBytes: 1 << 26, segmentBytes: 1 << 20, memoryBytes: 1 << 24, retryAfterMs: 1000 };
    const before = await DurableLog.open(options);
    await before.append([{ table: 'spans', rows: 3, json: serializeRows(all.slice(0, 3).map((s) => spanToValues(s))).json }]);
    await before.append([{ table: 'spans', rows: all.length - 3, json: spansToNative(all.slice(3), resources(all.slice(3))), native: true }]);
    await before.close();

    const wal = await DurableLog.open(options);
    expect(wal.pendingRecords).toBe(2);
    const store = new TraceStore(target.client, { database: 'm', table: 'otel_traces', maxRows: 1000, maxDelayMs: 1, concurrency: 1, native: true });
    const sink = (rows: SerializedRows) => store.write(rows);
    const drain = new LogDrain(wal, { sinks: { spans: sink, items: sink }, windowBytes: 1 << 24, batchBytes: 1 << 22, retryAfterMs: 1000, kick: () => store.kick(), log: createLogger('silent') }, logDir);
    drain.start();
    expect(await drain.flush(30_000)).toBe(true);
    drain.stop();
    await wal.close();
    rmSync(logDir, { recursive: true, force: true });
    expect(await table('m')).toEqual(await table('j'));
  });

  it('names where a damaged block ends', () => {
    const block = spansToNative(spans(), resources(spans()));
    expect(() => nativeToValues(block.subarray(0, block.length - 3))).toThrow(/end early/);
  });
});
