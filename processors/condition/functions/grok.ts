import { RE2JS, RE2JSException } from 're2js';
import { parseGoFloat, parseGoInt, toBool } from '../convert.js';
import { fail, type Value } from '../values.js';
import PATTERNS from './grok-patterns.json' with { type: 'json' };
import { mapOf, type ValueMap } from './maps.js';

/**
 * Grok as the collector's ExtractGrokPatterns runs it (Elastic's go-grok): `%{NAME}`,
 * `%{NAME:field}` and `%{NAME:field:type}` expand, again and again, into the regular
 * expressions the pattern sets define (grok-patterns.json), each wrapped in a group named
 * by the field (or by NAME). The result is an RE2 regex run by re2js, so a hostile span
 * cannot stall matching.
 */

/** go-grok's reference syntax. */
const REFERENCE = /%\{(\w+(?::[\w+.]+(?::\w+)?)?)\}/g;
/** go-grok stands `___` in for the dots of field names, which a Go group name cannot hold. */
const DOT = '___';
/** go-grok stops expanding after this many rounds. */
const ROUNDS = 1000;
/** Far above what any pattern of the sets expands to (the largest, NETSCREENSESSIONLOG, under 8,000 characters). */
const MAX_EXPANDED = 1_000_000;
/** Go's regexp: a group name is letters, digits and underscores. */
const GO_GROUP_NAME = /^[A-Za-z0-9_]+$/;

const SETS: Record<string, string> = Object.assign({}, ...Object.values(PATTERNS.sets));
const DEFAULTS: Record<string, string> = PATTERNS.default;

export class GrokError extends Error {
  constructor(
    message: string,
    /** Which argument is at fault: the pattern, or the list of definitions. */
    readonly arg: 'pattern' | 'definitions',
  ) {
    super(message);
  }
}

export interface Grok {
  /** The captures of the first match (an empty map when nothing matches); an OTTL error when a typed capture does not convert. */
  parse(text: string): ValueMap;
}

interface Capture {
  index: number;
  /** The field it fills, dots restored. */
  key: string;
  hint: string | undefined;
}

/** `NAME=regex` definitions, as ExtractGrokPatterns reads its patternDefinitions argument. */
export function parseDefinitions(definitions: string[]): Map<string, string> {
  const out = new Map<string, string>();
  definitions.forEach((d, i) => {
    const eq = d.indexOf('=');
    if (eq < 0) {
      const shown = d.length > 20 ? d.slice(0, 17) + '...' : d;
      throw new GrokError(`pattern ${JSON.stringify(shown)} at index ${i} has incorrect format, expecting PATTERNNAME=pattern definition`, 'definitions');
    }
    const name = d.slice(0, eq);
    if (name.includes(':')) throw new GrokError(`pattern ID ${JSON.stringify(name)} should not contain ':'`, 'definitions');
    out.set(name, d.slice(eq + 1));
  });
  return out;
}

/** go-grok's expansion: the regex and the type hints by group name. */
export function expandGrok(pattern: string, namedCapturesOnly: boolean, custom: Map<string, string>): { regex: string; hints: Map<string, string> } {
  const hints = new Map<string, string>();
  const lookup = (name: string) => custom.get(name) ?? (Object.hasOwn(SETS, name) ? SETS[name] : Object.hasOwn(DEFAULTS, name) ? DEFAULTS[name] : undefined);
  let expanded = pattern;
  for (let round = 0; round < ROUNDS; round++) {
    const refs = [...expanded.matchAll(REFERENCE)];
    if (refs.length === 0) return { regex: expanded, hints };
    for (const [whole, inner] of refs) {
      const parts = inner.split(':');
      const target = parts.length > 1 ? parts[1].replaceAll('.', DOT) : parts[0];
      if (parts.length === 3) hints.set(target, parts[2]);
      const known = lookup(parts[0]);
      if (known === undefined) throw new GrokError(`pattern definition ${JSON.stringify(parts[0])} unknown`, 'pattern');
      const replacement = namedCapturesOnly && parts.length === 1 ? `(${known})` : `(?P<${target}>${known})`;
      // A function, so that `$` in a definition is not read as a replacement pattern.
      expanded = expanded.replaceAll(whole, () => replacement);
      if (expanded.length > MAX_EXPANDED) throw new GrokError(`the pattern expands to more than ${MAX_EXPANDED} characters (does a definition refer to itself?)`, 'pattern');
    }
  }
  throw new GrokError(`the pattern still refers to other patterns after ${ROUNDS} rounds of expansion (does a definition refer to itself?)`, 'pattern');
}

