import { describe, expect, it } from 'vitest';
import { makeSpan } from '../../../tests/support/condition.js';
import { compileCondition, ConditionError } from '../index.js';
import { EVAL_ERROR } from '../values.js';
import PATTERNS from './grok-patterns.json' with { type: 'json' };
import { compileGrok, expandGrok } from './grok.js';

/** Expected values come from the collector's tests of ExtractGrokPatterns and its README (pkg/ottl/ottlfuncs). */
const throwsEval = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ name: EVAL_ERROR.name }));
const URI_TEXT = 'http://user:password@example.com:80/path?query=string';
const PG_TEXT = '2024-06-18 12:34:56 UTC johndoe 12345 67890';
const PG_PATTERN = '%{DATESTAMP:timestamp} %{TZ:event.timezone} %{DATA:user.name} %{GREEDYDATA:postgresql.log.connection_id} %{POSINT:process.pid:int}';

function refusal(condition: string): ConditionError {
  try {
    compileCondition(condition);
  } catch (e) {
    if (e instanceof ConditionError) return e;
    throw e;
  }
  throw new Error(`accepted: ${condition}`);
}

describe('grok patterns', () => {
  it('reads plain regexes with named groups, and gives an empty map when nothing matches', () => {
    expect(compileGrok('^a=(?P<a>\\w+)\\s+c=(?P<c>\\w+)$', false, []).parse('a=b c=d')).toEqual({ a: 'b', c: 'd' });
    expect(compileGrok('^a=(?P<a>\\w+)$', false, []).parse('a=b c=d')).toEqual({});
    expect(compileGrok('(.*)', false, []).parse('foobar')).toEqual({});
    expect(compileGrok('(a|b)+(?P<x>c)\\((?P<y>[(]d)\\)', false, []).parse('abc((d)')).toEqual({ x: 'c', y: '(d' });
  });

  it('names every expanded pattern after itself unless only named captures are asked for', () => {
    expect(compileGrok('%{URI}', false, []).parse(URI_TEXT)).toMatchObject({
      URIPROTO: 'http',
      USER: 'user',
      URIHOST: 'example.com:80',
      IPORHOST: 'example.com',
      POSINT: '80',
      URIPATH: '/path',
      URIQUERY: 'query=string',
    });
    expect(compileGrok('%{ELB_URI}', true, []).parse(URI_TEXT)).toEqual({
      'url.scheme': 'http',
      'url.username': 'user',
      'url.domain': 'example.com',
      'url.port': 80,
      'url.path': '/path',
      'url.query': 'query=string',
    });
  });

  it('converts typed captures, and the PostgreSQL sample reads as in the collector', () => {
    expect(compileGrok(PG_PATTERN, true, []).parse(PG_TEXT)).toEqual({
      timestamp: '24-06-18 12:34:56',
      'event.timezone': 'UTC',
      'user.name': 'johndoe',
      'postgresql.log.connection_id': '12345',
      'process.pid': 67890,
    });
    const typed = compileGrok('%{NUMBER:f:float} %{WORD:b:boolean} %{INT:i:long} %{WORD:s:string}', true, []);
    expect(typed.parse('1.5 true -7 x')).toEqual({ f: 1.5, b: true, i: -7, s: 'x' });
    // strconv.ParseBool, Atoi and an unknown type name fail the call, as go-grok returns an error.
    throwsEval(() => typed.parse('1.5 yes -7 x'));
    throwsEval(() => compileGrok('%{NUMBER:n:int}', true, []).parse('1.5'));
    throwsEval(() => compileGrok('%{NUMBER:n:int}', true, []).parse('99999999999999999999'));
    throwsEval(() => compileGrok('%{WORD:n:date}', true, []).parse('x'));
    // A typed group that takes no part is left out rather than converted.
    expect(compileGrok('a(?:%{NUMBER:n:int})?', true, []).parse('a')).toEqual({});
  });

  it('expands custom definitions, which override the pattern sets', () => {
    const custom = compileGrok('%{MYPATTERN}', true, ['MYPATTERN=%{MYDATEPATTERN:timestamp} otel', 'MYDATEPATTERN=%{DATE}[- ]%{TIME}']);
    expect(custom.parse('2024-06-18 12:34:56 otel')).toEqual({ timestamp: '24-06-18 12:34:56' });
    const passwd = compileGrok('%{USERNAME:user.name}:%{PASSWORD:user.password}:%{USERINFO}', true, ['PASSWORD=%{WORD}', 'USERINFO=%{GREEDYDATA}']);
    expect(passwd.parse('smith:pass123:1001:1000:J Smith,1234,(234)567-8910,(234)567-1098,email:/home/smith:/bin/sh')).toEqual({ 'user.name': 'smith', 'user.password': 'pass123' });
    expect(compileGrok('%{WORD:w}', true, ['WORD=\\d+']).parse('abc 42')).toEqual({ w: '42' });
    expect(compileGrok('%{X:x}', true, ['X=a$b']).parse('a$b')).toEqual({});
    expect(compileGrok('%{X:x}', true, ['X=a\\$b']).parse('a$b')).toEqual({ x: 'a$b' });
  });

  it('keeps the last capture of a name written twice, as Go\'s regexp allows and go-grok does', () => {
    expect(compileGrok('%{IP} %{IP}', false, []).parse('1.2.3.4 5.6.7.8')).toEqual({ IP: '5.6.7.8', IPV4: '5.6.7.8' });
    expect(compileGrok('(?P<a>x)?(?P<a>y)', false, []).parse('xy')).toEqual({ a: 'y' });
    expect(compileGrok('[(?P<a>]+', false, []).parse('(?P<a>')).toEqual({});
  });

  it('refuses unknown patterns, bad definitions and definitions that refer to themselves', () => {
    expect(() => compileGrok('%{NOPE}', false, [])).toThrow(/"NOPE" unknown/);
    expect(() => compileGrok('%{URI}', false, ['PAT:TERN=invalid'])).toThrow(/should not contain ':'/);
    expect(() => compileGrok('%{URI}', false, ['just a regex that is long'])).toThrow(/"just a regex that..." at index 0 has incorrect format/);
    expect(() => compileGrok('%{A}', false, ['A=%{A}%{A}'])).toThrow(/refer to itself/);
    expect(() => compileGrok('%{A}', false, ['A=x%{A}'])).toThrow(/refer to itself/);
    expect(() => compileGrok('%{URI}', true, [])).toThrow(/at least 1 named capture group/);
    expect(() => compileGrok('(?P<a+b>x)', false, [])).toThrow(/invalid named capture/);
  });

  it('expands every pattern of the sets into a regex RE2 accepts, but the one go-grok writes wrongly', () => {
    const names = [...Object.keys(PATTERNS.default), ...Object.values(PATTERNS.sets).flatMap((s) => Object.keys(s))];
    expect(names.length).toBe(245);
    const refused = names.filter((n) => {
      try {
        compileGrok(`%{${n}}`, false, []);
        return false;
      } catch {
        return true;
      }
    });
    // Its `%{DATA:[cisco.asa.burst.object}` is no reference and leaves a parenthesis unbalanced; Go's regexp refuses it too.
    expect(refused).toEqual(['CISCOFW733100']);
    expect(expandGrok('%{NUMBER:n:int}', true, new Map()).regex).toBe('(?P<n>(?:(([+-]?(?:[0-9]+(?:\\.[0-9]+)?)|\\.[0-9]+))))');
    expect(expandGrok('%{NUMBER:n:int}', false, new Map()).regex).toBe('(?P<n>(?:(?P<BASE10NUM>([+-]?(?:[0-9]+(?:\\.[0-9]+)?)|\\.[0-9]+))))');
  });

  it('is linear in the text: a nested quantifier over a long hostile value answers at once', () => {
    const grok = compileGrok('^(?P<x>(a+)+)$', false, []);
    expect(grok.parse('a'.repeat(100_000) + 'b')).toEqual({});
  });
});

