import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { RE2JS } from 're2js';
import { parse as parseYaml } from 'yaml';
import type { Span } from '../../../collector/model/span.js';
import type { ListExpr, ValueExpr } from '../ast.js';
import { compileValue } from '../closure-values.js';
import { strictString } from '../convert.js';
import { boxed, fail, kindOf, type Value } from '../values.js';
import { dynGetter, literalString, type FunctionDef } from './define.js';
import { readCsvRow } from './csv.js';
import { GoFloat, goSprintf } from './go-fmt.js';
import { compileGrok, GrokError, type Grok } from './grok.js';
import { urlMap } from './go-url.js';
import { parseKeyValue, toKeyValueString } from './key-value.js';
import { mapOf, put, type ValueMap } from './maps.js';

/**
 * Converters that read structure out of text or build text from structure: key-value
 * pairs, CSV rows, URLs, user agents, named regex groups, Go format strings, and lists of
 * maps keyed by a field. ClickHouse has no exact equivalent of these parsers, so search and
 * backfill answer them with a prefilter plus the closure (a call on constants alone is
 * computed once and bound, as for every converter).
 */

/** Whether an optional argument was written (a default is placed at the call's start with no width). */
const written = (a: ValueExpr | undefined) => a !== undefined && a.end > a.start;

const stringList = (a: ValueExpr | undefined): string[] | undefined =>
  a?.type === 'list' && a.items.every((i) => i.type === 'literal' && i.kind === 'string') ? a.items.map((i) => (i as { value: string }).value) : undefined;

function keyValueDelimiters(call: { args: ValueExpr[] }): [string, string] {
  return [literalString(call as never, 1) || '=', literalString(call as never, 2) || ' '];
}

/** SliceToMap's walk down a path of keys; undefined where an element lacks it. */
function extract(m: ValueMap, path: string[]): Value | undefined {
  let cur: Value = m;
  for (const k of path) {
    if (kindOf(cur) !== 'map' || !Object.hasOwn(cur as object, k)) return undefined;
    cur = (cur as ValueMap)[k];
  }
  return cur;
}

function sliceToMap(items: Value[], keyPath: string[], valuePath: string[] | undefined): ValueMap {
  const out: ValueMap = {};
  for (const item of items) {
    if (kindOf(item) !== 'map') continue;
    const key = extract(item as ValueMap, keyPath);
    if (typeof key !== 'string') continue;
    if (!valuePath) {
      put(out, key, item);
      continue;
    }
    const value = extract(item as ValueMap, valuePath);
    if (value !== undefined) put(out, key, value);
  }
  return out;
}

/** ExtractGrokPatterns' pattern compiled with its flag and definitions (all literals, checked when the condition compiles). */
function grokOf(call: { args: ValueExpr[] }): Grok {
  const namedCapturesOnly = call.args[2]?.type === 'literal' && call.args[2].value === true;
  return compileGrok(literalString(call as never, 1), namedCapturesOnly, written(call.args[3]) ? stringList(call.args[3])! : []);
}

const MODES = ['strict', 'lazyQuotes', 'ignoreQuotes'];
const BAD_CSV_DELIMITERS = ['"', '\r', '\n', '\0', '\ufffd'];

type UaParser = (ua: string) => { family: string; major: string | null; minor: string | null; patch: string | null };
let userAgents: UaParser | undefined;

/** uap-core's regexes (the ones the collector's uap-go embeds), read once, when the first condition using them compiles. */
function userAgentParser(): UaParser {
  if (!userAgents) {
    const require = createRequire(import.meta.url);
    const regexes = parseYaml(readFileSync(require.resolve('uap-core/regexes.yaml'), 'utf8'));
    userAgents = (require('uap-ref-impl') as (r: unknown) => { parseUA: UaParser })(regexes).parseUA;
  }
  return userAgents;
}

/** Agents repeat; their parse is a pure function of the text, so the last thousand are kept. */
const agentCache = new Map<string, { family: string; version: string }>();

