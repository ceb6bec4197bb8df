import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileCondition } from './index.js';
import { compileRegex } from './regex.js';
import { plainRegExp } from './regex-plain.js';
import { makeSpan } from '../../tests/support/condition.js';

/**
 * IsMatch runs RE2 syntax in linear time (re2js, or V8 for plain patterns). Agreement with
 * ClickHouse itself is in backends-agree.test.ts; here: syntax, refusals, time, and that the
 * V8 fast path answers exactly as re2js does.
 */
function matches(pattern: string, text: string): boolean {
  const re = compileRegex(pattern);
  if (!re.ok) throw new Error(re.reason);
  return re.regex.test(text);
}

function ms(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('IsMatch patterns are RE2', () => {
  it.each([
    ['(?P<model>gpt)-4o', 'gpt-4o', true],
    ['^\\pL+$', 'café', true],
    ['[[:alpha:]]', '123', false],
    ['\\Qa.b\\E', 'axb', false],
    ['x(?i)ABC', 'xabc', true],
    ['one.two', 'one\ntwo', true],
    ['(?-s)one.two', 'one\ntwo', false],
    ['^two', 'one\ntwo', false],
    ['(?m)^two', 'one\ntwo', true],
    ['\\d', '٣', false],
    ['\\pN', '٣', true],
    ['\\s', '\u00a0', false],
    ['(?i)σας', 'ΣΑΣ', true],
    ['^.$', '😀', true],
    ['x{2,}', 'xx', true],
  ])('%s on %j is %s', (pattern, text, want) => {
    expect(matches(pattern, text)).toBe(want);
  });

  it.each([
    ['(?=a)b', 'lookahead and lookbehind are not supported by RE2'],
    ['(?<!a)b', 'lookahead and lookbehind are not supported by RE2'],
    ['(a)\\1', 'backreferences are not supported by RE2'],
    ['\\C', 'spansift does not support'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['(a{100}){100}', 'invalid repeat count'],
    ['a(b', 'missing closing )'],
    ['[z-a]', 'invalid character class range: `z-a`'],
  ])('%s is refused: %s', (pattern, reason) => {
    const re = compileRegex(pattern);
    expect(re.ok).toBe(false);
    if (!re.ok) expect(re.reason).toContain(reason);
  });

  it('points at the fragment at fault', () => {
    expect(compileRegex('abc\\8')).toMatchObject({ ok: false, at: 3 });
    expect(compileRegex('x{1001}')).toMatchObject({ ok: false, at: 1 });
  });
});

describe('time linear in the text', () => {
  const evil = 'a'.repeat(30) + 'b';

  it('the pathological rule of issue 9 answers at once', () => {
    const { match } = compileCondition('IsMatch(name, "(a+)+$")');
    let result = true;
    expect(ms(() => (result = match(makeSpan({ name: evil }))))).toBeLessThan(100);
    expect(result).toBe(false);
    expect(match(makeSpan({ name: 'a'.repeat(30) }))).toBe(true);
  });

  it.each(['(a+)+$', '(a|aa)+$', '(a*)*b', '(x+x+)+y', '^(a|a?)+$', '(.*a){20}'])('%s on 100,000 characters', (pattern) => {
    const re = compileRegex(pattern);
    if (!re.ok) throw new Error(re.reason);
    expect(ms(() => re.regex.test('a'.repeat(100_000) + '!'))).toBeLessThan(500);
  });

  it('a plain pattern with alternations stays linear in V8 too', () => {
    const re = compileRegex('(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)b');
    if (!re.ok) throw new Error(re.reason);
    expect(re.regex).toBeInstanceOf(RegExp);
    expect(ms(() => re.regex.test('a'.repeat(100_000)))).toBeLessThan(500);
  });
});

describe('the V8 fast path', () => {
  it.each([
    ['(?i)^I cannot help', true],
    ['^chat (gpt|claude)-[0-9]', true],
    ['gpt\\-4o\\.\\d$', false],
    ['gpt-4o\\.\\d$', true],
    ['(?:x|y)[^a-c]', true],
    ['a+', false],
    ['(?i)[a-z]', false],
    ['\\w', false],
    ['é', false],
    ['(?P<n>x)', false],
    ['[[:alpha:]]', false],
    ['(a|b|c|d|e|f|g|h|i|j)', false],
  ])('%s runs in V8: %s', (pattern, plain) => {
    expect(plainRegExp(pattern) !== undefined).toBe(plain);
  });

  it('answers exactly as re2js on 3,000 random plain patterns', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const atoms = ['a', 'b', 'k', 'K', 's', 'S', '1', ' ', '-', '.', '\\d', '\\D', '\\.', '^', '$', '(a|b)', '(?:k|)', '[a-c]', '[^ab]', '[K-k]', '[-.]'];
    const chars = ['a', 'b', 'A', 'B', 'k', 'K', '\u212a', 's', 'S', '\u017f', '1', '٣', '.', '-', '\n', '\r', ' ', '😀', 'é'];
    const texts = Array.from({ length: 40 }, () => Array.from({ length: rand(7) }, () => chars[rand(chars.length)]).join(''));
    const differences: string[] = [];
    let plain = 0;
    for (let n = 0; n < 3000; n++) {
      const pattern = (rand(3) === 0 ? '(?i)' : '') + Array.from({ length: 1 + rand(5) }, () => atoms[rand(atoms.length)]).join('');
      const v8 = plainRegExp(pattern);
      if (!v8) continue;
      plain++;
      const re2 = RE2JS.compile(pattern, RE2JS.DOTALL);
      for (const t of texts) if (v8.test(t) !== re2.test(t)) differences.push(`${pattern} on ${JSON.stringify(t)}`);
    }
    expect(plain).toBeGreaterThan(2000);
    expect(differences).toEqual([]);
  });
});