describe('ExtractGrokPatterns in conditions', () => {
  const span = makeSpan({ attrs: { url: URI_TEXT, pg: PG_TEXT, n: 3, path: '/api' } });
  const m = (c: string) => compileCondition(c).match(span);

  it('answers with the captures, typed where the pattern says', () => {
    expect(m('ExtractGrokPatterns(attributes["url"], "%{URI}")["URIHOST"] == "example.com:80"')).toBe(true);
    expect(m('ExtractGrokPatterns(attributes["url"], "%{ELB_URI}", true)["url.port"] == 80')).toBe(true);
    expect(m(`ExtractGrokPatterns(attributes["pg"], "${PG_PATTERN}", true)["process.pid"] > 60000`)).toBe(true);
    expect(m('ExtractGrokPatterns(attributes["pg"], "%{LOGLINE}", true, ["LOGLINE=%{DATESTAMP:timestamp} %{TZ:tz} %{GREEDYDATA}"])["tz"] == "UTC"')).toBe(true);
    expect(m('ExtractGrokPatterns(attributes["pg"], "%{LOGLINE}", pattern_definitions = ["LOGLINE=%{TZ:tz}"], named_captures_only = true) == {"tz": "UTC"}')).toBe(true);
    expect(m('Len(ExtractGrokPatterns(attributes["path"], "%{URI}")) == 0')).toBe(true);
  });

  it('fails the condition on a target that is not a string', () => {
    expect(m('ExtractGrokPatterns(attributes["n"], "%{URI}") != nil')).toBe(false);
    expect(m('not (ExtractGrokPatterns(attributes["missing"], "(?P<line>.*)") == nil)')).toBe(false);
    expect(m('ExtractGrokPatterns(attributes["pg"], "%{TZ:w:int}")["w"] == 1 or true')).toBe(false);
  });

  it('refuses a bad pattern when the condition compiles, at the argument at fault', () => {
    const c = 'ExtractGrokPatterns(attributes["url"], "%{NOPE:x}")';
    const e = refusal(c);
    expect(e.message).toMatch(/ExtractGrokPatterns: pattern definition "NOPE" unknown/);
    expect(e.offset).toBe(c.indexOf('"%{NOPE'));
    const d = 'ExtractGrokPatterns(attributes["url"], "%{X}", false, ["X"])';
    expect(refusal(d).offset).toBe(d.indexOf('["X"]'));
    expect(refusal(d).message).toMatch(/incorrect format/);
    expect(refusal('ExtractGrokPatterns(attributes["url"], "(")').message).toMatch(/missing closing \)/);
    expect(refusal('ExtractGrokPatterns(attributes["url"], "%{URI}", true)').message).toMatch(/at least 1 named capture group/);
    expect(refusal('ExtractGrokPatterns(attributes["url"], "%{URI}", false, [1])').message).toMatch(/list of strings/);
    expect(refusal('ExtractGrokPatterns(attributes["url"], attributes["p"])').message).toMatch(/string literal/);
  });
});
