import type { BoolExpr, CallExpr, CompareOp, Literal, LiteralExpr, PathExpr, ValueExpr } from './ast.js';
import { ENUMS, FUNCTIONS, PATHS, isFunctionName, resolvePath, staticType } from './catalog.js';
import { ConditionError, describeText } from './errors.js';
import { tokenize, type Token } from './lexer.js';
import { compileRegex } from './regex.js';

/**
 * Recursive descent over OTTL's boolean grammar: `or` < `and` < `not` < comparison.
 * Names, arities and argument shapes are checked here so that every mistake is reported
 * with the position of the offending token.
 */
const MAX_DEPTH = 100;
const KEYWORDS = new Set(['and', 'or', 'not']);

export function parseCondition(source: string): BoolExpr {
  return new Parser(source).parse();
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  private depth = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): BoolExpr {
    if (this.peek().kind === 'eof') throw this.error('empty', 'empty condition', this.peek().start);
    const expr = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') {
      throw this.error('trailing_input', `unexpected ${show(t)} after the end of the condition`, t.start);
    }
    return expr;
  }

  private parseOr(): BoolExpr {
    return this.parseLogical('or', () => this.parseAnd());
  }

  private parseAnd(): BoolExpr {
    return this.parseLogical('and', () => this.parseNot());
  }

  private parseLogical(word: 'and' | 'or', next: () => BoolExpr): BoolExpr {
    const first = next();
    if (!this.isWord(word)) return first;
    const operands = [first];
    while (this.isWord(word)) {
      this.pos++;
      operands.push(next());
    }
    return { type: word, operands, start: first.start, end: operands[operands.length - 1].end };
  }

  private parseNot(): BoolExpr {
    if (!this.isWord('not')) return this.parsePrimary();
    const start = this.next().start;
    this.enter(start);
    const operand = this.parseNot();
    this.depth--;
    return { type: 'not', operand, start, end: operand.end };
  }

  private parsePrimary(): BoolExpr {
    const t = this.peek();
    if (t.kind === '(') {
      this.pos++;
      this.enter(t.start);
      const inner = this.parseOr();
      this.depth--;
      this.expect(')');
      return inner;
    }
    const left = this.parseValue();
    const op = this.peek();
    if (op.kind !== 'op') return this.bare(left);
    this.pos++;
    const right = this.parseValue();
    this.noEvents(left);
    this.noEvents(right);
    return { type: 'compare', op: op.text as CompareOp, left, right, start: left.start, end: right.end };
  }

  private bare(value: ValueExpr): BoolExpr {
    const type = staticType(value);
    if (type === 'bool' || type === 'dyn') return { type: 'bare', value, start: value.start, end: value.end };
    const t = this.peek();
    if (t.kind !== 'eof' && t.kind !== ')' && !this.isWord('and') && !this.isWord('or')) {
      throw this.error('unexpected_token', `expected a comparison operator but found ${show(t)}`, t.start);
    }
    const what = value.type === 'literal' ? `a ${value.kind} literal` : `${describeText(this.text(value))} (${type})`;
    throw this.error('type_error', `${what} is not a condition; compare it with ==, !=, <, <=, > or >=`, value.start);
  }

  private parseValue(): ValueExpr {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
        this.pos++;
        return lit(t, { kind: 'string', value: t.value as string });
      case 'int':
        this.pos++;
        return lit(t, { kind: 'int', value: t.value as number | bigint });
      case 'float':
        this.pos++;
        return lit(t, { kind: 'float', value: t.value as number });
      case 'duration':
        this.pos++;
        return lit(t, { kind: 'duration', value: t.value as number | bigint });
      case 'ident':
        return this.parseIdent(t);
      default:
        throw this.error('unexpected_token', `expected a value but found ${show(t)}`, t.start);
    }
  }

  private parseIdent(t: Token): ValueExpr {
    const word = t.text;
    if (KEYWORDS.has(word)) throw this.error('unexpected_token', `expected a value but found ${show(t)}`, t.start);
    if (word === 'nil' || word === 'true' || word === 'false') {
      this.pos++;
      return word === 'nil' ? lit(t, { kind: 'nil', value: null }) : lit(t, { kind: 'bool', value: word === 'true' });
    }
    if (this.tokens[this.pos + 1].kind === '(') return this.parseCall(t);
    if (/^[A-Z][A-Z0-9_]*$/.test(word)) {
      this.pos++;
      if (!Object.hasOwn(ENUMS, word)) throw this.error('unknown_enum', `unknown enum ${show(t)}`, t.start);
      return lit(t, { kind: 'enum', name: word, value: ENUMS[word] });
    }
    return this.parsePath(t);
  }

  private parseCall(nameTok: Token): CallExpr {
    const name = nameTok.text;
    if (!isFunctionName(name)) {
      throw this.error('unknown_function', `unknown function ${show(nameTok)}`, nameTok.start);
    }
    this.pos += 2;
    this.enter(nameTok.start);
    const args: ValueExpr[] = [];
    if (this.peek().kind !== ')') {
      for (;;) {
        args.push(this.parseValue());
        if (this.peek().kind !== ',') break;
        this.pos++;
      }
    }
    this.depth--;
    const close = this.expect(')');
    const call: CallExpr = { type: 'call', name, args, start: nameTok.start, end: close.end };
    this.checkArgs(call);
    return call;
  }

  private checkArgs(call: CallExpr): void {
    const { params } = FUNCTIONS[call.name];
    if (call.args.length !== params.length) {
      const want = `${params.length} argument${params.length === 1 ? '' : 's'}`;
      const msg = `${call.name} takes ${want} but got ${call.args.length}`;
      throw this.error('bad_arity', msg, call.start);
    }
    params.forEach((kind, i) => {
      const arg = call.args[i];
      if (kind !== 'sized') this.noEvents(arg);
      if (kind !== 'pattern' && kind !== 'text') return;
      if (arg.type !== 'literal' || arg.kind !== 'string') {
        throw this.error('bad_argument', `argument ${i + 1} of ${call.name} must be a string literal`, arg.start);
      }
      if (kind === 'pattern') {
        const re = compileRegex(arg.value);
        if (re.ok) return;
        // Offsets inside the pattern only line up with the source when it has no escapes.
        const verbatim = arg.end - arg.start - 2 === arg.value.length;
        const at = verbatim ? arg.start + 1 + re.at : arg.start;
        throw this.error('bad_regex', `invalid regular expression: ${re.reason}`, at);
      }
    });
  }

  private parsePath(first: Token): PathExpr {
    let dotted = first.text;
    let end = first.end;
    this.pos++;
    while (this.peek().kind === '.' && this.tokens[this.pos + 1].kind === 'ident') {
      dotted += '.' + this.tokens[this.pos + 1].text;
      end = this.tokens[this.pos + 1].end;
      this.pos += 2;
    }
    const path = resolvePath(dotted);
    if (!path) throw this.error('unknown_path', `unknown path ${describeText(dotted)}`, first.start);
    if (this.peek().kind !== '[') {
      if (PATHS[path].keyed) {
        throw this.error('unknown_path', `${dotted} needs a key, as in ${dotted}["key"]`, first.start);
      }
      return { type: 'path', path, start: first.start, end };
    }
    const open = this.next();
    if (!PATHS[path].keyed) throw this.error('unexpected_token', `${dotted} does not take a key`, open.start);
    const key = this.next();
    if (key.kind !== 'string') {
      throw this.error('unexpected_token', `expected a string key but found ${show(key)}`, key.start);
    }
    const close = this.expect(']');
    if (this.peek().kind === '[') {
      throw this.error('unexpected_token', 'indexing into attribute values is not supported', this.peek().start);
    }
    return { type: 'path', path, key: key.value as string, start: first.start, end: close.end };
  }

  private noEvents(v: ValueExpr): void {
    if (v.type === 'path' && v.path === 'events') {
      throw this.error('type_error', 'events can only be used as Len(events); use HasEvent("name") for names', v.start);
    }
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) throw this.error('too_deep', `nested more than ${MAX_DEPTH} levels`, at);
  }

  private expect(kind: Token['kind']): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.error('unexpected_token', `expected '${kind}' but found ${show(t)}`, t.start);
    this.pos++;
    return t;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text === word;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private text(v: ValueExpr): string {
    return this.source.slice(v.start, v.end);
  }

  private error(code: ConditionError['code'], detail: string, offset: number): ConditionError {
    return new ConditionError(code, detail, this.source, offset);
  }
}

function lit(t: Token, literal: Literal): LiteralExpr {
  return { type: 'literal', ...literal, start: t.start, end: t.end };
}

function show(t: Token): string {
  return t.kind === 'eof' ? 'end of input' : describeText(t.text);
}
