import { describe, expect, it } from 'vitest';
import type { BoolExpr, ValueExpr } from './ast.js';
import { ConditionError } from './errors.js';
import { parseCondition } from './parser.js';

/** A compact S-expression of the tree, so precedence is visible in one string. */
function sexpr(e: BoolExpr): string {
  switch (e.type) {
    case 'and':
    case 'or':
      return `(${e.type} ${e.operands.map(sexpr).join(' ')})`;
    case 'not':
      return `(not ${sexpr(e.operand)})`;
    case 'bare':
      return val(e.value);
    case 'compare':
      return `(${e.op} ${val(e.left)} ${val(e.right)})`;
  }
}

function val(v: ValueExpr): string {
  switch (v.type) {
    case 'path': {
      const first = v.key !== undefined ? `[${JSON.stringify(v.key)}]` : v.keyExpr ? `[${val(v.keyExpr)}]` : '';
      return `${v.path}${first}${v.index.map((i) => `[${val(i.key)}]`).join('')}`;
    }
    case 'call':
      return `${v.name}(${v.args.map(val).join(', ')})${v.index.map((i) => `[${val(i.key)}]`).join('')}`;
    case 'list':
      return `[${v.items.map(val).join(', ')}]`;
    case 'map':
      return `{${v.entries.map((e) => `${JSON.stringify(e.key)}: ${val(e.value)}`).join(', ')}}`;
    case 'math':
      return `(${v.op} ${val(v.left)} ${val(v.right)})`;
    case 'neg':
      return `(neg ${val(v.operand)})`;
    case 'literal':
      if (v.kind === 'string') return JSON.stringify(v.value);
      if (v.kind === 'enum') return `${v.name}=${v.value}`;
      if (v.kind === 'bytes') return `0x${Buffer.from(v.value).toString('hex')}`;
      return `${v.kind}:${String(v.value)}`;
  }
}

const parse = (src: string) => sexpr(parseCondition(src));

