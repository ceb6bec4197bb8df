import { createHash } from 'node:crypto';
import type { Span } from '../../collector/model/span.js';
import { makeSpan, T0 } from './condition.js';
import { murmur3Hex128, murmur3Hex32, xxh128Hex, xxh3Hex } from '../../processors/condition/functions/digests.js';

/** Data for backends-agree.test.ts: spans, conditions, and the known differences. */
export const HOSTILE = [
  `'; DROP TABLE otel_traces; --`,
  `a"b\\c`,
  'ключ🔑',
  '{p0:String}',
  'new\nline',
  "x'); DROP TABLE otel_traces; --",
];
const [K_SQL, K_QUOTE, K_UNI, K_PARAM, K_NL, V_SQL] = HOSTILE;

const MODEL = 'gen_ai.request.model';
const S = 1_000_000_000n;

export function agreementSpans(): Span[] {
  let n = 0;
  const id = () => (++n).toString(16).padStart(16, '0');
  return [
    makeSpan({ id: id(), duration: 6n * S, status: { code: 2, message: 'rate limited' }, events: ['prompt', 'exception'],
      attrs: { [MODEL]: 'gpt-4o', tokens: 150, cached: true, temperature: 0.7 } }),
    makeSpan({ id: id(), name: 'chat gpt-4o-mini', kind: 2, duration: S, status: { code: 1, message: '' },
      attrs: { [MODEL]: 'gpt-4o-mini', tokens: 50, cached: false } }),
    makeSpan({ id: id(), name: 'agent step', kind: 1, duration: 12n * S, attrs: { [MODEL]: 'gpt-4o', tokens: 2000, temperature: 0.2 } }),
    makeSpan({ id: id(), name: 'chat claude', kind: 4, duration: S / 2n, attrs: { [MODEL]: 'claude-3', tokens: 99.5 } }),
    makeSpan({ id: id(), name: K_SQL, attrs: { [K_SQL]: V_SQL, [MODEL]: V_SQL } }),
    makeSpan({ id: id(), name: 'quote " and backslash \\', status: { code: 2, message: `he said "no" \\ '` },
      attrs: { [K_QUOTE]: 'quote " and backslash \\ end' } }),
    makeSpan({ id: id(), name: 'ünïcødé 😀', attrs: { [K_UNI]: 'значение 😀', emoji: '😀' } }),
    makeSpan({ id: id(), name: '\uffff', attrs: { emoji: '\uffff' } }),
    makeSpan({ id: id(), name: '😀', attrs: { big: 9007199254740993n, neg: -5 } }),
    makeSpan({ id: id(), attrs: { tags: ['a', 'b', 'c'], meta: { k: 1 }, bytes: new Uint8Array([1, 2, 255]) } }),
    makeSpan({ id: id(), attrs: { [K_PARAM]: '{p1:String}', [K_NL]: 'x\ny' } }),
    makeSpan({ id: id(), name: '', kind: 0, attrs: { empty: '' }, status: { code: 0, message: '' } }),
    makeSpan({ id: id(), name: 'backwards', duration: -5n, attrs: { tokens: 0 } }),
    makeSpan({ id: id(), name: 'consume', kind: 5, resource: { 'service.name': 'worker', region: 'eu' },
      scope: { name: 'kafka', version: '2.0' } }),
    makeSpan({ id: id(), name: 'huge', attrs: { huge: 1e21, tiny: 5e-7 } }),
    makeSpan({ id: id(), name: 'bare', attrs: {}, resource: {} }),
    makeSpan({ id: id(), name: 'many events', events: ['a', 'b', 'c', 'exception'], attrs: { tokens: 101 } }),
    makeSpan({ id: id(), name: 'child', parentSpanId: '00000000000000ff', traceState: 'vendor=1', attrs: { cached: true } }),
    makeSpan({ id: id(), name: 'boundary', duration: 5n * S, attrs: { [MODEL]: 'gpt-4o', tokens: 100 } }),
    makeSpan({ id: id(), name: 'odd kind', kind: 7, status: { code: 2, message: '' }, start: T0 + 10n * S }),
    makeSpan({ id: id(), name: 'GPT-4O SHOUTING', attrs: { [MODEL]: 'GPT-4O' }, duration: 250_000n }),
    makeSpan({ id: id(), name: 'float tokens', attrs: { tokens: 100.0000001, temperature: 1 } }),
    // For the regexes: the pathological input, newlines, and text where Unicode rules matter.
    makeSpan({ id: id(), name: 'a'.repeat(30) + 'b', attrs: { text: 'Straße ΣΑΣ café naïve' } }),
    makeSpan({ id: id(), name: 'line one\nline two', status: { code: 2, message: 'x\r\ny' }, attrs: { text: 'αβγ 123 ٣ ǅ' } }),
    makeSpan({ id: id(), name: 'aaaa', attrs: { text: 'K\u212ak' } }),
    ...ottlSpans(id),
  ];
}

