import { describe, expect, it } from 'vitest';
import { compileCondition, ConditionError } from '../index.js';
import { makeSpan, type SpanSpec } from '../../../tests/support/condition.js';
import { readCsvRow } from './csv.js';
import { urlMap } from './go-url.js';
import { parseKeyValue, toKeyValueString } from './key-value.js';
import { EVAL_ERROR } from '../values.js';

/** Expected values come from the collector's own tests of each converter (pkg/ottl/ottlfuncs). */
const throwsEval = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ name: EVAL_ERROR.name }));

describe('ParseKeyValue', () => {
  it.each<[string, string, string, Record<string, string>]>([
    ['name=ottl func=key_value', '=', ' ', { name: 'ottl', func: 'key_value' }],
    [`a=b c='this is a "co ol" value'`, '=', ' ', { a: 'b', c: 'this is a "co ol" value' }],
    [`name="   ottl " func="  key_ value"`, '=', ' ', { name: 'ottl', func: 'key_ value' }],
    ['   name!ottl     func!key_value hello!world  ', '!', ' ', { name: 'ottl', func: 'key_value', hello: 'world' }],
    ['name!!ottl     \nfunc!!      key_value another!!pair\nhello!!world  ', '!!', '\n', { name: 'ottl', func: 'key_value another!!pair', hello: 'world' }],
    [`name="ottl="_func="=key_value"`, '=', '_', { name: 'ottl=', func: '=key_value' }],
    ['k1@*v1_!_k2@**v2_!__k3@@*v3__', '@*', '_!_', { k1: 'v1', k2: '*v2', '_k3@': 'v3__' }],
    ['   k1=v1   k2==v2       k3=v3= ', '=', ' ', { k1: 'v1', k2: '=v2', k3: 'v3=' }],
    ["a=b c=d'='", '=', ' ', { a: 'b', c: 'd=' }],
    ['a=b c=d', '=', 'aaaaaaaaaaaaaaaa', { a: 'b c=d' }],
    ['k=1 k=2', '=', ' ', { k: '2' }],
    ['k="a \\" b"', '=', ' ', { k: 'a \\" b' }],
    ['k=é', '=', ' ', { k: 'Ã©' }],
  ])('%j', (text, d, p, expected) => {
    expect(parseKeyValue(text, d, p)).toEqual(expected);
  });

  it('fails on an empty target, a pair without the delimiter and an unclosed quote', () => {
    throwsEval(() => parseKeyValue('', '=', ' '));
    throwsEval(() => parseKeyValue('name=ottl!hello_world', '=', '!'));
    throwsEval(() => parseKeyValue('a=b c=d', '=============', ' '));
    throwsEval(() => parseKeyValue(`k1=v1 k2='v2"`, '=', ' '));
  });

  it('takes "" for the default delimiters and refuses equal ones when the config loads', () => {
    const span = makeSpan({ attrs: { kv: 'a=b c=d' } });
    expect(compileCondition('ParseKeyValue(attributes["kv"], "", "")["c"] == "d"').match(span)).toBe(true);
    expect(() => compileCondition('ParseKeyValue(attributes["kv"], "=", "=")')).toThrow(ConditionError);
    expect(() => compileCondition('ParseKeyValue(attributes["kv"], " ")')).toThrow(/cannot be equal/);
  });
});

describe('ToKeyValueString', () => {
  it('joins pairs in order, quotes what holds a delimiter and writes other values as text', () => {
    expect(toKeyValueString({ k1: 'v1', k2: 'v=2', k3: '"v=3"' }, '=', ' ', false)).toBe('k1=v1 k2="v=2" k3="\\"v=3\\""');
    expect(toKeyValueString({ k1: 'v1', k2: { k3: 'v3', k4: ['v4', 'v5'] } }, '=', ' ', false)).toBe('k1=v1 k2={\\"k3\\":\\"v3\\",\\"k4\\":[\\"v4\\",\\"v5\\"]}');
    expect(toKeyValueString({ b: 2, a: true, c: 1.5 }, ':', ',', true)).toBe('a:true,b:2,c:1.5');
  });

  it('is an error on a value that is not a map, and refuses empty delimiters when the config loads', () => {
    const span = makeSpan({ attrs: { m: { k: 'v' }, s: 'x' } });
    expect(compileCondition('ToKeyValueString(attributes["m"]) == "k=v"').match(span)).toBe(true);
    expect(compileCondition('not (ToKeyValueString(attributes["s"]) == "")').match(span)).toBe(false);
    expect(() => compileCondition('ToKeyValueString(attributes["m"], "")')).toThrow(/empty/);
    expect(() => compileCondition('ToKeyValueString(attributes["m"], ":", ":")')).toThrow(/equal/);
  });
});