function parseError(src: string): ConditionError {
  try {
    parseCondition(src);
  } catch (e) {
    if (e instanceof ConditionError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(src)} to fail`);
}

describe('parser: structure', () => {
  it('parses every comparison operator', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) {
      expect(parse(`duration ${op} 5s`)).toBe(`(${op} duration duration:5000000000)`);
    }
  });

  it('gives not > and > or, with comparisons binding tightest', () => {
    expect(parse('name == "a" or name == "b" and kind == 1')).toBe(
      '(or (== name "a") (and (== name "b") (== kind int:1)))',
    );
    expect(parse('not name == "a" and kind == 2')).toBe('(and (not (== name "a")) (== kind int:2))');
    expect(parse('not (name == "a" or kind == 2)')).toBe('(not (or (== name "a") (== kind int:2)))');
    expect(parse('(name == "a" or name == "b") and kind == 1')).toBe(
      '(and (or (== name "a") (== name "b")) (== kind int:1))',
    );
    expect(parse('not not true')).toBe('(not (not bool:true))');
    expect(parse('true and false or true and true or false')).toBe(
      '(or (and bool:true bool:false) (and bool:true bool:true) bool:false)',
    );
  });

  it('parses every literal form', () => {
    expect(parse('attributes["x"] == "s\\"q"')).toBe('(== attributes["x"] "s\\"q")');
    expect(parse('attributes["x"] == -12')).toBe('(== attributes["x"] int:-12)');
    expect(parse('attributes["x"] == 1.25')).toBe('(== attributes["x"] float:1.25)');
    expect(parse('attributes["x"] == 1m30s')).toBe('(== attributes["x"] duration:90000000000)');
    expect(parse('attributes["x"] == nil')).toBe('(== attributes["x"] nil:null)');
    expect(parse('attributes["x"] != true')).toBe('(!= attributes["x"] bool:true)');
    expect(parse('kind == SPAN_KIND_CONSUMER')).toBe('(== kind SPAN_KIND_CONSUMER=5)');
    expect(parse('status.code == STATUS_CODE_ERROR')).toBe('(== status.code STATUS_CODE_ERROR=2)');
    expect(parse('kind != SPAN_KIND_UNSPECIFIED')).toBe('(!= kind SPAN_KIND_UNSPECIFIED=0)');
  });

  it('resolves every path of the span context, with and without span.', () => {
    const paths = [
      'name', 'kind', 'kind.string', 'kind.deprecated_string', 'status.code', 'status.message',
      'instrumentation_scope.name', 'instrumentation_scope.version', 'duration', 'start_time', 'end_time',
      'start_time_unix_nano', 'end_time_unix_nano', 'trace_id', 'trace_id.string', 'span_id', 'span_id.string',
      'parent_span_id', 'parent_span_id.string', 'trace_state', 'attributes', 'resource.attributes',
      'instrumentation_scope.attributes',
    ];
    for (const p of paths) {
      expect(parse(`${p} == nil`)).toBe(`(== ${p} nil:null)`);
      expect(parse(`span.${p} == nil`)).toBe(`(== ${p} nil:null)`);
    }
    expect(parse('resource.attributes["service.name"] == "x"')).toBe('(== resource.attributes["service.name"] "x")');
    expect(parse('scope.name == "x" and scope.attributes["k"] == 1')).toBe('(and (== instrumentation_scope.name "x") (== instrumentation_scope.attributes["k"] int:1))');
    expect(parse('trace_state["vendor"] == "1"')).toBe('(== trace_state["vendor"] "1")');
  });

  it('parses math with OTTL precedence, unary signs and parenthesised groups', () => {
    expect(parse('end_time - start_time > Duration("5s")')).toBe('(> (- end_time start_time) Duration("5s"))');
    expect(parse('attributes["a"] + 2 * 3 - 4 / 2 == 1')).toBe('(== (- (+ attributes["a"] (* int:2 int:3)) (/ int:4 int:2)) int:1)');
    expect(parse('(attributes["a"] + 2) * 3 == 1')).toBe('(== (* (+ attributes["a"] int:2) int:3) int:1)');
    expect(parse('-attributes["a"] < -1')).toBe('(< (neg attributes["a"]) int:-1)');
    expect(parse('attributes["a"] -1 == 0')).toBe('(== (- attributes["a"] int:1) int:0)');
    expect(parse('duration > -5s')).toBe('(> duration duration:-5000000000)');
    expect(parse('x == -9223372036854775808'.replace('x', 'attributes["x"]'))).toBe('(== attributes["x"] int:-9223372036854775808)');
    expect(parse('(name == "a") and (Len(name) + 1) > 1')).toBe('(and (== name "a") (> (+ Len(name) int:1) int:1))');
  });

  it('parses lists, maps, byte literals, indexes and named arguments', () => {
    expect(parse('ContainsValue(["a", 1, 1.5, nil, [true]], name)')).toBe('ContainsValue(["a", int:1, float:1.5, nil:null, [bool:true]], name)');
    expect(parse('attributes["m"] == {"a": {"b": 2} "c": attributes["k"]}')).toBe('(== attributes["m"] {"a": {"b": int:2}, "c": attributes["k"]})');
    expect(parse('span_id == SpanID(0x0102030405060708)')).toBe('(== span_id SpanID(0x0102030405060708))');
    expect(parse('attributes["a"]["b"][0] == 1')).toBe('(== attributes["a"]["b"][int:0] int:1)');
    expect(parse('attributes[attributes["which"]] == 1')).toBe('(== attributes[attributes["which"]] int:1)');
    expect(parse('Split(name, ",")[1] == "x"')).toBe('(== Split(name, ",")[int:1] "x")');
    expect(parse('Substring(name, 0, 3, utf8_safe = true) == "x"')).toBe('(== Substring(name, int:0, int:3, bool:true) "x")');
    expect(parse('Substring(name, length = 3, start = 0) == "x"').replace(/bool:false/, 'D')).toBe('(== Substring(name, int:0, int:3, D) "x")');
    expect(parse('Trim(name) == "x"')).toBe('(== Trim(name, " ") "x")');
  });

  it('parses functions, bare boolean values and literal-first comparisons', () => {
    expect(parse('IsMatch(name, "^chat")')).toBe('IsMatch(name, "^chat")');
    expect(parse('HasPrefix(attributes["m"], "gpt") and HasSuffix(name, "x")')).toBe(
      '(and HasPrefix(attributes["m"], "gpt") HasSuffix(name, "x"))',
    );
    expect(parse('Len(events) > 0')).toBe('(> Len(events) int:0)');
    expect(parse('HasEvent("exception")')).toBe('HasEvent("exception")');
    expect(parse('Int(attributes["n"]) >= Double("1.5")')).toBe('(>= Int(attributes["n"]) Double("1.5"))');
    expect(parse('IsString(String(attributes["n"]))')).toBe('IsString(String(attributes["n"]))');
    expect(parse('attributes["cached"]')).toBe('attributes["cached"]');
    expect(parse('5s < duration')).toBe('(< duration:5000000000 duration)');
  });

  it('keeps positions on nodes', () => {
    const e = parseCondition('  name == "x"  ');
    expect(e).toMatchObject({ type: 'compare', start: 2, end: 13, left: { start: 2, end: 6 }, right: { start: 10, end: 13 } });
  });

  it('keeps hostile strings as data', () => {
    const hostile = [`'; DROP TABLE x; --`, `" or 1=1 or "`, 'back\\slash', 'ключ 🔑', '{p0:String}', '\n\t'];
    for (const h of hostile) {
      const e = parseCondition(`attributes[${JSON.stringify(h)}] == ${JSON.stringify(h)}`);
      expect(e).toMatchObject({ type: 'compare', left: { key: h }, right: { value: h } });
    }
  });
});

