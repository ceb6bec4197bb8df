import type { BoolExpr, CompareOp, ValueExpr } from './ast.js';
import { ConditionError, describeText } from './errors.js';
import { ValueParser, show } from './parse-values.js';
import { typeOf } from './types.js';

/**
 * Recursive descent over OTTL's boolean grammar: `or` < `and` < `not` < comparison, with
 * values (math, literals, paths, calls) parsed by ValueParser. A `(` may open a boolean
 * group or a math group (`(end_time - start_time) > Duration("5s")`); the parser tries the
 * first and falls back to the second.
 */
export function parseCondition(source: string): BoolExpr {
  return new Parser(source).parse();
}

class Parser extends ValueParser {
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
      const group = this.tryGroup();
      if (group) return group;
    }
    return this.parseComparison();
  }

  /** A parenthesised condition, unless what follows the `)` shows it was a math group. */
  private tryGroup(): BoolExpr | undefined {
    const at = this.pos;
    const depth = this.depth;
    const open = this.next();
    let inner: BoolExpr;
    try {
      this.enter(open.start);
      inner = this.parseOr();
      this.depth--;
      this.expect(')');
    } catch (e) {
      if (!(e instanceof ConditionError) || e.code === 'too_deep') throw e;
      this.pos = at;
      this.depth = depth;
      try {
        return this.parseComparison();
      } catch (e2) {
        throw e2 instanceof ConditionError && e2.offset > e.offset ? e2 : e;
      }
    }
    const next = this.peek().kind;
    if (next !== 'op' && next !== 'math' && next !== '[') return inner;
    this.pos = at;
    this.depth = depth;
    return undefined;
  }

  private parseComparison(): BoolExpr {
    const left = this.parseValue();
    const op = this.peek();
    if (op.kind === '=') throw this.error('unexpected_char', "unexpected character '='; use '==' to compare", op.start);
    if (op.kind !== 'op') return this.bare(left);
    this.pos++;
    const right = this.parseValue();
    this.noEvents(left);
    this.noEvents(right);
    return { type: 'compare', op: op.text as CompareOp, left, right, start: left.start, end: right.end };
  }

  private bare(value: ValueExpr): BoolExpr {
    const type = typeOf(value);
    if (type === 'bool' || type === 'dyn') {
      this.noEvents(value);
      return { type: 'bare', value, start: value.start, end: value.end };
    }
    const t = this.peek();
    if (t.kind !== 'eof' && t.kind !== ')' && !this.isWord('and') && !this.isWord('or')) {
      throw this.error('unexpected_token', `expected a comparison operator but found ${show(t)}`, t.start);
    }
    const what = value.type === 'literal' ? `a ${value.kind} literal` : `${describeText(this.text(value))} (${type})`;
    throw this.error('type_error', `${what} is not a condition; compare it with ==, !=, <, <=, > or >=`, value.start);
  }
}
