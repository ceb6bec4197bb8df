import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../collector/model/span.js';
import { spanToRow } from '../../collector/storage/rows.js';
import { SPAN_COLUMNS, storedToSpan, toStoredSpan, type SpanRow } from '../../collector/storage/stored-span.js';
import { tracesTableDDL } from '../../collector/storage/schema.js';
import { compileCondition, reviveStored } from './index.js';
import { AGREEMENT_CONDITIONS, HOSTILE, PREFILTER_CONDITIONS, RANDOM_ATOMS, agreementSpans, randomConditions, residualCases } from '../../tests/support/agree-fixtures.js';

/**
 * The closure (live spans) and the SQL (stored spans) must select the same spans. Types in
 * these spans are unambiguous; the documented differences are pinned in `residualCases`.
 */
let client: ClickHouseClient;
const spans = agreementSpans();
const residual = residualCases();

async function create(table: string, rows: Span[]): Promise<void> {
  for (const query of tracesTableDDL({ database: 'default', table, ttlSeconds: 0 })) await client.command({ query });
  await client.insert({ table, values: rows.map((s) => spanToRow(s)), format: 'JSONEachRow' });
}

async function selectIds(table: string, sql: string, params: Record<string, unknown>): Promise<string[]> {
  const rs = await client.query({
    query: `SELECT SpanId FROM ${table} WHERE ${sql} ORDER BY SpanId`,
    query_params: params,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ SpanId: string }>()).map((r) => r.SpanId);
}

function closureIds(condition: string, set: Span[]): string[] {
  const { match } = compileCondition(condition);
  return set.filter(match).map((s) => s.spanId).sort();
}

beforeAll(async () => {
  client = createClient({ connection: createChdbConnection({ path: ':memory:' }) as never });
  await create('otel_traces', spans);
  await create('otel_residual', residual.spans);
}, 120_000);

afterAll(async () => {
  await client?.close();
});

describe('closure and ClickHouse agree', () => {
  it.each(AGREEMENT_CONDITIONS)('%s', async (condition) => {
    const { sql } = compileCondition(condition);
    expect(sql.exact).toBe(true);
    expect(await selectIds('otel_traces', sql.sql, sql.params)).toEqual(closureIds(condition, spans));
  });

  it('on 150 random combinations of atoms', async () => {
    const mismatches: string[] = [];
    for (const condition of randomConditions(RANDOM_ATOMS, 150, 0x5eed)) {
      const { sql } = compileCondition(condition);
      const got = await selectIds('otel_traces', sql.sql, sql.params);
      const want = closureIds(condition, spans);
      if (got.join() !== want.join()) mismatches.push(`${condition}\n  sql: ${got}\n  closure: ${want}`);
    }
    expect(mismatches).toEqual([]);
  }, 60_000);

  it('the explicit conditions are discriminating, not trivially all or nothing', () => {
    const partial = AGREEMENT_CONDITIONS.filter((c) => {
      const n = closureIds(c, spans).length;
      return n > 0 && n < spans.length;
    });
    expect(partial.length / AGREEMENT_CONDITIONS.length).toBeGreaterThan(0.85);
  });

  it('separate param prefixes let conditions share a query', async () => {
    const a = compileCondition('attributes["gen_ai.request.model"] == "gpt-4o"', { paramPrefix: 'r1_' });
    const b = compileCondition('duration > 5s', { paramPrefix: 'r2_' });
    const got = await selectIds('otel_traces', `${a.sql.sql} AND ${b.sql.sql}`, { ...a.sql.params, ...b.sql.params });
    expect(got).toEqual(closureIds('attributes["gen_ai.request.model"] == "gpt-4o" and duration > 5s', spans));
  });

  it('hostile literals stay data and the table survives', async () => {
    const reference = compileCondition('attributes["k"] != nil or name == "k"').sql.sql;
    for (const h of HOSTILE) {
      const { sql } = compileCondition(`attributes[${JSON.stringify(h)}] != nil or name == ${JSON.stringify(h)}`);
      // The SQL text does not depend on literal values at all; they only travel as params.
      expect(sql.sql).toBe(reference);
      expect(Object.values(sql.params)).toEqual([h]);
      expect(await selectIds('otel_traces', sql.sql, sql.params)).toEqual(
        closureIds(`attributes[${JSON.stringify(h)}] != nil or name == ${JSON.stringify(h)}`, spans),
      );
    }
    const rs = await client.query({ query: 'SELECT toUInt32(count()) AS n FROM otel_traces', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: spans.length }]);
  });
});

/** The stored spans a WHERE clause selects, read back as search and backfill read them. */
async function storedSpans(table: string, sql: string, params: Record<string, unknown>): Promise<Span[]> {
  const rs = await client.query({ query: `SELECT ${SPAN_COLUMNS} FROM ${table} WHERE ${sql} ORDER BY SpanId`, query_params: params, format: 'JSONEachRow' });
  return (await rs.json<SpanRow>()).map((r) => reviveStored(storedToSpan(toStoredSpan(r))));
}

describe('a prefilter plus the closure where SQL cannot answer exactly', () => {
  it.each(PREFILTER_CONDITIONS)('%s', async (condition) => {
    const { sql, match } = compileCondition(condition);
    expect(sql.exact).toBe(false);
    const want = closureIds(condition, spans);
    const read = await storedSpans('otel_traces', sql.sql, sql.params);
    // A superset: no matching span is left out, and it really filters.
    expect(read.map((s) => s.spanId)).toEqual(expect.arrayContaining(want));
    expect(read.filter(match).map((s) => s.spanId).sort()).toEqual(want);
  });

  it('the prefilter keeps the exact parts of a condition', async () => {
    const { sql } = compileCondition('kind == SPAN_KIND_SERVER and ToSnakeCase(attributes["case"]) == "my_metric_name"');
    expect(await selectIds('otel_traces', sql.sql, sql.params)).toEqual(closureIds('kind == SPAN_KIND_SERVER', spans));
  });
});

describe('documented differences between the backends', () => {
  it.each(residual.cases)('%s: closure %j, SQL %j', async (condition, closure, sqlIds) => {
    expect(closureIds(condition, residual.spans)).toEqual(closure);
    const { sql } = compileCondition(condition);
    expect(await selectIds('otel_residual', sql.sql, sql.params)).toEqual(sqlIds);
  });
});
