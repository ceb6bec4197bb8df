/**
 * Conditions over a completed item's labels, in the rules' language: `labels["correct"] ==
 * true`, `labels["quality"] >= 4`, `Len(labelers) >= 2`, with every operator and function
 * of the language. They compile with the same compiler: `labels[...]` reads the labels
 * taken together (as attributes are read), `labelers` is the list of who submitted. A
 * mistake is reported at its place in the text as written.
 */
import type { AttrValue, Span } from '../../collector/model/span.js';
import { compileCondition, ConditionError, tokenize, type Token } from '../../processors/condition/index.js';
import { newSpan } from '../../collector/receivers/otlp/decode-shared.js';

export interface LabelFacts {
  labels: Record<string, boolean | number | string>;
  labelers: string[];
}

/** Words that are not paths: operators, literals, and any function (followed by `(`). */
const NOT_PATHS = new Set(['and', 'or', 'not', 'true', 'false', 'nil']);
const LABELERS = 'resource.attributes["labelers"]';

interface Piece {
  /** Where the piece starts in what is compiled, and in what was written. */
  out: number;
  orig: number;
  len: number;
}

/** The condition rewritten onto span paths, with how to map a position back. */
function rewrite(text: string): { source: string; back: (offset: number) => number } {
  const tokens = tokenize(text);
  const pieces: Piece[] = [];
  let out = '';
  let at = 0;
  tokens.forEach((t: Token, i) => {
    if (t.kind === 'eof') return;
    out += text.slice(at, t.start);
    let replacement = t.text;
    if (t.kind === 'ident' && !NOT_PATHS.has(t.text) && tokens[i + 1]?.kind !== '(' && !/^[A-Z][A-Z0-9_]*$/.test(t.text) && tokens[i - 1]?.kind !== '.') {
      if (t.text === 'labels' && tokens[i + 1]?.kind === '[') replacement = 'attributes';
      else if (t.text === 'labelers') replacement = LABELERS;
      else throw new ConditionError('unknown_path', `unknown path '${t.text}': a completion condition reads labels["name"] and labelers`, text, t.start);
    }
    pieces.push({ out: out.length, orig: t.start, len: t.end - t.start });
    out += replacement;
    at = t.end;
  });
  out += text.slice(at);
  const back = (offset: number) => {
    let best = { out: 0, orig: 0, len: 0 };
    for (const p of pieces) if (p.out <= offset) best = p;
    return best.orig + Math.min(offset - best.out, best.len);
  };
  return { source: out, back };
}

export function compileWhen(text: string): (facts: LabelFacts) => boolean {
  const { source, back } = rewrite(text);
  let match: (span: Span) => boolean;
  try {
    match = compileCondition(source).match;
  } catch (e) {
    if (!(e instanceof ConditionError)) throw e;
    const detail = e.detail.replaceAll(LABELERS, 'labelers').replaceAll('attributes', 'labels');
    throw new ConditionError(e.code, detail, text, back(e.offset));
  }
  return (facts) => match(asSpan(facts));
}

/** The facts where the compiled condition reads them. */
function asSpan(f: LabelFacts): Span {
  return {
    ...newSpan({ attributes: { labelers: f.labelers }, serviceName: '', schemaUrl: '' }, { name: '', version: '', attributes: {} }),
    attributes: f.labels as Record<string, AttrValue>,
  };
}
