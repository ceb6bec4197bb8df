import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node, type Scalar } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { crossCheck, type ConfigCheck } from './cross-check.js';
import { collectorHint } from './collector-hints.js';
import { configNotes } from './notes.js';

/** One problem in a config file, located by line, column and key path. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. `receivers.otlp.http.endpoint`; '' for the file as a whole. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? p.path + ': ' : ''}${p.message}`;
}

type Env = Record<string, string | undefined>;

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$/g;

/** `${env:VAR}` and `${env:VAR:-default}` as in the OpenTelemetry Collector; `$$` is a literal `$`. */
export function expandEnv(text: string, env: Env): string {
  return text.replace(ENV_REF, (whole, name: string | undefined, def: string | undefined) => {
    if (whole === '$$') return '$';
    const v = env[name!];
    return v !== undefined && v !== '' ? v : (def ?? '');
  });
}

/**
 * Parses, expands and validates a config file's text; throws ConfigError listing every
 * problem at once. A value that is a single `${env:...}` reference takes the type its
 * expansion has in YAML (so `${env:PORT}` can be a number). `checks` add the problems
 * parts above config find in the document (cli/config.ts passes them all).
 */
export function parseConfig(text: string, file = 'config', env: Env = process.env, checks: readonly ConfigCheck[] = []): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lc.linePos(offset);
  const problems: ConfigProblem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line, col } = at(e.pos[0]);
    problems.push({ file, line, column: col, path: '', message: e.message.split('\n')[0] });
  }
  if (doc.errors.length) throw new ConfigError(problems);
  // A key that is a list, a map or binary (`{a: 1}: x`, `!!binary a: x`) has no name to match a setting by.
  let badKeys = 0;
  visit(doc, {
    Pair(_key, pair) {
      const k = pair.key as Node | null;
      const plain = k === null || (isScalar(k) && (k.value === null || ['string', 'number', 'boolean'].includes(typeof k.value)));
      if (!plain) {
        const { line, col } = at((pair.key as Node).range?.[0] ?? 0);
        problems.push({ file, line, column: col, path: '', message: 'a key must be a plain name, not a list, a map or binary data' });
        badKeys++;
      }
    },
  });
  if (badKeys) throw new ConfigError(problems);

  // A whole-value reference typed by its expansion, with the text it expanded to.
  const typedRefs = new Map<Node, string>();
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const expanded = expandEnv(node.value, env);
      const single = /^\$\{env:[^}]+\}$/.test(node.value);
      node.value = expanded;
      if (!single) return;
      const parsed = parseDocument(expanded);
      let typed: unknown;
      try {
        typed = parsed.errors.length ? undefined : parsed.toJS({ maxAliasCount: 100 });
      } catch {
        typed = undefined;
      }
      // Strings stay verbatim (YAML would fold or unquote them); numbers, booleans, lists and maps take their type.
      if (typed === null || typed === undefined || typeof typed === 'string') return;
      node.value = typed;
      typedRefs.set(node, expanded);
    },
  });

  let raw = documentValue(doc, at, file);
  let result = configSchema.safeParse(raw, { reportInput: true });
  // As in the OpenTelemetry Collector, a key that takes a string gets the reference's text
  // (a numeric password or token stays the string it was).
  if (!result.success) {
    let retyped = false;
    for (const issue of result.error.issues) {
      const node = doc.getIn(issue.path, true) as Node | undefined;
      if (issue.code === 'invalid_type' && issue.expected === 'string' && node && isScalar(node) && typedRefs.has(node)) {
        node.value = typedRefs.get(node);
        retyped = true;
      }
    }
    if (retyped) {
      raw = documentValue(doc, at, file);
      result = configSchema.safeParse(raw, { reportInput: true });
    }
  }
  if (!result.success) for (const issue of result.error.issues) problems.push(...locate(doc, at, file, issue));
  for (const p of [crossCheck, ...checks].flatMap((check) => check(raw))) {
    const node = nearest(doc, p.path.map(String));
    const pos = node?.range ? at(p.offset !== undefined && isScalar(node) ? sourceOffset(text, node, p.offset) : node.range[0]) : { line: 1, col: 1 };
    problems.push({ file, line: pos.line, column: pos.col, path: p.path.join('.'), message: p.message });
  }
  if (result.success && problems.length === 0) {
    NOTES.set(
      result.data,
      configNotes(raw).map((n) => {
        const node = keyNode(doc, n.path) ?? nearest(doc, n.path);
        const pos = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
        return { file, line: pos.line, column: pos.col, path: n.path.join('.'), message: n.message };
      }),
    );
    return result.data;
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ConfigError(problems);
}

