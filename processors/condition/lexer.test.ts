import { describe, expect, it } from 'vitest';
import { ConditionError } from './errors.js';
import { tokenize } from './lexer.js';

const kinds = (src: string) => tokenize(src).map((t) => t.kind);
const values = (src: string) => tokenize(src).map((t) => t.value);

function lexError(src: string): ConditionError {
  try {
    tokenize(src);
  } catch (e) {
    if (e instanceof ConditionError) return e;
    throw e;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('lexer', () => {
  it('tokenizes every operator and punctuation with offsets', () => {
    const toks = tokenize('a==b!=c<d<=e>f>=g(h,i)[j].k');
    expect(toks.filter((t) => t.kind === 'op').map((t) => t.text)).toEqual(['==', '!=', '<', '<=', '>', '>=']);
    expect(kinds('( ) [ ] { } , . : = + - * /')).toEqual(['(', ')', '[', ']', '{', '}', ',', '.', ':', '=', 'math', 'math', 'math', 'math', 'eof']);
    const [a, eq, b] = toks;
    expect([a.start, a.end, eq.start, eq.end, b.start]).toEqual([0, 1, 1, 3, 3]);
    expect(toks[toks.length - 1]).toMatchObject({ kind: 'eof', start: 27, end: 27 });
  });

  it('reads numbers without their sign, which is a math token the parser folds', () => {
    expect(kinds('0 42 -7 +3')).toEqual(['int', 'int', 'math', 'int', 'math', 'int', 'eof']);
    expect(values('0 42 -7')).toEqual([0n, 42n, undefined, 7n, undefined]);
    expect(kinds('1.5 .5 0.25 1e3 2.5E-3')).toEqual(['float', 'float', 'float', 'float', 'float', 'eof']);
    expect(values('1.5 .5 0.25 1e3 2.5E-3').slice(0, 5)).toEqual([1.5, 0.5, 0.25, 1000, 0.0025]);
    expect(kinds('end_time-start_time')).toEqual(['ident', 'math', 'ident', 'eof']);
  });

  it('keeps integers beyond 2^53 exact as bigint and rejects those beyond int64', () => {
    expect(values('9007199254740993')[0]).toBe(9007199254740993n);
    // 2^63 itself is read: only -9223372036854775808 fits, which the parser decides.
    expect(values('9223372036854775808')[0]).toBe(9223372036854775808n);
    expect(lexError('9223372036854775809')).toMatchObject({ code: 'bad_number', offset: 0 });
    expect(lexError('x > 1e999')).toMatchObject({ code: 'bad_number', offset: 4 });
  });

  it('reads byte literals as OTTL does: 0x and pairs of hex digits', () => {
    expect(tokenize('0x0a1B')[0]).toMatchObject({ kind: 'bytes', value: Uint8Array.of(0x0a, 0x1b), start: 0, end: 6 });
    expect(lexError('SpanID(0x)')).toMatchObject({ code: 'bad_bytes', offset: 7 });
    expect(lexError('0x123')).toMatchObject({ code: 'bad_bytes', detail: 'a byte literal needs an even number of hex digits (two per byte)' });
    expect(lexError('0x12zz')).toMatchObject({ code: 'bad_bytes', offset: 4 });
  });

  it('reads durations in every unit, compound and fractional', () => {
    const cases: Array<[string, bigint]> = [
      ['10ns', 10n],
      ['250us', 250_000n],
      ['250µs', 250_000n],
      ['500ms', 500_000_000n],
      ['5s', 5_000_000_000n],
      ['1m', 60_000_000_000n],
      ['1h', 3_600_000_000_000n],
      ['1m30s', 90_000_000_000n],
      ['1h2m3s4ms5us6ns', 3_723_004_005_006n],
      ['1.5s', 1_500_000_000n],
      ['3000h', 10_800_000_000_000_000n],
    ];
    for (const [src, ns] of cases) {
      const [t] = tokenize(src);
      expect(t.kind, src).toBe('duration');
      expect(t.value, src).toBe(ns);
      expect(t.end, src).toBe(src.length);
    }
  });

  it('rejects unknown duration units where they start', () => {
    expect(lexError('duration > 5sec')).toMatchObject({ code: 'bad_duration', offset: 12, column: 13 });
    expect(lexError('duration > 5d')).toMatchObject({ code: 'bad_duration', offset: 12 });
    expect(lexError('5s3')).toMatchObject({ code: 'bad_duration' });
    expect(lexError('5_000')).toMatchObject({ code: 'bad_duration' });
  });

  it('decodes string escapes', () => {
    const src = String.raw`"a\"b\\c\nd\te\u00e9\U0001F600\ud83d\ude00\/\r\b\f\a\v\x41\101\xc3\xa9"`;
    expect(tokenize(src)[0].value).toBe('a"b\\c\nd\te\u00e9😀😀/\r\b\f\x07\x0bAAé');
    expect(tokenize('"" "plain"').map((t) => t.value)).toEqual(['', 'plain', undefined]);
  });

  it('keeps hostile strings verbatim', () => {
    const hostile = [`'; DROP TABLE x; --`, `{p0:String}`, `\`backtick\``, 'emoji 👩‍👩‍👧 ok', 'ünïcødé', '\u0000nul'];
    for (const h of hostile) {
      const src = JSON.stringify(h);
      expect(tokenize(src)[0]).toMatchObject({ kind: 'string', value: h, start: 0, end: src.length });
    }
  });

  it('reports string errors at the right offset', () => {
    expect(lexError('name == "abc')).toMatchObject({ code: 'unterminated_string', offset: 8, line: 1, column: 9 });
    expect(lexError('name == "abc\\')).toMatchObject({ code: 'unterminated_string' });
    expect(lexError('name == "a\\qb"')).toMatchObject({ code: 'bad_escape', offset: 10 });
    expect(lexError('"\\u12"')).toMatchObject({ code: 'bad_escape', offset: 1 });
    expect(lexError('"\\ud800"')).toMatchObject({ code: 'bad_escape', offset: 1 });
    expect(lexError('"\\xc3"')).toMatchObject({ code: 'bad_escape', offset: 1, detail: 'these byte escapes are not valid UTF-8 text' });
    expect(lexError('"\\400"')).toMatchObject({ code: 'bad_escape', offset: 1 });
  });

  it('explains C-style operators and single quotes', () => {
    expect(lexError('a && b').detail).toContain("use 'and'");
    expect(lexError('a || b').detail).toContain("use 'or'");
    expect(lexError('!a').detail).toContain("use 'not'");
    expect(lexError("name == 'x'").detail).toContain('double quotes');
    expect(lexError('name == 😀')).toMatchObject({ code: 'unexpected_char', offset: 8 });
  });

  it('counts lines and code-point columns', () => {
    const e = lexError('name == "😀"\n  and x & 1');
    expect(e).toMatchObject({ line: 2, column: 9, offset: 21 });
    expect(e.message).toBe("2:9: unexpected character '&'");
    expect(lexError('"😀" & 1')).toMatchObject({ column: 5, offset: 5 });
  });
});