describe('ParseCSV', () => {
  it.each<[string, string[]]>([
    ['val1,val2,val3', ['val1', 'val2', 'val3']],
    ['val1\nnewline,val2,val3', ['val1\nnewline', 'val2', 'val3']],
    ['val1,val2\nnewline,val3', ['val1', 'val2\nnewline', 'val3']],
    ['val1\nnewline1,val2\nnewline2,val3\nnewline3', ['val1\nnewline1', 'val2\nnewline2', 'val3\nnewline3']],
    ['\nval1,val2,val3', ['val1', 'val2', 'val3']],
    ['val1,val2,val3\n', ['val1', 'val2', 'val3']],
    ['val1\n,val2,val3', ['val1\n', 'val2', 'val3']],
    ['val1,val2,v"al3', ['val1', 'val2']],
    ['"a,b","c""d"\r\n', ['a,b', 'c"d']],
  ])('strict %j', (row, fields) => {
    expect(readCsvRow(row, ',', false)).toEqual(fields);
  });

  it('reads lazy quotes as the collector does', () => {
    expect(readCsvRow('val1,val2,v"al3', ',', true)).toEqual(['val1', 'val2', 'v"al3']);
    expect(readCsvRow('val1,"val2,"val3,val4"', ',', true)).toEqual(['val1', 'val2,"val3,val4']);
  });

  it('maps headers to fields, with the documented modes and errors', () => {
    const span = makeSpan({ attrs: { row: 'val1\tval2\tval3', quoted: 'val1,"val2,"val3,val4"', empty: '' } });
    const m = (c: string) => compileCondition(c).match(span);
    expect(m('ParseCSV(attributes["row"], "col1 col2 col3", delimiter="\\t", header_delimiter=" ")["col3"] == "val3"')).toBe(true);
    expect(m('ParseCSV(attributes["quoted"], "col1,col2,col3,col4", mode="ignoreQuotes")["col4"] == "val4\\""')).toBe(true);
    expect(m('ParseCSV(attributes["quoted"], "col1,col2,col3,col4", mode="lazyQuotes") != nil')).toBe(false);
    expect(m('ParseCSV("val1,val2,val3", "col1,col2") != nil')).toBe(false);
    expect(m('ParseCSV(attributes["empty"], "col1") != nil')).toBe(false);
    expect(m('ParseCSV("val1", "") != nil')).toBe(false);
    expect(m('ParseCSV("a\\"b", "x", delimiter="\\"") != nil')).toBe(false);
    expect(m('ParseCSV("a\\"b", "x|y", delimiter="\\"", header_delimiter="|", mode="ignoreQuotes")["y"] == "b"')).toBe(true);
    expect(() => compileCondition('ParseCSV("a", "b", delimiter="bad_delim")')).toThrow(/single character/);
    expect(() => compileCondition('ParseCSV("a", "b", header_delimiter="")')).toThrow(/single character/);
    expect(() => compileCondition('ParseCSV("a", "b", mode="fake-mode")')).toThrow(/unknown mode/);
  });
});

describe('SliceToMap', () => {
  const spec: SpanSpec = { attrs: { things: [{ name: 'foo', value: 2 }, { name: 'bar', value: 5 }, { name: 3 }, 'x', { value: 1 }], s: 'x' } };
  const m = (c: string) => compileCondition(c).match(makeSpan(spec));

  it('keys each map by the value at the key path, skipping elements without a string there', () => {
    expect(m('SliceToMap(attributes["things"], ["name"])["foo"]["value"] == 2')).toBe(true);
    expect(m('SliceToMap(attributes["things"], ["name"], ["value"]) == {"foo": 2, "bar": 5}')).toBe(true);
    expect(m('Len(SliceToMap(attributes["things"], ["name"])) == 2')).toBe(true);
    expect(m('SliceToMap([{"a": {"b": "k"}, "v": 1}], ["a", "b"], ["v"])["k"] == 1')).toBe(true);
  });

  it('is an error on a value that is not a list, or an empty key path', () => {
    expect(m('SliceToMap(attributes["s"], ["name"]) != nil')).toBe(false);
    expect(m('SliceToMap(attributes["things"], []) != nil')).toBe(false);
    expect(() => compileCondition('SliceToMap(attributes["things"], "name")')).toThrow(/list of strings/);
  });
});