/**
 * The document as plain values. YAML aliases are expanded here: one used before its
 * anchor, or so many that they multiply the document (a "billion laughs"), is a config
 * error at the first alias, not an exception.
 */
function documentValue(doc: ReturnType<typeof parseDocument>, at: (offset: number) => { line: number; col: number }, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    let pos = { line: 1, col: 1 };
    visit(doc, {
      Alias(_key, node) {
        if (node.range) pos = at(node.range[0]);
        return visit.BREAK;
      },
    });
    throw new ConfigError([{ file, line: pos.line, column: pos.col, path: '', message: `YAML aliases: ${(e as Error).message}` }]);
  }
}

const NOTES = new WeakMap<Config, ConfigProblem[]>();

/**
 * What is worth telling about a valid config without it being a problem (a collector
 * spelling read as spansift's), located like problems; the CLI logs them at start.
 */
export function notesOf(config: Config): readonly ConfigProblem[] {
  return NOTES.get(config) ?? [];
}

export function loadConfigFile(file: string, env: Env = process.env, checks: readonly ConfigCheck[] = []): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ file, line: 0, column: 0, path: '', message: `cannot read the file: ${(e as Error).message}` }]);
  }
  return parseConfig(text, file, env, checks);
}

type Issue = z.core.$ZodIssue;

function locate(doc: Document, at: (o: number) => { line: number; col: number }, file: string, issue: Issue): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const node = keyNode(doc, [...path, key]) ?? nearest(doc, path);
      const pos = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
      return { file, line: pos.line, column: pos.col, path: [...path, key].join('.'), message: `unknown key "${key}"${explain(key, path)}` };
    });
  }
  // A bad name (an exporter id, a queue name) is pointed at where it is written: the key.
  const node = (issue.code === 'invalid_key' ? keyNode(doc, path) : undefined) ?? nearest(doc, path);
  const pos = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
  return [{ file, line: pos.line, column: pos.col, path: path.join('.'), message: describe(issue) }];
}

/**
 * Where the character at `offset` of a scalar's value is in the source text. They differ by
 * more than the opening quote: `\"` and `''` are two characters for one, a folded line
 * break with the indentation around it is one space, and a block scalar loses its header
 * and indentation.
 */
function sourceOffset(src: string, node: Scalar, offset: number): number {
  const [start, end] = node.range!;
  const type = node.type;
  const block = type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED';
  let i = start;
  let indent = 0;
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') i++;
  else if (block) {
    i = src.indexOf('\n', start) + 1;
    if (i === 0 || i >= end) return start;
    indent = /^( *)/.exec(src.slice(i, end).replace(/^(?: *\r?\n)*/, ''))![1].length;
    for (let k = 0; k < indent && src[i] === ' '; k++) i++;
  }
  const blank = (c: string | undefined) => c === ' ' || c === '\t';
  const breakAhead = (j: number) => {
    while (j < end && blank(src[j])) j++;
    return src[j] === '\n' || src[j] === '\r';
  };
  let produced = 0;
  while (i < end && produced < offset) {
    const c = src[i];
    if (c === '\n' || c === '\r' || (!block && blank(c) && breakAhead(i))) {
      // Line breaks with the indentation after them (and in flow scalars, the blanks around them).
      let breaks = 0;
      while (i < end) {
        if (src[i] === '\n') {
          breaks++;
          i++;
          if (block) for (let k = 0; k < indent && src[i] === ' '; k++) i++;
        } else if (src[i] === '\r' || (!block && blank(src[i]))) i++;
        else break;
      }
      produced += type === 'BLOCK_LITERAL' ? breaks : breaks === 1 ? 1 : breaks - 1;
    } else if (type === 'QUOTE_DOUBLE' && c === '\\') {
      const e = src[i + 1];
      if (e === '\n' || e === '\r') {
        // An escaped line break: nothing, nor the indentation after it.
        i += src[i + 1] === '\r' && src[i + 2] === '\n' ? 3 : 2;
        while (i < end && blank(src[i])) i++;
        continue;
      }
      const len = e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2;
      produced += e === 'U' && parseInt(src.slice(i + 2, i + 10), 16) > 0xffff ? 2 : 1;
      i += len;
    } else if (type === 'QUOTE_SINGLE' && c === "'" && src[i + 1] === "'") {
      produced++;
      i += 2;
    } else {
      produced++;
      i++;
    }
  }
  return i;
}

