import type { CallExpr, IndexExpr, Literal, LiteralExpr, MathOp, PathExpr, ValueExpr } from './ast.js';
import { ENUMS, PATHS, resolvePath } from './catalog.js';
import { ConditionError, describeText } from './errors.js';
import { FUNCTIONS, NOT_PROVIDED } from './functions/registry.js';
import type { Param } from './functions/define.js';
import { sourceOffsetInString, tokenize, type Token } from './lexer.js';
import { INT64_MAX, normalizeInt } from './numbers.js';
import { compileRegex } from './regex.js';
import { mathType, typeOf } from './types.js';

/**
 * The value half of the recursive descent: math (`* /` over `+ -`, unary signs), literals,
 * lists, maps, paths with their indexes, converter calls with positional and named
 * arguments. Types, names and argument shapes are checked here so every mistake is reported
 * at the position of the token at fault.
 */
const MAX_DEPTH = 100;
const KEYWORDS = new Set(['and', 'or', 'not']);
const EDITORS = new Set([
  'set', 'append', 'delete_key', 'delete_index', 'delete_matching_keys', 'keep_keys', 'keep_matching_keys', 'flatten',
  'limit', 'merge_maps', 'replace_all_matches', 'replace_all_patterns', 'replace_match', 'replace_pattern', 'stringify_all', 'truncate_all',
]);

export class ValueParser {
  protected readonly tokens: Token[];
  protected pos = 0;
  protected depth = 0;

  constructor(protected readonly source: string) {
    this.tokens = tokenize(source);
  }

  parseValue(): ValueExpr {
    let left = this.parseProduct();
    while (this.isMath('+') || this.isMath('-')) {
      const op = this.next();
      const right = this.parseProduct();
      left = this.math(op, left, right);
    }
    return left;
  }

  private parseProduct(): ValueExpr {
    let left = this.parseUnary();
    while (this.isMath('*') || this.isMath('/')) {
      const op = this.next();
      const right = this.parseUnary();
      left = this.math(op, left, right);
    }
    return left;
  }

  private math(op: Token, left: ValueExpr, right: ValueExpr): ValueExpr {
    const o = op.text as MathOp;
    for (const side of [left, right]) this.noEvents(side);
    const lt = typeOf(left);
    const rt = typeOf(right);
    if (!mathType(o, lt, rt)) {
      throw this.error('type_error', `cannot compute ${describe(lt)} ${o} ${describe(rt)}`, op.start);
    }
    return { type: 'math', op: o, left, right, start: left.start, end: right.end };
  }

  private parseUnary(): ValueExpr {
    if (!this.isMath('-') && !this.isMath('+')) return this.parseAtom(false);
    const sign = this.next();
    this.enter(sign.start);
    const t = this.peek();
    const numeric = t.kind === 'int' || t.kind === 'float' || t.kind === 'duration';
    const operand = numeric && sign.text === '-' ? this.parseAtom(true) : this.parseUnary();
    this.depth--;
    if (operand.type === 'literal' && (operand.kind === 'int' || operand.kind === 'float' || operand.kind === 'duration')) {
      return { ...operand, start: sign.start };
    }
    if (sign.text === '+') return operand;
    const type = typeOf(operand);
    if (type !== 'int' && type !== 'float' && type !== 'dyn') {
      throw this.error('type_error', `cannot negate ${describe(type)}`, sign.start);
    }
    return { type: 'neg', operand, start: sign.start, end: operand.end };
  }