describe('URL', () => {
  it.each<[string, Record<string, unknown>]>([
    ['http://myusername:mypassword@www.example.com:80/foo.gif?key1=val1&key2=val2#fragment', {
      'url.path': '/foo.gif', 'url.fragment': 'fragment', 'url.extension': 'gif', 'url.password': 'mypassword',
      'url.original': 'http://myusername:mypassword@www.example.com:80/foo.gif?key1=val1&key2=val2#fragment', 'url.scheme': 'http',
      'url.port': 80, 'url.user_info': 'myusername:mypassword', 'url.domain': 'www.example.com', 'url.query': 'key1=val1&key2=val2', 'url.username': 'myusername',
    }],
    ['http://www.example.com', { 'url.original': 'http://www.example.com', 'url.scheme': 'http', 'url.domain': 'www.example.com', 'url.path': '' }],
    ['http://www.example.com:77/foo#bar', { 'url.original': 'http://www.example.com:77/foo#bar', 'url.scheme': 'http', 'url.domain': 'www.example.com', 'url.path': '/foo', 'url.port': 77, 'url.fragment': 'bar' }],
    ['https://user:@www.example.com:77/foo', {
      'url.original': 'https://user:@www.example.com:77/foo', 'url.scheme': 'https', 'url.domain': 'www.example.com', 'url.path': '/foo', 'url.port': 77,
      'url.user_info': 'user:', 'url.username': 'user', 'url.password': '',
    }],
    ['ftp://ftp.is.co.za/rfc/rfc1808.txt', { 'url.original': 'ftp://ftp.is.co.za/rfc/rfc1808.txt', 'url.scheme': 'ftp', 'url.path': '/rfc/rfc1808.txt', 'url.extension': 'txt', 'url.domain': 'ftp.is.co.za' }],
    ['telnet://192.0.2.16:80/', { 'url.original': 'telnet://192.0.2.16:80/', 'url.scheme': 'telnet', 'url.path': '/', 'url.port': 80, 'url.domain': '192.0.2.16' }],
    ['HTTP://h/a%20b?q', { 'url.original': 'http://h/a%20b?q', 'url.scheme': 'http', 'url.domain': 'h', 'url.path': '/a b', 'url.query': 'q' }],
    ['http://[::1]:8080/x', { 'url.original': 'http://[::1]:8080/x', 'url.scheme': 'http', 'url.domain': '::1', 'url.path': '/x', 'url.port': 8080 }],
    ['mailto:a@b.c', { 'url.original': 'mailto:a@b.c', 'url.scheme': 'mailto', 'url.domain': '', 'url.path': '' }],
    ['?a=1&a=2&b=x+y', { query: { a: ['1', '2'], b: ['x y'] } }],
  ])('%s', (text, expected) => {
    expect(urlMap(text)).toEqual(expected);
  });

  it('fails where Go\'s url.Parse does', () => {
    for (const bad of ['', 'http://h/%zz', 'http://h:port/', ':foo', 'a:b/c'.replace('a', '1a'), 'http://a b.com/', 'x\x01y', '?a=1;b=2']) {
      throwsEval(() => urlMap(bad));
    }
  });
});

describe('ExtractPatterns and UserAgent', () => {
  const span = makeSpan({ attrs: { cause: 'deploy GIT_SHA=abc123 by ci', n: 3, ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0' } });
  const m = (c: string) => compileCondition(c).match(span);

  it('extracts named groups, an empty map when nothing matches, and refuses a pattern without names', () => {
    expect(m('ExtractPatterns(attributes["cause"], "GIT_SHA=(?P<sha>\\\\w+)")["sha"] == "abc123"')).toBe(true);
    expect(m('ExtractPatterns(attributes["cause"], "^(?P<a>x)?deploy")["a"] == ""')).toBe(true);
    expect(m('Len(ExtractPatterns(attributes["cause"], "(?P<a>zzz)")) == 0')).toBe(true);
    expect(m('ExtractPatterns(attributes["n"], "(?P<a>3)") != nil')).toBe(false);
    expect(() => compileCondition('ExtractPatterns(attributes["cause"], "(\\\\w+)")')).toThrow(/named capture group/);
  });

  it('parses user agents with uap-core\'s regexes', () => {
    expect(m('UserAgent("curl/7.81.0") == {"user_agent.name": "curl", "user_agent.version": "7.81.0", "user_agent.original": "curl/7.81.0"}')).toBe(true);
    expect(m('UserAgent(attributes["ua"])["user_agent.name"] == "Firefox" and UserAgent(attributes["ua"])["user_agent.version"] == "126.0"')).toBe(true);
    expect(m('UserAgent("no agent at all")["user_agent.name"] == "Other"')).toBe(true);
    expect(m('UserAgent(attributes["n"]) != nil')).toBe(false);
  });
});
