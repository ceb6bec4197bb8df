/**
 * Hostile search parameters: a bad IsMatch pattern in `where=` is a 400 naming `where` with the
 * pattern's position (it used to reach ClickHouse and come back as a 500 with its internal
 * message), whether RE2's syntax refuses it or only ClickHouse's RE2 memory budget does; and
 * `since`/`until` beyond the 64-bit nanosecond range are refused, not wrapped around.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from '../support/spansift.js';
import { ApiClient } from '../support/labeling.js';

let sift: Running;
let admin: ApiClient;

const search = (params: Record<string, string>) => admin.get(`/api/v1/spans?${new URLSearchParams(params)}`);

beforeAll(async () => {
  sift = await startSpansift({
    queues: { review: { labels: [{ name: 'ok', type: 'boolean' }] } },
    rules: [{ name: 'letters', when: 'IsMatch(name, "^\\\\pL{1000}$")', route_to: 'review' }],
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
});

afterAll(async () => {
  await sift?.stop();
});

describe('where= with a bad pattern', () => {
  it.each([
    { where: 'IsMatch(name, "a(b")', column: 16, reason: 'missing closing )' },
    { where: 'IsMatch(name, "x{1001}")', column: 17, reason: 'invalid repeat count' },
    { where: 'IsMatch(name, "(?=a)b")', column: 16, reason: 'lookahead and lookbehind are not supported by RE2' },
    { where: 'name == "x" and\n  IsMatch(name, "(a)\\\\1")', column: 21, reason: 'backreferences are not supported by RE2' },
    { where: 'IsMatch(name, "\\\\C")', column: 16, reason: '\\C' },
  ])('$where: 400 at column $column', async ({ where, column, reason }) => {
    const res = await search({ where });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'where' });
    expect(res.body.error.message).toContain(reason);
    expect(res.body.error.position.column).toBe(column);
    expect(res.body.error.message).not.toMatch(/OptimizedRegularExpression|ClickHouse|DB::Exception/);
  });

  it('a pattern only ClickHouse refuses (too large for its RE2) is a 400 at the pattern', async () => {
    const res = await search({ where: 'name != "" and IsMatch(name, "^\\\\pL{1000}$")' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'where', position: { line: 1, column: 30, offset: 29 } });
    expect(res.body.error.message).toContain('pattern too large');
  });

  it('so is a backfill of a rule with such a pattern, naming the rule', async () => {
    const res = await admin.post('/api/v1/rules/letters/backfill', { since: '1h' });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('name');
    expect(res.body.error.message).toContain('rule "letters": when: 1:15: invalid regular expression for ClickHouse: pattern too large');
  });

  it('the pathological pattern searches at once', async () => {
    const t = performance.now();
    const res = await search({ where: 'IsMatch(name, "(a+)+$")' });
    expect(res.status).toBe(200);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});

describe('since and until', () => {
  const BEYOND = ['9223372036854775808', '18446744073709551616', '9'.repeat(40), '+275760-09-13T00:00:00Z'];

  it.each(BEYOND.flatMap((v) => [['since', v], ['until', v]]))('%s=%s: 400 naming it', async (field, value) => {
    const res = await search({ [field]: value });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', field });
    expect(res.body.error.message).toContain('outside the times spansift stores');
  });

  it('the largest nanosecond value is taken', async () => {
    const res = await search({ until: '9223372036854775807' });
    expect(res.status).toBe(200);
    expect(res.body.until).toBe('9223372036854775807');
  });

  it('a duration back beyond the epoch means everything, not a wrapped time', async () => {
    for (const since of ['1000000h', `${'9'.repeat(400)}h`]) {
      const res = await search({ since });
      expect(res.status).toBe(200);
      expect(res.body.since).toBe('0');
    }
  });

  it.each(['since', 'until'])('backfill %s beyond 64 bits: 400 naming it', async (field) => {
    const res = await admin.post('/api/v1/rules/letters/backfill', { since: '1h', [field]: '99999999999999999999' });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
  });
});
