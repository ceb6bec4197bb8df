import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { crossCheck } from './cross-check.js';

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
 * expansion has in YAML (so `${env:PORT}` can be a number).
 */
export function parseConfig(text: string, file = 'config', env: Env = process.env): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lc.linePos(offset);
  const problems: ConfigProblem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line, col } = at(e.pos[0]);
    problems.push({ file, line, column: col, path: '', message: e.message.split('\n')[0] });
  }
  if (doc.errors.length) throw new ConfigError(problems);

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
      const typed: unknown = parsed.errors.length ? undefined : parsed.toJS();
      // Strings stay verbatim (YAML would fold or unquote them); numbers, booleans, lists and maps take their type.
      if (typed === null || typed === undefined || typeof typed === 'string') return;
      node.value = typed;
      typedRefs.set(node, expanded);
    },
  });

  let raw = doc.toJS() ?? {};
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
      raw = doc.toJS() ?? {};
      result = configSchema.safeParse(raw, { reportInput: true });
    }
  }
  if (!result.success) for (const issue of result.error.issues) problems.push(...locate(doc, at, file, issue));
  for (const p of crossCheck(raw)) {
    const node = nearest(doc, p.path.map(String));
    const pos = node?.range ? at(node.range[0] + (p.offset !== undefined ? valueOffset(node) + p.offset : 0)) : { line: 1, col: 1 };
    problems.push({ file, line: pos.line, column: pos.col, path: p.path.join('.'), message: p.message });
  }
  if (result.success && problems.length === 0) return result.data;
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ConfigError(problems);
}

export function loadConfigFile(file: string, env: Env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ file, line: 0, column: 0, path: '', message: `cannot read the file: ${(e as Error).message}` }]);
  }
  return parseConfig(text, file, env);
}

type Issue = z.core.$ZodIssue;

function locate(doc: Document, at: (o: number) => { line: number; col: number }, file: string, issue: Issue): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const node = keyNode(doc, [...path, key]) ?? nearest(doc, path);
      const pos = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
      return { file, line: pos.line, column: pos.col, path: [...path, key].join('.'), message: `unknown key "${key}"${suggest(key, path)}` };
    });
  }
  const node = nearest(doc, path);
  const pos = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
  return [{ file, line: pos.line, column: pos.col, path: path.join('.'), message: describe(issue) }];
}

/** Where a scalar's text starts relative to its node: after the opening quote, if any. */
function valueOffset(node: Node): number {
  return isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') ? 1 : 0;
}

function describe(issue: Issue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
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
  let s: unknown = configSchema;
  for (const p of path) s = unwrap(s)?.shape?.[p];
  return Object.keys(unwrap(s)?.shape ?? {});
}

interface Shaped { shape?: Record<string, unknown>; def?: { innerType?: unknown; in?: unknown; out?: unknown; schema?: unknown } }

function unwrap(s: unknown): Shaped | undefined {
  let cur = s as Shaped | undefined;
  for (let i = 0; i < 8 && cur && !cur.shape; i++) {
    const d = (cur as { def?: Shaped['def'] }).def;
    cur = (d?.innerType ?? d?.out ?? d?.in ?? d?.schema) as Shaped | undefined;
  }
  return cur;
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
