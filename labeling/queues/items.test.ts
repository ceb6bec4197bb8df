import { describe, expect, it } from 'vitest';
import { jsonSafe, stringifySafe } from './items.js';

describe('stringifySafe', () => {
  const cases: [string, unknown][] = [
    ['plain messages', { source: 'gen_ai', input: [{ role: 'user', content: 'héllo "there"\n' }], fields: { a: '1' } }],
    ['a bigint deep inside', { fields: { nested: [{ n: 1, big: 2n ** 70n }] } }],
    ['bytes', { fields: { raw: new Uint8Array([0, 255, 7]) } }],
    ['a Buffer (its own toJSON)', { b: Buffer.from('hi') }],
    ['a Date', { at: new Date(0) }],
    ['undefined members and holes', { a: undefined, b: [undefined, 1] }],
    ['nesting past the checked depth, with a bigint at the bottom', nest(80, 5n)],
    ['nesting past the checked depth, plain', nest(80, 'x')],
    ['a top-level bigint', 12345678901234567890n],
    ['an object whose toJSON gives a bigint', { v: { toJSON: () => 7n } }],
    ['many values', { rows: Array.from({ length: 200_000 }, (_, i) => ({ i })) }],
  ];
  for (const [name, v] of cases) {
    it(`writes what JSON.stringify with jsonSafe writes: ${name}`, () => {
      expect(stringifySafe(v)).toBe(JSON.stringify(v, jsonSafe));
    });
  }

  it('refuses a value that refers to itself, as JSON.stringify does, however it branches', () => {
    const a: Record<string, unknown> = {};
    a.x = a;
    a.y = a;
    expect(() => stringifySafe(a)).toThrow(TypeError);
  });

  it('writes bigints as decimal strings and bytes as base64', () => {
    expect(stringifySafe({ n: 2n ** 64n, b: new Uint8Array([1, 2, 3]) })).toBe('{"n":"18446744073709551616","b":"AQID"}');
  });
});

function nest(depth: number, leaf: unknown): unknown {
  let v: unknown = { leaf };
  for (let i = 0; i < depth; i++) v = i % 2 ? { v } : [v];
  return v;
}
