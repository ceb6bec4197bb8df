import { describe, expect, it } from 'vitest';
import { compileCondition, parseCondition, pathReader, pathValue, requiredEqualities } from './index.js';
import { makeSpan } from '../../tests/support/condition.js';

const req = (src: string) => requiredEqualities(parseCondition(src));

describe('requiredEqualities', () => {
  it('takes equalities from the top-level conjunction', () => {
    expect(req('attributes["gen_ai.request.model"] == "gpt-4o" and duration > 5s')).toEqual([
      { path: 'attributes', key: 'gen_ai.request.model', value: 'gpt-4o' },
    ]);
    expect(req('"prod" == resource.attributes["env"] and (kind == SPAN_KIND_SERVER and name == "x")')).toEqual([
      { path: 'resource.attributes', key: 'env', value: 'prod' },
      { path: 'kind', value: 2 },
      { path: 'name', value: 'x' },
    ]);
    expect(req('attributes["cached"] and attributes["n"] == 5.0')).toEqual([
      { path: 'attributes', key: 'cached', value: true },
      { path: 'attributes', key: 'n', value: 5 },
    ]);
  });

  it('requires nothing under or/not, for nil, or for non-equalities', () => {
    expect(req('name == "a" or name == "b"')).toEqual([]);
    expect(req('not (name == "a")')).toEqual([]);
    expect(req('attributes["x"] == nil and name != "a" and duration >= 1s')).toEqual([]);
    expect(req('IsMatch(name, "a") and Len(events) == 2 and attributes["a"] == attributes["b"]')).toEqual([]);
    expect(req('name == "a" and (name == "b" or kind == 1)')).toEqual([{ path: 'name', value: 'a' }]);
  });

  it('uses the same value types as the span, so Map lookups work', () => {
    const [eq] = req('duration == 5s');
    expect(eq).toEqual({ path: 'duration', value: 5_000_000_000n });
    const span = makeSpan({ duration: 5_000_000_000n, attrs: { big: 9007199254740993n, n: 5 } });
    expect(pathValue(span, eq)).toBe(eq.value);
    const [big] = req('attributes["big"] == 9007199254740993');
    expect(pathReader(big)(span)).toBe(big.value);
    const [n] = req('attributes["n"] == 5.0');
    expect(new Map([[n.value, 'rule']]).get(pathValue(span, n) as number)).toBe('rule');
  });

  it('is sound: a span that fails a required equality never matches', () => {
    const conds = ['attributes["m"] == "a" and duration > 1ns', 'kind == 3 and attributes["c"]', 'name == "x" and true'];
    const spans = [
      makeSpan({ attrs: { m: 'a', c: true } }),
      makeSpan({ name: 'x', kind: 2, attrs: { m: 'b', c: false } }),
      makeSpan({ kind: 3, attrs: { c: 'true' } }),
    ];
    for (const c of conds) {
      const { match, required } = compileCondition(c);
      for (const s of spans) {
        const candidate = required.every((eq) => pathValue(s, eq) === eq.value);
        if (!candidate) expect(match(s), `${c}`).toBe(false);
      }
    }
  });
});

describe('compileCondition', () => {
  it('returns the ast, all literals in order, and typed params', () => {
    const c = compileCondition('attributes["k"] == "v" and duration > 1.5s and kind != 2 or attributes["t"] < 0.5 or IsMatch(name, "x")');
    expect(c.literals.map((l) => l.value)).toEqual(['v', 1_500_000_000, 2, 0.5, 'x']);
    expect(c.ast.type).toBe('or');
    expect(c.sql.sql).toContain('{p1:String}');
    expect(c.sql.sql).toContain('{p2:Int64}');
    expect(c.sql.sql).toContain('{p5:Float64}');
    expect(c.sql.params).toEqual({ p0: 'k', p1: 'v', p2: '1500000000', p3: 'Server', p4: 't', p5: '0.5', p6: 'x' });
  });

  it('never puts literal text into SQL, whatever the literal', () => {
    const shapes = (v: string) =>
      `attributes[${v}] > ${v} or IsMatch(attributes[${v}], "^x") or HasPrefix(attributes["fixed"], ${v}) or HasEvent(${v}) or String(kind) == ${v}`;
    const reference = compileCondition(shapes('"a"')).sql.sql;
    for (const h of [`"'; DROP TABLE x; --"`, `"\\\\'\\""`, `"{p0:String}"`, `"😀\\n"`]) {
      expect(compileCondition(shapes(h)).sql.sql).toBe(reference);
    }
  });

  it('rejects a bad parameter prefix', () => {
    expect(() => compileCondition('true', { paramPrefix: 'x}; DROP' })).toThrow(/prefix/);
  });
});