  /** A literal, path, call, enum, list, map or parenthesised math; `negated` folds a leading minus into a number. */
  private parseAtom(negated: boolean): ValueExpr {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
        this.pos++;
        return lit(t, { kind: 'string', value: t.value as string });
      case 'int': {
        this.pos++;
        let v = t.value as bigint;
        if (negated) v = -v;
        if (v > INT64_MAX) throw this.error('bad_number', `integer ${describeText(t.text)} does not fit in 64 bits`, t.start);
        return lit(t, { kind: 'int', value: normalizeInt(v) });
      }
      case 'float':
        this.pos++;
        return lit(t, { kind: 'float', value: negated ? -(t.value as number) : (t.value as number) });
      case 'duration': {
        this.pos++;
        const ns = t.value as bigint;
        return lit(t, { kind: 'duration', value: normalizeInt(negated ? -ns : ns) });
      }
      case 'bytes':
        this.pos++;
        return lit(t, { kind: 'bytes', value: t.value as Uint8Array });
      case 'ident':
        return this.parseIdent(t);
      case '[':
        return this.parseList();
      case '{':
        return this.parseMap();
      case '(': {
        this.pos++;
        this.enter(t.start);
        const inner = this.parseValue();
        this.depth--;
        this.expect(')');
        return inner;
      }
      case '=':
        throw this.error('unexpected_char', "unexpected character '='; use '==' to compare", t.start);
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

  private parseList(): ValueExpr {
    const open = this.next();
    this.enter(open.start);
    const items: ValueExpr[] = [];
    if (this.peek().kind !== ']') {
      for (;;) {
        items.push(this.noEvents(this.parseValue()));
        if (this.peek().kind !== ',') break;
        this.pos++;
      }
    }
    this.depth--;
    const close = this.expect(']');
    return { type: 'list', items, start: open.start, end: close.end };
  }

  private parseMap(): ValueExpr {
    const open = this.next();
    this.enter(open.start);
    const entries: Array<{ key: string; value: ValueExpr }> = [];
    while (this.peek().kind !== '}') {
      const key = this.next();
      if (key.kind !== 'string') throw this.error('unexpected_token', `expected a string key but found ${show(key)}`, key.start);
      this.expect(':');
      entries.push({ key: key.value as string, value: this.noEvents(this.parseValue()) });
      if (this.peek().kind === ',') this.pos++;
    }
    this.depth--;
    const close = this.expect('}');
    return { type: 'map', entries, start: open.start, end: close.end };
  }

  private parseCall(nameTok: Token): CallExpr {
    const name = nameTok.text;
    if (!Object.hasOwn(FUNCTIONS, name)) {
      if (Object.hasOwn(NOT_PROVIDED, name)) throw this.error('unsupported', `${name}: ${NOT_PROVIDED[name]}`, nameTok.start);
      if (EDITORS.has(name)) {
        throw this.error('unsupported', `${name} is an OTTL editor, which changes telemetry; a condition can only call converters`, nameTok.start);
      }
      throw this.error('unknown_function', `unknown function ${show(nameTok)}`, nameTok.start);
    }
    const { params } = FUNCTIONS[name];
    this.pos += 2;
    this.enter(nameTok.start);
    const given: Array<ValueExpr | undefined> = [];
    let named = false;
    let count = 0;
    if (this.peek().kind !== ')') {
      for (;;) {
        const t = this.peek();
        if (t.kind === 'ident' && this.tokens[this.pos + 1].kind === '=') {
          const i = params.findIndex((p) => p.name === t.text);
          if (i < 0) throw this.error('bad_argument', `${name} has no argument named ${show(t)}`, t.start);
          if (given[i]) throw this.error('bad_argument', `argument ${show(t)} of ${name} is given twice`, t.start);
          this.pos += 2;
          given[i] = this.parseArg();
          named = true;
        } else {
          if (named) throw this.error('bad_argument', 'positional arguments must come before named ones', t.start);
          given[count] = this.parseArg();
        }
        count++;
        if (this.peek().kind !== ',') break;
        this.pos++;
      }
    }
    this.depth--;
    const close = this.expect(')');
    const args = this.placeArgs(name, nameTok, params, given, count);
    const call: CallExpr = { type: 'call', name, args, index: [], start: nameTok.start, end: close.end };
    this.checkArgs(call, params);
    call.index = this.parseIndexes();
    if (call.index.length) call.end = call.index[call.index.length - 1].end;
    return call;
  }

  private parseArg(): ValueExpr {
    return this.parseValue();
  }

  private placeArgs(name: string, at: Token, params: Param[], given: Array<ValueExpr | undefined>, count: number): ValueExpr[] {
    const required = params.filter((p) => p.default === undefined).length;
    if (count > params.length || given.length > params.length || count < required) {
      const want = required === params.length ? `${params.length}` : `${required} to ${params.length}`;
      throw this.error('bad_arity', `${name} takes ${want} argument${want === '1' ? '' : 's'} but got ${count}`, at.start);
    }
    return params.map((p, i) => {
      const a = given[i];
      if (a) return a;
      if (p.default === undefined) throw this.error('bad_arity', `${name} needs its argument ${JSON.stringify(p.name)}`, at.start);
      return defaultLiteral(p.default, at.start);
    });
  }

  private checkArgs(call: CallExpr, params: Param[]): void {
    params.forEach((p, i) => {
      const arg = call.args[i];
      if (p.kind !== 'events') this.noEvents(arg);
      const want = p.kind === 'pattern' ? 'string' : p.kind;
      if (want === 'string' || want === 'int' || want === 'bool') {
        if (arg.type !== 'literal' || arg.kind !== want) {
          throw this.error('bad_argument', `argument ${i + 1} of ${call.name} must be a${want === 'int' ? 'n' : ''} ${want} literal`, arg.start);
        }
      }
      if (p.kind === 'pattern' && arg.type === 'literal' && arg.kind === 'string') {
        const re = compileRegex(arg.value);
        if (re.ok) return;
        const at = sourceOffsetInString(this.source, arg.start, re.at);
        throw this.error('bad_regex', `invalid regular expression: ${re.reason}`, at);
      }
    });
    FUNCTIONS[call.name].check?.(call.args, (i, reason) => {
      throw this.error('bad_argument', `${call.name}: ${reason}`, call.args[i]?.start ?? call.start);
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
    const r = resolvePath(dotted);
    if (!r) throw this.error('unknown_path', `unknown path ${describeText(dotted)}`, first.start);
    if ('refused' in r) throw this.error('not_span', `${dotted}: ${r.refused}`, first.start);
    const path = r.path;
    const info = PATHS[path];
    const node: PathExpr = { type: 'path', path, index: [], start: first.start, end };
    if (this.peek().kind !== '[') return node;
    if (!info.keyed) throw this.error('unexpected_token', `${dotted} does not take a key`, this.peek().start);
    const [key, ...rest] = this.parseIndexes();
    const k = key.key;
    if (k.type === 'literal' && k.kind === 'string') node.key = k.value;
    else if (k.type === 'literal' || !['string', 'dyn'].includes(typeOf(k))) {
      throw this.error('unexpected_token', `expected a string key but found ${describeText(this.source.slice(k.start, k.end))}`, k.start);
    } else node.keyExpr = k;
    if (info.keyed === 'entries' && rest.length) throw this.error('unexpected_token', `${dotted}["key"] is a string and takes no further key`, rest[0].start);
    node.index = rest;
    node.end = (rest[rest.length - 1] ?? key).end;
    return node;
  }

  private parseIndexes(): IndexExpr[] {
    const out: IndexExpr[] = [];
    while (this.peek().kind === '[') {
      const open = this.next();
      this.enter(open.start);
      const key = this.noEvents(this.parseValue());
      this.depth--;
      const close = this.expect(']');
      const t = typeOf(key);
      if (!['string', 'int', 'dyn'].includes(t)) {
        throw this.error('type_error', `an index must be a string or an int, not ${describe(t)}`, key.start);
      }
      out.push({ key, start: open.start, end: close.end });
    }
    return out;
  }

  protected noEvents(v: ValueExpr): ValueExpr {
    if (v.type === 'path' && (v.path === 'events' || v.path === 'links')) {
      throw this.error('type_error', `${v.path} can only be used as Len(${v.path}); use HasEvent("name") for event names`, v.start);
    }
    return v;
  }

  protected enter(at: number): void {
    if (++this.depth > MAX_DEPTH) throw this.error('too_deep', `nested more than ${MAX_DEPTH} levels`, at);
  }

  protected expect(kind: Token['kind']): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.error('unexpected_token', `expected '${kind}' but found ${show(t)}`, t.start);
    this.pos++;
    return t;
  }

  protected isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text === word;
  }

  private isMath(op: string): boolean {
    const t = this.peek();
    return t.kind === 'math' && t.text === op;
  }

  protected peek(): Token {
    return this.tokens[this.pos];
  }

  protected next(): Token {
    return this.tokens[this.pos++];
  }

  protected text(v: ValueExpr): string {
    return this.source.slice(v.start, v.end);
  }

  protected error(code: ConditionError['code'], detail: string, offset: number): ConditionError {
    return new ConditionError(code, detail, this.source, offset);
  }
}

function defaultLiteral(value: Literal['value'], at: number): LiteralExpr {
  const kind = typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'bool' : 'int';
  return { type: 'literal', kind, value, start: at, end: at } as LiteralExpr;
}

function lit(t: Token, literal: Literal): LiteralExpr {
  return { type: 'literal', ...literal, start: t.start, end: t.end };
}

export function show(t: Token): string {
  return t.kind === 'eof' ? 'end of input' : describeText(t.text);
}

function describe(t: string): string {
  return t === 'dyn' ? 'a value' : t === 'int' ? 'an int' : `a ${t}`;
}
