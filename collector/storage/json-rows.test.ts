/**
 * Serialized rows are valid JSON text for ClickHouse whatever strings they carry: lone
 * surrogates (which JSON.stringify writes as `\ud800` escapes and ClickHouse refuses)
 * become U+FFFD, and nothing else changes.
 */
import { describe, expect, it } from 'vitest';
import { chunkBuffers, serializeRows, wellFormed } from './json-rows.js';
import { decodePayload, encodeRecord } from './log/record.js';

const parse = (rows: { json: string }) => JSON.parse(`[${rows.json}]`) as unknown[][];
/** Node 20 has String#toWellFormed; the ES2022 lib types do not. */
const toWellFormed = (s: string) => (s as string & { toWellFormed(): string }).toWellFormed();

describe('serializeRows', () => {
  it('replaces lone surrogates anywhere in a row with U+FFFD, as String#toWellFormed would', () => {
    const values = ['a\ud800', 'b\udfff', '\ud83dx\ude00', { 'k\udbff': 'v\udc00' }, ['\ud800\ud800'], 'end\ud800'];
    const rows = serializeRows([values, ['fine']]);
    expect(rows.json).not.toMatch(/\\ud[89a-f]/);
    expect(parse(rows)).toEqual([['a\ufffd', 'b\ufffd', '\ufffdx\ufffd', { 'k\ufffd': 'v\ufffd' }, ['\ufffd\ufffd'], 'end\ufffd'], ['fine']]);
  });

  it('keeps pairs, text that only looks like an escape, and other escapes as they are', () => {
    const values = ['\ud83d\ude00', '\\ud800', '\\\\ud800', '\\\ud800', '\u0001\n"', 'C:\\udev'];
    const rows = serializeRows([values]);
    expect(parse(rows)).toEqual([['\ud83d\ude00', '\\ud800', '\\\\ud800', '\\\ufffd', '\u0001\n"', 'C:\\udev']]);
  });

  it('returns text without a surrogate escape untouched (the same string)', () => {
    const json = JSON.stringify(['plain', { a: 'b' }, '\u00e9\u4e2d']);
    expect(wellFormed(json)).toBe(json);
  });

  it('agrees with toWellFormed on random strings of surrogates, backslashes and letters', () => {
    const alphabet = ['\ud800', '\udbff', '\udc00', '\udfff', '\\', 'u', 'd', '8', 'a', '"'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let n = next() % 12; n > 0; n--) s += alphabet[next() % alphabet.length];
      expect(parse(serializeRows([[s]]))[0][0]).toBe(toWellFormed(s));
    }
  });
});

describe('chunkBuffers', () => {
  it('joins rows given as strings and as UTF-8 bytes read back from a log record into one insert body', () => {
    const a = serializeRows([['é', 1], ['\u4e2d\ud83d\ude00', 2]]);
    const b = serializeRows([['plain', 3]]);
    // The bytes as the drain hands them over: parts of a frame read back from the log.
    const { bufs } = encodeRecord([{ table: 'spans', rows: a.count, json: a.json }, { table: 'items', rows: b.count, json: b.json }]);
    const parts = decodePayload(Buffer.concat(bufs).subarray(8))!;
    expect(parts.every((p) => Buffer.isBuffer(p.json))).toBe(true);
    const body = Buffer.concat(chunkBuffers([{ json: 'null', count: 1 }, { json: parts[0].json, count: 2 }, { json: parts[1].json, count: 1 }]));
    expect(JSON.parse(`[${body.toString('utf8')}]`)).toEqual([null, ['é', 1], ['\u4e2d\ud83d\ude00', 2], ['plain', 3]]);
  });
});