/**
 * Spans for the OTTL constructs: nested maps and lists, unicode, the int64 edges, times
 * with fractions of a second, a zero parent id and a trace state. Values are unambiguous in
 * storage (no string that looks like a number), so both backends must agree on each.
 */
function ottlSpans(id: () => string): Span[] {
  return [
    {
      ...makeSpan({
        id: id(),
        name: 'ottl nested',
        kind: 2,
        duration: 90n * S,
        start: T0 + 3600n * S + S / 2n,
        status: { code: 1, message: 'fine' },
        attrs: {
          meta: { user: { id: 'u1', plan: 'pro' }, retries: 2, list: [1, 2.5, 'x'] },
          tags: ['prod', 'staging', 42],
          maps: [{ k: 1 }, { k: 2 }],
          csv: 'a,b,,c',
          unicode: 'Straße ΣΑΣ İ ǅ 😀',
          which: 'csv',
          huge_int: 9223372036854775807n,
          neg_int: -9223372036854775808n,
          float_small: 1e-7,
          float_big: 1.5e300,
          case: 'MyMetricName',
          b64: 'aGVsbG8gd29ybGQ=',
          ip: '10.1.2.3',
          padded: '  padded!! ',
        },
      }),
      traceState: 'vendor=1,other=two',
    },
    makeSpan({
      id: id(),
      name: 'ottl second',
      duration: 250_000n,
      parentSpanId: '0000000000000000',
      attrs: { meta: { user: { plan: 'free' }, retries: 0 }, tags: [], unicode: 'ÀÉÎ ǆ', case: 'my_metric_name', ip: '192.168.1.5', csv: 'x', which: 'unicode' },
    }),
  ];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Every path, literal form, operator and converter of the span context, each answered
 * exactly by SQL. Nil, wrong types (an OTTL error makes the whole condition false), unicode
 * and the int64 and float64 edges included.
 */
export const OTTL_CONDITIONS: string[] = [
  // paths
  'span.name == "chat gpt-4o"',
  'kind.string == "Server"',
  'kind.deprecated_string == "SPAN_KIND_CONSUMER"',
  'kind.string == ""',
  'span.status.code == STATUS_CODE_OK',
  'trace_id == TraceID(0x00000000000000000000000000000001)',
  'trace_id.string == "00000000000000000000000000000002"',
  'span_id == SpanID("0000000000000003")',
  'span_id.string > "0000000000000010"',
  'parent_span_id == SpanID(0x0000000000000000)',
  'parent_span_id.string == "0000000000000000"',
  'parent_span_id != SpanID(0x00000000000000ff)',
  'IsRootSpan()',
  'not IsRootSpan()',
  `start_time_unix_nano > ${T0}`,
  'end_time_unix_nano - start_time_unix_nano > 5000000000',
  'Len(attributes) > 3',
  'Len(resource.attributes) == 2',
  'Len(links) == 0 and kind == 4',
  'ContainsValue(Keys(attributes), "tokens")',
  'ContainsValue(Keys(resource.attributes), "region")',
  // time arithmetic and converters
  'end_time - start_time > Duration("5s")',
  'end_time - start_time <= Duration("1ms")',
  'start_time + Duration("10s") > end_time',
  'end_time - Duration("6s") >= start_time',
  'Duration("1m") + Duration("1s") > end_time - start_time',
  '(end_time - start_time) > Duration("1m")',
  'end_time > start_time',
  'Seconds(end_time - start_time) > 5.5',
  'Milliseconds(end_time - start_time) == 500',
  'Minutes(end_time - start_time) == 1.5',
  'Hours(end_time - start_time) > 0.02',
  'Microseconds(end_time - start_time) > 1000000',
  'Nanoseconds(end_time - start_time) == 250000',
  'UnixSeconds(start_time) > 1700000005',
  'UnixMilli(start_time) == 1700003600500',
  'UnixMicro(end_time) > 1700000000000000',
  'UnixNano(start_time) > 1700000000000000000 and UnixNano(start_time) == start_time_unix_nano',
  'Year(start_time) == 2023 and Month(end_time) == 11 and Day(end_time) == 14 and Hour(start_time) == 23',
  'Hour(start_time) == 23',
  'Minute(end_time) == 14',
  'Second(end_time) == 50',
  'Nanosecond(start_time) == 500000000',
  'Weekday(start_time) == 2 and Hour(start_time) == 23',
  'TruncateTime(start_time, Duration("1h")) == Unix(1700002800)',
  'TruncateTime(start_time, Duration("168h")) == Unix(1699833600) and end_time - start_time > Duration("1m")',
  'Now() > start_time and kind == SPAN_KIND_SERVER',
  'Now() - end_time > Duration("24h") and kind == SPAN_KIND_SERVER',
  'Unix(1700000000) == start_time',
  'Unix(1700000000, 500) > start_time',
  // math on attributes, int64 wrapping, division by zero
  'attributes["tokens"] * 2 > 300',
  'attributes["tokens"] / 4 == 37',
  'attributes["tokens"] / 4.0 == 37.5',
  'attributes["tokens"] + 0.5 > 150',
  'attributes["temperature"] * 10 >= 7',
  '-attributes["tokens"] < -100',
  'attributes["tokens"] - attributes["temperature"] > 149',
  '(attributes["tokens"] + 50) * 2 == 400',
  'attributes["tokens"] * 1.5 == 225',
  'Len(name) * 2 == 22',
  'attributes["huge_int"] + 1 < 0',
  'attributes["neg_int"] - 1 > 0',
  'name == "bare" or attributes["tokens"] / 0 == 0',
  'name == "bare" or not (attributes["tokens"] / 0 == 0)',
  'attributes["tokens"] + 1 == 151 or name == "bare"',
  'attributes["float_big"] * 1e10 > 1e300',
  // indexing into maps and lists
  'attributes["meta"]["user"]["plan"] == "pro"',
  'attributes["meta"]["retries"] > 1',
  'attributes["meta"]["k"] == 1',
  'attributes["meta"]["list"][1] == 2.5',
  'attributes["meta"]["list"][2] == "x"',
  'attributes["tags"][0] == "prod"',
  'attributes["tags"][2] == 42',
  'attributes["tags"][5] == nil',
  'attributes["meta"]["nope"]["x"] == nil and attributes["meta"] != nil',
  'attributes["missing"]["a"] == nil and kind == 3',
  'attributes["meta"]["user"] != nil',
  'attributes["cached"]["x"] == nil',
  'attributes[attributes["which"]] == "a,b,,c"',
  'attributes["maps"][1]["k"] == 2',
  // literals, nil and the edges of int64 and float64
  'name == "ünïcødé 😀"',
  'attributes["float_small"] < 0.000001',
  'attributes["float_big"] > 1e299',
  'attributes["huge_int"] == 9223372036854775807',
  'attributes["neg_int"] == -9223372036854775808',
  'attributes["big"] == 9007199254740992.0',
  'attributes["tags"] == ["a", "b", "c"]',
  'attributes["tags"] != ["prod", "staging", 42]',
  'attributes["cached"] > 0 or attributes["cached"] == true',
  '"true" == true or name == "bare"',
  '6 > 3.14 and 0x61 < 0x62 and kind == 2',
  'Int(attributes["tokens"]) == nil',
  'String(attributes["cached"]) != nil',
  // converters
  'IsMatch(String(attributes["tokens"]), "^1")',
  'HasPrefix(attributes["gen_ai.request.model"], "gpt")',
  'not HasPrefix(attributes["gen_ai.request.model"], "gpt")',
  'name == "bare" or ToLowerCase(attributes["missing"]) == nil',
  'ToLowerCase(name) == "gpt-4o shouting"',
  'ToUpperCase(attributes["text"]) == "STRAßE ΣΑΣ CAFÉ NAÏVE"',
  'ToLowerCase(attributes["unicode"]) == "straße σασ i ǆ 😀"',
  'ToUpperCase(name) == "ÜNÏCØDÉ 😀"',
  'ToUpperCase(attributes["unicode"]) == "ÀÉÎ Ǆ"',
  'ConvertCase(name, "upper") == "CHAT CLAUDE"',
  'ConvertCase(name, "lower") == "ottl nested"',
  'Substring(name, 0, 4) == "chat"',
  'Substring(name, 5, 3) == "gpt"',
  'Substring(name, 5, 6) == "gpt-4o"',
  'not (Substring(name, 0, 20) == "x")',
  'Concat([name, attributes["tokens"]], "|") == "agent step|2000"',
  'Concat([attributes["cached"], "x"], "-") == "<nil>-x"',
  'Len(Concat([name, kind.string], ":")) > 15',
  'Split(attributes["csv"], ",")[3] == "c"',
  'Len(Split(attributes["csv"], ",")) == 4',
  'Split(name, " ")[0] == "chat"',
  'Split(name, " ")[1] == "step"',
  'ContainsValue(Split(name, " "), "claude")',
  'Len(Split(attributes["unicode"], "")) == 16',
  'Trim(attributes["padded"], " !") == "padded"',
  'TrimPrefix(name, "chat ") == "gpt-4o-mini"',
  'TrimSuffix(name, "-mini") == "chat gpt-4o"',
  'Index(name, "gpt") == 5',
  'Index(name, "o") == -1',
  'Index(attributes["unicode"], "Σ") == 8',
  'ContainsValue(attributes["tags"], "b")',
  'ContainsValue(attributes["tags"], 42)',
  'ContainsValue(["chat claude", "agent step"], name)',
  'ContainsValue([1, 2, "x"], attributes["meta"]["retries"])',
  'name == "bare" or ContainsValue(attributes["gen_ai.request.model"], "g")',
  'IsString(attributes["gen_ai.request.model"])',
  'IsInt(attributes["tokens"])',
  'IsDouble(attributes["tokens"])',
  'IsBool(attributes["cached"])',
  'IsMap(attributes["meta"])',
  'IsList(attributes["tags"])',
  'IsEmpty(attributes["tokens"])',
  'IsEmpty(attributes["tags"])',
  'IsInt(attributes["meta"]["retries"])',
  'IsDouble(attributes["meta"]["list"][1])',
  'IsString(attributes["meta"]["user"]["plan"])',
  'IsMap(attributes["meta"]["user"])',
  'IsList(attributes["meta"]["list"])',
  'Int(attributes["temperature"] * 10) == 7',
  'Int(attributes["float_big"]) == -9223372036854775808',
  'Double(attributes["tokens"]) / 3 > 33',
  'Bool(attributes["cached"])',
  'Bool(attributes["tokens"])',
  'String(attributes["meta"]["retries"]) == "2"',
  'String(trace_id) == "00000000000000000000000000000001"',
  'String(attributes["float_big"]) == "1.5e+300"',
  'Len(attributes["tags"]) == 3',
  'Len(attributes["meta"]["user"]) == 2',
  'Len(attributes["unicode"]) == 25',
  'name == "bare" or Len(attributes["tokens"]) > 0',
  'Hex(attributes["gen_ai.request.model"]) == 0x6770742d346f',
  'Hex(attributes["tokens"]) == 0x0000000000000096',
  `SHA256(name) == ${JSON.stringify(sha256('chat claude'))}`,
  `MD5(attributes["gen_ai.request.model"]) == ${JSON.stringify(createHash('md5').update('gpt-4o').digest('hex'))}`,
  `SHA1(name) != ${JSON.stringify(createHash('sha1').update('bare').digest('hex'))}`,
  'Len(SHA512(name)) == 128 and kind == 5',
  'FNV(name) < 0',
  'Base64Encode(name) == "Y2hhdCBjbGF1ZGU="',
  'Base64Encode(name, "base64-raw-url") == "Y2hhdCBjbGF1ZGU"',
  'Base64Decode(attributes["b64"]) == "hello world"',
  'Decode(attributes["b64"], "base64") == "hello world"',
  'Log(attributes["tokens"]) > 4.6',
  'name == "bare" or Log(attributes["neg"]) == 0.0',
  'ConvertCase("myMetric", "snake") == "my_metric" and kind == 2',
  `Murmur3Hash(name) == ${JSON.stringify(murmur3Hex32('chat claude'))}`,
  `Murmur3Hash(name) == ${JSON.stringify(murmur3Hex32('ünïcødé 😀'))}`,
  `Murmur3Hash128(attributes["gen_ai.request.model"]) == ${JSON.stringify(murmur3Hex128('gpt-4o'))}`,
  `XXH3(name) == ${JSON.stringify(xxh3Hex('chat claude'))}`,
  `XXH3(attributes["unicode"]) == ${JSON.stringify(xxh3Hex('Straße ΣΑΣ İ ǅ 😀'))}`,
  `XXH128(name) == ${JSON.stringify(xxh128Hex('😀'))}`,
  'name == "bare" or Murmur3Hash(attributes["tokens"]) != ""',
  'not (XXH128(attributes["missing"]) == "")',
  'Len(XXH3(name)) == 16 and Len(Murmur3Hash(name)) == 8 and kind == 5',
  'ParseKeyValue("a=1 b=2")["b"] == "2" and kind == 2',
  'URL("http://h:80/x.gif")["url.port"] == 80 and kind == 2',
  'Format("%02d|%s", [3, "x"]) == "03|x" and kind == 2',
  'Time("02/04/2023", "%m/%d/%Y") < start_time and kind == 2',
  'FormatTime(Time("02/04/2023", "%m/%d/%Y"), "%Y") == "2023" and kind == 2',
  'CommunityID("1.2.3.4", 12345, "5.6.7.8", 80) == "1:0by3b/tE95hcOzccyt6d4kjgbZc=" and kind == 2',
  'UserAgent("curl/7.81.0")["user_agent.name"] == "curl" and kind == 2',
];

/**
 * Conditions SQL cannot answer exactly (converters ClickHouse has no equivalent for): SQL is
 * a coarse prefilter, `sql.exact` is false, and rechecking the rows it reads with the closure
 * gives the closure's answer.
 */
export const PREFILTER_CONDITIONS: string[] = [
  'ConvertCase(attributes["case"], "snake") == "my_metric_name"',
  'ToCamelCase(attributes["case"]) == "MyMetricName"',
  'ToSnakeCase(attributes["case"]) == "my_metric_name" and kind == SPAN_KIND_SERVER',
  'Substring(name, 0, 4, true) == "chat"',
  'Coalesce([attributes["missing"], name]) == "chat claude"',
  'Sort(Split(attributes["csv"], ","))[0] == ""',
  'ParseJSON(Concat(["{\\"a\\":", String(attributes["tokens"]), "}"], ""))["a"] > 100',
  'IsInCIDR(attributes["ip"], ["10.0.0.0/8"])',
  'not IsInCIDR(attributes["ip"], ["10.0.0.0/8"])',
  'IsValidLuhn(String(attributes["tokens"]))',
  'ParseInt(attributes["csv"], 16) == 10',
  'ContainsValue(Values(attributes["meta"]), 2)',
  'trace_state["other"] == "two"',
  'Decode(attributes["b64"], "utf-8") == "aGVsbG8gd29ybGQ="',
  'name == "ottl nested" or ToCamelCase(name) == "ChatClaude"',
  'ParseKeyValue(Concat(["k=", name], ""))["k"] == "chat claude"',
  'ParseCSV(attributes["csv"], "w,x,y,z")["x"] == "b"',
  'ToKeyValueString(attributes["meta"]["user"], "=", " ", true) == "id=u1 plan=pro"',
  'Len(SliceToMap([{"n": name}], ["n"])) == 1 and kind == SPAN_KIND_CLIENT',
  'URL(Concat(["http://h/", attributes["csv"]], ""))["url.path"] == "/a,b,,c"',
  'ExtractPatterns(name, "^(?P<verb>\\\\w+) ")["verb"] == "chat"',
  'ExtractGrokPatterns(name, "^%{WORD:verb} %{NOTSPACE:model}", true)["model"] == "claude"',
  'ExtractGrokPatterns(Concat([name, String(attributes["tokens"])], " "), " %{INT:tokens:int}$", true)["tokens"] >= 150',
  'ExtractGrokPatterns(attributes["emoji"], "^(?P<e>.)$")["e"] == "😀" or ExtractGrokPatterns(attributes["tokens"], "%{INT}") != nil',
  'Format("%s-%d", [name, kind]) == "chat claude-4"',
  'FormatTime(start_time, "%Y-%m-%d %H") == "2023-11-14 23"',
  'Time(FormatTime(start_time, "%Y-%m-%d %H:%M:%S"), "%Y-%m-%d %H:%M:%S") == TruncateTime(start_time, Duration("1s")) and kind == 2',
  'CommunityID(attributes["ip"], 80, "10.0.0.1", 443) == "1:8CBy5RD3skr2yZ1far81lxo0C0I="',
  'UserAgent(name)["user_agent.name"] == "Other" and kind == 5',
];

/**
 * IsMatch patterns run by re2js live and by ClickHouse's RE2 `match` in SQL, which must agree:
 * the pathological pattern of a backtracking engine, anchors, `.` and newlines (ClickHouse
 * turns RE2's dot_nl on), classes (ASCII `\d \w \s \b`, Unicode `\pN \p{Greek}`, POSIX),
 * code points beyond the BMP, and flags (case folding of σ/ς, the Kelvin sign, titlecase).
 */
export const REGEX_CONDITIONS: string[] = [
  String.raw`IsMatch(name, "(a+)+$")`,
  String.raw`IsMatch(name, "(a+)+b$")`,
  String.raw`IsMatch(name, "^(a|aa)+$")`,
  String.raw`IsMatch(name, "^chat")`,
  String.raw`IsMatch(name, "claude$")`,
  String.raw`IsMatch(name, "\\Aline")`,
  String.raw`IsMatch(name, "one$")`,
  String.raw`IsMatch(name, "(?m)one$")`,
  String.raw`IsMatch(name, "(?m)^line two\\z")`,
  String.raw`IsMatch(name, "\\bgpt\\b")`,
  String.raw`IsMatch(name, "\\Bpt")`,
  String.raw`IsMatch(name, "one.line")`,
  String.raw`IsMatch(name, "(?-s)one.line")`,
  String.raw`IsMatch(status.message, "^x.\\n")`,
  String.raw`IsMatch(name, "^.$")`,
  String.raw`IsMatch(name, "^..$")`,
  String.raw`IsMatch(name, "[[:digit:]]")`,
  String.raw`IsMatch(attributes["text"], "\\d{3}")`,
  String.raw`IsMatch(attributes["text"], "\\d [^\\d ]")`,
  String.raw`IsMatch(attributes["text"], "\\pN [^\\d ]")`,
  String.raw`IsMatch(attributes["text"], "^\\p{Greek}+ ")`,
  String.raw`IsMatch(name, "[^\\x00-\\x7F]")`,
  String.raw`IsMatch(name, "^[\\w ]+$")`,
  String.raw`IsMatch(name, "\\s")`,
  String.raw`IsMatch(attributes["text"], "caf\\w")`,
  String.raw`IsMatch(attributes["text"], "caf\\pL")`,
  String.raw`IsMatch(name, "[😀-😂]")`,
  String.raw`IsMatch(name, "\\x{1F600}")`,
  String.raw`IsMatch(name, "\\Q4o-mini\\E")`,
  String.raw`IsMatch(name, "(?i)GPT-4O$")`,
  String.raw`IsMatch(name, "(?i:CHAT) gpt")`,
  String.raw`IsMatch(attributes["text"], "(?i)σας")`,
  String.raw`IsMatch(attributes["text"], "(?i)STRASSE")`,
  String.raw`IsMatch(attributes["text"], "(?i)kkk")`,
  String.raw`IsMatch(attributes["text"], "(?i)ǆ$")`,
  String.raw`IsMatch(name, "(?U)a+?b")`,
  String.raw`IsMatch(name, "(?P<model>gpt)-4o")`,
];

const q = JSON.stringify;

export const AGREEMENT_CONDITIONS: string[] = [
  `attributes["${MODEL}"] == "gpt-4o"`,
  `attributes["${MODEL}"] != "gpt-4o"`,
  `attributes["${MODEL}"] == "gpt-4o" and duration > 5s`,
  `attributes["${MODEL}"] == nil`,
  `attributes["${MODEL}"] < "d"`,
  `HasPrefix(attributes["${MODEL}"], "gpt-4o")`,
  `IsMatch(attributes["${MODEL}"], "(?i)^gpt-4o$")`,
  'attributes["tokens"] > 100',
  'attributes["tokens"] >= 100',
  'attributes["tokens"] == 100',
  'attributes["tokens"] != 100',
  'attributes["tokens"] < 99.75',
  'attributes["tokens"] == 99.5',
  'attributes["tokens"] > attributes["temperature"]',
  'attributes["big"] == 9007199254740993',
  'attributes["big"] > 9007199254740992',
  'attributes["neg"] < 0',
  'attributes["huge"] > 1000 or attributes["tiny"] < 0.001',
  'attributes["cached"]',
  'attributes["cached"] == false',
  'attributes["cached"] != true',
  'not attributes["cached"]',
  'attributes["empty"] == ""',
  'attributes["empty"] != nil',
  'attributes["tags"] == attributes["tags"]',
  'Len(attributes["tags"]) == 3 or Len(attributes["meta"]) == 1',
  'String(attributes["tokens"]) == "150"',
  'Int(attributes["tokens"]) == 99',
  'Double(attributes["tokens"]) > 99.0',
  'IsString(attributes["emoji"])',
  'attributes["emoji"] > "\\uffff"',
  'name > "\\uffff"',
  'name < "chat"',
  'Len(name) == 4',
  `attributes[${q(K_SQL)}] == ${q(V_SQL)}`,
  `name == ${q(K_SQL)}`,
  `attributes[${q(K_QUOTE)}] == ${q('quote " and backslash \\ end')}`,
  `status.message == ${q(`he said "no" \\ '`)}`,
  `attributes[${q(K_UNI)}] == "значение 😀"`,
  `IsMatch(name, "😀")`,
  `attributes[${q(K_PARAM)}] == "{p1:String}"`,
  `attributes[${q(K_NL)}] == "x\\ny"`,
  'kind == SPAN_KIND_CLIENT',
  'kind != SPAN_KIND_CLIENT',
  'kind > SPAN_KIND_INTERNAL and kind <= 5',
  'kind == 7',
  'status.code == STATUS_CODE_ERROR',
  'status.code != STATUS_CODE_UNSET and status.message == ""',
  'duration > 5s',
  'duration >= 5s',
  'duration < 1ms',
  'duration == 0',
  'duration > 1.5',
  `start_time > ${T0}`,
  `end_time <= ${T0 + 5n * S}`,
  'Len(events) > 0',
  'Len(events) == 0',
  'HasEvent("exception")',
  'HasEvent("exception") and not HasEvent("prompt")',
  'resource.attributes["service.name"] == "worker"',
  'resource.attributes["service.name"] == nil',
  'instrumentation_scope.name == "kafka" or instrumentation_scope.version == "1.2.0"',
  'parent_span_id == "" and trace_state == ""',
  'trace_id == "00000000000000000000000000000001"',
  'span_id >= "0000000000000010"',
  'not (kind == SPAN_KIND_CLIENT or attributes["tokens"] > 100) and duration > 1s',
  'HasSuffix(name, "4o")',
  'IsMatch(name, "^chat gpt\\\\-4o\\\\b")',
  'Int(String(attributes["tokens"])) > 100',
  'Int(Double(attributes["tokens"])) == 99',
  'String(kind) == "3"',
  'Double(duration) > 5000000000.5',
  'IsString(name) and not IsString(attributes["tokens"])',
  'Len(attributes["emoji"]) == 4',
  'Len(String(attributes["big"])) == 16',
  'attributes["tokens"] == attributes["tokens"]',
  'attributes["tokens"] != attributes["missing"]',
  'attributes["missing"] == attributes["other_missing"]',
  'String(attributes["missing"]) == nil',
  'Int(attributes["cached"]) == 1',
  'Int(attributes["missing"]) != nil',
  'attributes["cached"] > false',
  'IsMatch(attributes["cached"], "^t")',
  'IsMatch(kind, "^[23]$")',
  'HasPrefix(duration, "6")',
  'name == attributes["emoji"]',
  'duration > attributes["tokens"]',
  'kind < attributes["tokens"]',
  'status.code == 2.0',
  'kind == 3.5',
  'Int("42") == attributes["tokens"] or Double("1.5") < attributes["temperature"]',
  '5s < duration',
  'nil == attributes["tokens"]',
  'attributes["tokens"] <= nil',
  'not false and true',
  ...REGEX_CONDITIONS,
  ...OTTL_CONDITIONS,
];

/** Atoms for random combination; each is a comparison that agrees on the spans above. */
export const RANDOM_ATOMS = AGREEMENT_CONDITIONS.filter((c) => !c.includes(' and ') && !c.includes(' or ') && !c.includes('Now()'));

export function randomConditions(atoms: string[], count: number, seed: number): string[] {
  let state = seed >>> 0;
  const rand = (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
  const gen = (depth: number): string => {
    const r = Math.floor(rand(depth > 2 ? 1 : 4));
    if (r === 0) return atoms[Math.floor(rand(atoms.length))];
    if (r === 1) return `not (${gen(depth + 1)})`;
    return `(${gen(depth + 1)}) ${r === 2 ? 'and' : 'or'} (${gen(depth + 1)})`;
  };
  return Array.from({ length: count }, () => gen(0));
}

/**
 * Stored attributes are text, so SQL reads an attribute as whatever the other side of the
 * comparison wants. Each case: condition, span ids the closure picks, span ids SQL picks.
 */
export function residualCases(): { spans: Span[]; cases: Array<[string, string[], string[]]> } {
  const spans = [
    makeSpan({ id: 'r1', attrs: { x: '150' } }),
    makeSpan({ id: 'r2', attrs: { x: 5 } }),
    makeSpan({ id: 'r3', attrs: { x: null } }),
    makeSpan({ id: 'r4', attrs: { x: 'true' } }),
    makeSpan({ id: 'r5', attrs: { x: '[1,2]' } }),
    makeSpan({ id: 'r6', attrs: { x: 'str', b: new Uint8Array([1, 2, 255]) } }),
    { ...makeSpan({ id: 'r7', attrs: { x: 'str' } }), scope: { name: 'openai', version: '1.2.0', attributes: { k: 'v' } } },
    makeSpan({ id: 'r8', attrs: { x: 'str', m: { b: 1, a: '<' } } }),
    makeSpan({ id: 'r9', attrs: { x: 'str', j: '{"a":1}', big: 1e16 } }),
    { ...makeSpan({ id: 'r10', attrs: { x: 'str' } }), droppedAttributesCount: 2, droppedEventsCount: 1 },
  ];
  return {
    spans,
    cases: [
      ['attributes["x"] > 100', [], ['r1']],
      ['attributes["x"] == "5"', [], ['r2']],
      ['attributes["x"] == nil', ['r3'], []],
      ['attributes["x"]', [], ['r4']],
      ['Len(attributes["x"]) == 2', [], ['r5']],
      ['IsString(attributes["x"])', ['r1', 'r10', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'], ['r10', 'r3', 'r6', 'r7', 'r8', 'r9']],
      ['HasPrefix(attributes["x"], "1")', ['r1'], []],
      // Bytes are stored as base64 text: OTTL's text of bytes is hex.
      ['IsMatch(attributes["b"], "^0102ff$")', ['r6'], []],
      ['String(attributes["b"]) == "AQL/"', [], ['r6']],
      // otel_traces has no column for scope attributes.
      ['instrumentation_scope.attributes["k"] == "v"', ['r7'], []],
      // Stored maps are Go's JSON (sorted keys, <>& escaped), as the exporter stores them and OTTL's String() writes them: no difference.
      ['String(attributes["m"]) == "{\\"a\\":\\"\\\\u003c\\",\\"b\\":1}"', ['r8'], ['r8']],
      // A string holding JSON object text reads as a map to SQL.
      ['attributes["j"]["a"] == 1', [], ['r9']],
      // A whole double beyond 2^53 is stored as digits, which read as an int.
      ['IsDouble(attributes["big"])', ['r9'], []],
      // otel_traces has no column for dropped counts: stored spans read 0.
      ['dropped_attributes_count == 2', ['r10'], []],
      ['dropped_events_count + dropped_links_count == 0', ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'], ['r1', 'r10', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']],
    ],
  };
}
