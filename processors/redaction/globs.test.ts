import { describe, expect, it } from 'vitest';
import { keyMatcher } from './globs.js';

describe('key globs', () => {
  it('match whole keys: * any run (dots included), ? one character, the rest literal', () => {
    const m = keyMatcher(['user.email', 'gen_ai.prompt.*', '*token*', 'k?y', '*.secret']);
    const matched = ['user.email', 'gen_ai.prompt.0.content', 'gen_ai.prompt.', 'token', 'x.access_token.raw', 'key', 'kay', 'db.secret', 'a.b.secret'];
    const not = ['userXemail', 'user.email.x', 'gen_ai.prompts', 'tokn', 'ky', 'keey', 'secret', 'db.secrets'];
    for (const k of matched) expect(m(k), k).toBe(true);
    for (const k of not) expect(m(k), k).toBe(false);
  });

  it('treat regex characters in keys and globs as themselves', () => {
    const m = keyMatcher(['a+b', '(x)*', '[y]']);
    expect([m('a+b'), m('aab'), m('(x)z'), m('xz'), m('[y]'), m('y')]).toEqual([true, false, true, false, true, false]);
  });

  it('with an empty list match nothing', () => {
    expect(keyMatcher([])('anything')).toBe(false);
  });
});