/** uap-go's family and ToVersionString (major, then .minor and .patch when present). */
function parseUserAgent(parse: UaParser, ua: string): { family: string; version: string } {
  const hit = agentCache.get(ua);
  if (hit) return hit;
  const r = parse(ua);
  const version = (r.major ?? '') + (r.minor ? '.' + r.minor : '') + (r.patch ? '.' + r.patch : '');
  if (agentCache.size >= 1000) agentCache.clear();
  const parsed = { family: r.family, version };
  agentCache.set(ua, parsed);
  return parsed;
}

export const STRUCTURED_FUNCTIONS: Record<string, FunctionDef> = {
  ParseKeyValue: {
    params: [{ name: 'target', kind: 'value' }, { name: 'delimiter', kind: 'string', default: '' }, { name: 'pair_delimiter', kind: 'string', default: '' }],
    returns: 'map',
    errors: true,
    check: (args, bad) => {
      const [d, p] = keyValueDelimiters({ args });
      if (d === p) bad(2, `the pair delimiter ${JSON.stringify(p)} cannot be equal to the delimiter`);
    },
    closure: ([target], call) => {
      const [d, p] = keyValueDelimiters(call);
      return (s) => parseKeyValue(strictString(target.get(s)), d, p);
    },
  },
  ToKeyValueString: {
    params: [
      { name: 'target', kind: 'value' },
      { name: 'delimiter', kind: 'string', default: '=' },
      { name: 'pair_delimiter', kind: 'string', default: ' ' },
      { name: 'sort_output', kind: 'bool', default: false },
    ],
    returns: 'string',
    errors: true,
    check: (args, bad) => {
      if (written(args[1]) && literalString({ args } as never, 1) === '') bad(1, 'the delimiter cannot be an empty string');
      if (written(args[2]) && literalString({ args } as never, 2) === '') bad(2, 'the pair delimiter cannot be an empty string');
      if (literalString({ args } as never, 1) === literalString({ args } as never, 2)) bad(2, 'the pair delimiter cannot be equal to the delimiter');
    },
    closure: ([target], call) => {
      const d = literalString(call, 1);
      const p = literalString(call, 2);
      const sort = call.args[3]?.type === 'literal' && call.args[3].value === true;
      const g = dynGetter(target);
      return (s) => {
        const m = g(s);
        return kindOf(m) === 'map' ? toKeyValueString(m as ValueMap, d, p, sort) : fail();
      };
    },
  },
  ParseCSV: {
    params: [
      { name: 'target', kind: 'value' },
      { name: 'header', kind: 'value' },
      { name: 'delimiter', kind: 'string', default: ',' },
      { name: 'header_delimiter', kind: 'string', default: '' },
      { name: 'mode', kind: 'string', default: 'strict' },
    ],
    returns: 'map',
    errors: true,
    check: (args, bad) => {
      if ([...literalString({ args } as never, 2)].length !== 1) bad(2, 'the delimiter must be a single character');
      if (written(args[3]) && [...literalString({ args } as never, 3)].length !== 1) bad(3, 'the header delimiter must be a single character');
      if (!MODES.includes(literalString({ args } as never, 4))) bad(4, `unknown mode: use ${MODES.join(', ')}`);
    },
    closure: ([target, header], call) => {
      const delimiter = literalString(call, 2);
      const headerDelimiter = written(call.args[3]) ? literalString(call, 3) : delimiter;
      const mode = literalString(call, 4);
      return (s) => {
        const text = strictString(target.get(s));
        const head = strictString(header.get(s));
        if (head === '') fail();
        const names = head.split(headerDelimiter);
        // Go's csv.Reader refuses these delimiters on every read.
        if (mode !== 'ignoreQuotes' && BAD_CSV_DELIMITERS.includes(delimiter)) fail();
        const fields = mode === 'ignoreQuotes' ? text.split(delimiter) : readCsvRow(text, delimiter, mode === 'lazyQuotes');
        if (fields.length !== names.length) fail();
        return mapOf(names.map((n, i) => [n, fields[i]]));
      };
    },
  },
  SliceToMap: {
    params: [{ name: 'target', kind: 'value' }, { name: 'key_path', kind: 'list' }, { name: 'value_path', kind: 'list', default: '' }],
    returns: 'map',
    errors: true,
    check: (args, bad) => {
      if (!stringList(args[1])) bad(1, 'the key path must be a list of strings such as ["name"]');
      if (written(args[2]) && !stringList(args[2])) bad(2, 'the value path must be a list of strings such as ["value"]');
    },
    closure: ([target], call) => {
      const keyPath = stringList(call.args[1])!;
      const valuePath = written(call.args[2]) ? stringList(call.args[2]) : undefined;
      const g = dynGetter(target);
      return (s) => {
        if (keyPath.length === 0) fail();
        const v = g(s);
        return Array.isArray(v) ? sliceToMap(v, keyPath, valuePath) : fail();
      };
    },
  },
  URL: {
    params: [{ name: 'uri', kind: 'value' }],
    returns: 'map',
    errors: true,
    closure: ([v]) => (s) => urlMap(strictString(v.get(s))),
  },
  ExtractPatterns: {
    params: [{ name: 'target', kind: 'value' }, { name: 'pattern', kind: 'pattern' }],
    returns: 'map',
    errors: true,
    check: (args, bad) => {
      const re = RE2JS.compile(literalString({ args } as never, 1));
      if (Object.keys(re.namedGroups()).length === 0) bad(1, 'the pattern must have at least one named capture group, such as (?P<name>\\w+)');
    },
    closure: ([target], call) => {
      // Go's regexp as the collector runs it: `.` does not match a newline unless (?s) says so.
      const re = RE2JS.compile(literalString(call, 1));
      const groups = Object.entries(re.namedGroups()).sort((a, b) => a[1] - b[1]);
      return (s) => {
        const m = re.matcher(strictString(target.get(s)));
        if (!m.find()) return {};
        return mapOf(groups.map(([name, i]) => [name, m.group(i) ?? '']));
      };
    },
  },
  ExtractGrokPatterns: {
    params: [
      { name: 'target', kind: 'value' },
      { name: 'pattern', kind: 'string' },
      { name: 'named_captures_only', kind: 'bool', default: false },
      { name: 'pattern_definitions', kind: 'list', default: '' },
    ],
    returns: 'map',
    errors: true,
    check: (args, bad) => {
      if (written(args[3]) && !stringList(args[3])) bad(3, 'the pattern definitions must be a list of strings such as ["NAME=regex"]');
      try {
        grokOf({ args } as never);
      } catch (e) {
        if (e instanceof GrokError) bad(e.arg === 'pattern' ? 1 : 3, e.message);
        throw e;
      }
    },
    closure: ([target], call) => {
      const grok = grokOf(call);
      return (s) => grok.parse(strictString(target.get(s)));
    },
  },
  UserAgent: {
    params: [{ name: 'user_agent', kind: 'value' }],
    returns: 'map',
    errors: true,
    closure: ([v]) => {
      const parse = userAgentParser();
      return (s) => {
        const ua = strictString(v.get(s));
        const r = parseUserAgent(parse, ua);
        return mapOf([['user_agent.name', r.family], ['user_agent.original', ua], ['user_agent.version', r.version]]);
      };
    },
  },
  Format: {
    params: [{ name: 'format', kind: 'string' }, { name: 'vals', kind: 'list' }],
    returns: 'string',
    errors: true,
    check: (args, bad) => {
      if (args[1].type !== 'list') bad(1, 'the arguments must be a list such as [attributes["a"], 2]');
    },
    closure: (_args, call) => {
      const format = literalString(call, 0);
      // Each value keeps its static type, so a whole float literal such as 2.0 formats as a float64.
      const items = (call.args[1] as ListExpr).items.map((i) => {
        const c = compileValue(i);
        const g = boxed(c.type, c.get);
        return c.type === 'float' ? (s: Span) => new GoFloat(g(s) as number) : g;
      });
      return (s) => goSprintf(format, items.map((g) => g(s)));
    },
  },
};