function describe(issue: Issue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
  // A name that may not be a key (a queue or user name): say why, not "Invalid key in record".
  if (issue.code === 'invalid_key' && issue.issues.length > 0) return `invalid name: ${issue.issues[0].message}`;
  // A missing key whose value may take several forms (route_to, a duration): name them, not "Invalid input".
  if (issue.code === 'invalid_union' && issue.input === undefined && !('discriminator' in issue)) {
    const forms = issue.errors.map((e) => (e.length === 1 && e[0].code === 'invalid_type' ? e[0].expected : undefined));
    return forms.every((f) => f !== undefined) && forms.length ? `is required (${forms.join(' or ')})` : 'is required';
  }
  return issue.message;
}

/** The deepest node that exists along the path (a missing key is reported at its parent). */
function nearest(doc: Document, path: string[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return doc.contents ?? undefined;
}

function keyNode(doc: Document, path: string[]): Node | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === path[path.length - 1]);
  return pair && isScalar(pair.key) ? pair.key : undefined;
}

/**
 * Why a key is unknown: where the collector's key of that name lives in spansift, a close
 * spelling of a known key, or (for a key of a collector section spansift has only in part)
 * what that section holds in spansift.
 */
function explain(key: string, path: string[]): string {
  const hint = collectorHint([...path, key]);
  if (hint && !hint.fallback) return `: ${hint.hint}`;
  return suggest(key, path) || (hint ? `: ${hint.hint}` : '');
}

function suggest(key: string, path: string[]): string {
  const known = knownKeys(path);
  let best = '';
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function knownKeys(path: string[]): string[] {
  // Through arrays (rules), records (queues) and unions (label types), every schema the path can reach.
  let cur: unknown[] = [configSchema];
  for (const p of path) {
    cur = cur.flatMap(structural).flatMap((s) => {
      const next = s.shape ? s.shape[p] : (s.def?.element ?? s.def?.valueType);
      return next ? [next] : [];
    });
  }
  return [...new Set(cur.flatMap(structural).flatMap((s) => Object.keys(s.shape ?? {})))];
}

interface Shaped {
  shape?: Record<string, unknown>;
  def?: { innerType?: unknown; in?: unknown; out?: unknown; schema?: unknown; element?: unknown; valueType?: unknown; options?: unknown[] };
}

/** The objects, arrays and records a schema stands for, through defaults, pipes and unions. */
function structural(s: unknown, depth = 0): Shaped[] {
  const cur = s as Shaped | undefined;
  if (!cur || depth > 16) return [];
  const d = cur.def;
  if (cur.shape || d?.element || d?.valueType) return [cur];
  if (Array.isArray(d?.options)) return d.options.flatMap((o) => structural(o, depth + 1));
  // A transform's pipe ends in the transform (no keys): its keys are those of the pipe's input.
  for (const next of [d?.innerType, d?.out, d?.in, d?.schema]) {
    const found = structural(next, depth + 1);
    if (found.length) return found;
  }
  return [];
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