/**
 * Go's regexp accepts a group name twice (`%{IP} %{IP}` names two groups IP) and re2js does
 * not, so every named group is renamed g0, g1... in order and its own name kept aside, and
 * every unnamed group made non-capturing. The scan skips escapes, `\Q...\E` and character
 * classes, where `(` opens no group.
 */
function renameGroups(regex: string): { regex: string; names: string[] } {
  const names: string[] = [];
  let out = '';
  let i = 0;
  let inClass = false;
  while (i < regex.length) {
    const c = regex[i];
    if (c === '\\') {
      if (!inClass && regex[i + 1] === 'Q') {
        const end = regex.indexOf('\\E', i + 2);
        const stop = end < 0 ? regex.length : end + 2;
        out += regex.slice(i, stop);
        i = stop;
        continue;
      }
      out += regex.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (inClass) {
      if (regex.startsWith('[:', i)) {
        const end = regex.indexOf(':]', i + 2);
        if (end >= 0) {
          out += regex.slice(i, end + 2);
          i = end + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      // `]` first in a class (after an optional `^`) is a literal.
      let j = i + 1;
      if (regex[j] === '^') j++;
      if (regex[j] === ']') j++;
      out += regex.slice(i, j);
      i = j;
      inClass = true;
      continue;
    }
    const open = regex.startsWith('(?P<', i) ? 4 : regex.startsWith('(?<', i) ? 3 : 0;
    if (open) {
      const close = regex.indexOf('>', i + open);
      const name = close < 0 ? '' : regex.slice(i + open, close);
      // A name Go refuses is left for RE2 to report.
      if (GO_GROUP_NAME.test(name)) {
        out += `(?P<g${names.length}>`;
        names.push(name);
        i = close + 1;
        continue;
      }
    }
    // Unnamed groups are never reported: without their captures RE2 matches faster.
    out += c === '(' && regex[i + 1] !== '?' ? '(?:' : c;
    i++;
  }
  return { regex: out, names };
}

/** strconv.Atoi, ParseFloat and ParseBool by go-grok's type names; anything else is an error. */
function convert(text: string, hint: string | undefined): Value {
  switch (hint) {
    case undefined:
    case 'string':
      return text;
    case 'int':
    case 'long':
      return parseGoInt(text) ?? fail();
    case 'float':
    case 'double':
      return parseGoFloat(text) ?? fail();
    case 'bool':
    case 'boolean':
      return toBool(text) ?? fail();
    default:
      return fail();
  }
}

/**
 * Compiles a grok pattern as ExtractGrokPatterns does when the collector loads it; a
 * GrokError says what is wrong. Go's regexp is RE2 as re2js is, without `(?s)`: `.` does not
 * match a newline.
 */
export function compileGrok(pattern: string, namedCapturesOnly: boolean, definitions: string[]): Grok {
  const key = JSON.stringify([pattern, namedCapturesOnly, definitions]);
  const hit = compiled.get(key);
  if (hit) return hit;
  const grok = compileNew(pattern, namedCapturesOnly, definitions);
  if (compiled.size >= 100) compiled.clear();
  compiled.set(key, grok);
  return grok;
}

/** A condition's pattern is compiled when it is checked and again for its closure; the last hundred are kept. */
const compiled = new Map<string, Grok>();

function compileNew(pattern: string, namedCapturesOnly: boolean, definitions: string[]): Grok {
  const { regex: expanded, hints } = expandGrok(pattern, namedCapturesOnly, parseDefinitions(definitions));
  const { regex, names } = renameGroups(expanded);
  let re: RE2JS;
  try {
    re = RE2JS.compile(regex);
  } catch (e) {
    if (e instanceof RE2JSException) throw new GrokError(`invalid regular expression after expansion: ${e.message.replace(/\(\?P<g(\d+)>/g, (_, n: string) => `(?P<${names[+n]}>`)}`, 'pattern');
    throw e;
  }
  if (namedCapturesOnly && names.length === 0) throw new GrokError('at least 1 named capture group must be supplied in the given pattern', 'pattern');
  const groups = re.namedGroups();
  const captures: Capture[] = names.map((name, k) => ({ index: groups[`g${k}`], key: name.replaceAll(DOT, '.'), hint: hints.get(name) }));
  return {
    parse(text) {
      const m = re.matcher(text);
      if (!m.find()) return {};
      const out: Array<[string, Value]> = [];
      for (const c of captures) {
        const v = m.group(c.index);
        // go-grok leaves out groups that did not take part or matched nothing.
        if (v) out.push([c.key, convert(v, c.hint)]);
      }
      return mapOf(out);
    },
  };
}