describe('parser: errors', () => {
  const cases: Array<[string, string, string]> = [
    ['', 'empty', '1:1: empty condition'],
    ['   ', 'empty', '1:4: empty condition'],
    ['IsMatch(name, "x" and true)', 'unexpected_token', "1:19: expected ')' but found 'and'"],
    ['name == "abc', 'unterminated_string', '1:9: unterminated string'],
    ['Foo(name) == 1', 'unknown_function', "1:1: unknown function 'Foo'"],
    ['name == "x" and isMatch(name, "y")', 'unknown_function', "1:17: unknown function 'isMatch'"],
    ['IsMatch(name)', 'bad_arity', '1:1: IsMatch takes 2 arguments but got 1'],
    ['kind == 1 and Len() > 1', 'bad_arity', '1:15: Len takes 1 argument but got 0'],
    ['HasEvent("a", "b")', 'bad_arity', '1:1: HasEvent takes 1 argument but got 2'],
    ['name == "a" )', 'trailing_input', "1:13: unexpected ')' after the end of the condition"],
    ['name == "a" name', 'trailing_input', "1:13: unexpected 'name' after the end of the condition"],
    ['name == "a" == "b"', 'trailing_input', "1:13: unexpected '==' after the end of the condition"],
    ['nam == "x"', 'unknown_path', "1:1: unknown path 'nam'"],
    ['kind == 1 or status.cod == 2', 'unknown_path', "1:14: unknown path 'status.cod'"],
    ['name["x"] == 1', 'unexpected_token', '1:5: name does not take a key'],
    ['attributes[1] == 1', 'unexpected_token', "1:12: expected a string key but found '1'"],
    ['attributes["a"][true] == 1', 'type_error', '1:17: an index must be a string or an int, not a bool'],
    ['name = "x"', 'unexpected_char', "1:6: unexpected character '='; use '==' to compare"],
    ['request["X-Tenant"] == "acme"', 'not_span', "1:1: request: request[...] reads the routing connector's request context (gRPC or HTTP metadata of an export); a spansift condition sees one span"],
    ['cache["x"] == 1', 'not_span', "1:1: cache: cache is the transform context's scratch map that only editors write; a condition over a span cannot read it"],
    ['body == "x"', 'not_span', '1:1: body: body belongs to the log context; spansift conditions are about spans'],
    ['spanevent.name == "x"', 'not_span', '1:1: spanevent.name: spanevent paths belong to the span event context; spansift conditions are about one span (use HasEvent("name") or Len(events))'],
    ['status == nil', 'not_span', '1:1: status: status is a struct; compare its fields, status.code or status.message'],
    ['set(name, "x")', 'unsupported', '1:1: set is an OTTL editor, which changes telemetry; a condition can only call converters'],
    ['UUID() == "x"', 'unsupported', '1:1: UUID: UUID returns a new random value each time; a rule must be a pure function of the span'],
    ['name + 1 == 2', 'type_error', '1:6: cannot compute a string + an int'],
    ['start_time * 2 > 1', 'type_error', '1:12: cannot compute a time * an int'],
    ['-name == "x"', 'type_error', '1:1: cannot negate a string'],
    ['Substring(name, 0) == "x"', 'bad_arity', '1:1: Substring takes 3 to 4 arguments but got 2'],
    ['Substring(name, 0, 1, nope = true) == "x"', 'bad_argument', "1:23: Substring has no argument named 'nope'"],
    ['Substring(name, utf8_safe = true, 0, 1) == "x"', 'bad_argument', '1:35: positional arguments must come before named ones'],
    ['ConvertCase(name, "kebab") == "x"', 'bad_argument', '1:19: ConvertCase: invalid case "kebab": use one of lower, upper, snake, camel'],
    ['TraceID(0x01) == trace_id', 'bad_argument', '1:9: TraceID: TraceID needs 16 bytes, as in TraceID(0x00000000000000000000000000000000) or TraceID("00000000000000000000000000000000")'],
    ['Duration("5 s") > duration', 'bad_argument', `1:10: Duration: invalid duration "5 s": unknown duration unit ' '; use ns, us, ms, s, m or h`],
    ['SpanID(0x0102) == span_id', 'bad_argument', '1:8: SpanID: SpanID needs 8 bytes, as in SpanID(0x0000000000000000) or SpanID("0000000000000000")'],
    ['name == 9223372036854775808', 'bad_number', "1:9: integer '9223372036854775808' does not fit in 64 bits"],
    ['kind == SPAN_KIND_SERVR', 'unknown_enum', "1:9: unknown enum 'SPAN_KIND_SERVR'"],
    ['name == ', 'unexpected_token', '1:9: expected a value but found end of input'],
    ['name == and', 'unexpected_token', "1:9: expected a value but found 'and'"],
    ['(name == "a"', 'unexpected_token', "1:13: expected ')' but found end of input"],
    ['name', 'type_error', "1:1: 'name' (string) is not a condition; compare it with ==, !=, <, <=, > or >="],
    ['"x"', 'type_error', '1:1: a string literal is not a condition; compare it with ==, !=, <, <=, > or >='],
    ['Len(name) and true', 'type_error', "1:1: 'Len(name)' (int) is not a condition; compare it with ==, !=, <, <=, > or >="],
    ['name "x"', 'unexpected_token', "1:6: expected a comparison operator but found '\"x\"'"],
    ['Len(events) > 0 and events == nil', 'type_error', '1:21: events can only be used as Len(events); use HasEvent("name") for event names'],
    ['IsMatch(name, attributes["p"])', 'bad_argument', '1:15: argument 2 of IsMatch must be a string literal'],
    ['HasEvent(name)', 'bad_argument', '1:10: argument 1 of HasEvent must be a string literal'],
    ['IsMatch(name, "(?=a)b")', 'bad_regex', '1:16: invalid regular expression: lookahead and lookbehind are not supported by RE2'],
    ['IsMatch(name, "a(b")', 'bad_regex', '1:16: invalid regular expression: missing closing )'],
    // The position is the fragment's place in the source, past the escapes before it.
    ['IsMatch(name, "(a)\\\\1")', 'bad_regex', '1:19: invalid regular expression: backreferences are not supported by RE2'],
    ['IsMatch(name, "\\\\d+x{1001}")', 'bad_regex', '1:21: invalid regular expression: invalid repeat count: `{1001}`'],
    ['IsMatch(name, "(?<=a)b")', 'bad_regex', '1:16: invalid regular expression: lookahead and lookbehind are not supported by RE2'],
    ['duration > 5x', 'bad_duration', "1:13: unknown duration unit 'x'; use ns, us, ms, s, m or h"],
  ];

  it.each(cases)('%j -> %s', (src, code, message) => {
    const e = parseError(src);
    expect({ code: e.code, message: e.message }).toEqual({ code, message });
    expect(e.message).toBe(`${e.line}:${e.column}: ${e.detail}`);
  });

  it('reports positions on later lines', () => {
    const e = parseError('name == "a"\nand Foo(1)');
    expect(e).toMatchObject({ code: 'unknown_function', line: 2, column: 5, offset: 16 });
  });

  it('refuses pathological nesting instead of overflowing the stack', () => {
    expect(parseError('('.repeat(5000) + 'true' + ')'.repeat(5000)).code).toBe('too_deep');
    expect(parseError('not '.repeat(5000) + 'true').code).toBe('too_deep');
    expect(parse('('.repeat(50) + 'true' + ')'.repeat(50))).toBe('bool:true');
  });

  it('is an Error with a stable name', () => {
    const e = parseError('nope');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ConditionError');
  });
});
