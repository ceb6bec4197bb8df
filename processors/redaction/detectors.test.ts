import { describe, expect, it } from 'vitest';
import { findApiKeys, findCardNumbers, findEmails, type Detector, type Range } from './detectors.js';

const found = (d: Detector, text: string) => {
  const out: Range[] = [];
  d(text, out);
  return out.map(([s, e]) => text.slice(s, e));
};

describe('e-mail detector', () => {
  it('finds addresses with dots, plus tags and sub-domains, without trailing punctuation', () => {
    expect(found(findEmails, 'write to jane.doe+billing@example.co.uk, or to Bob@Corp-Mail.example.com.')).toEqual(['jane.doe+billing@example.co.uk', 'Bob@Corp-Mail.example.com']);
  });
  it('leaves handles, decorators and domains without a top-level label alone', () => {
    expect(found(findEmails, '@channel, user@localhost, a@b.c, @Component() x@@y.com')).toEqual([]);
  });
});

describe('credit card detector', () => {
  it('finds card numbers whole, spaced or dashed, when their Luhn digit checks out', () => {
    const text = 'visa 4111111111111111, mc 5500 0000 0000 0004, amex 3782-822463-10005, test 4111 1111 1111 1112';
    expect(found(findCardNumbers, text)).toEqual(['4111111111111111', '5500 0000 0000 0004', '3782-822463-10005']);
  });
  it('finds a card inside a longer run of groups (a card then its CVV)', () => {
    expect(found(findCardNumbers, 'pay 4111 1111 1111 1111 123 now')).toEqual(['4111 1111 1111 1111']);
  });
  it('leaves timestamps, ids and numbers of the wrong prefix or length alone', () => {
    // 1700000000000000000 ns and a 16-digit id starting with 1 pass no network's prefix.
    expect(found(findCardNumbers, 'at 1700000000000000000 id 1234567812345670 short 411111111111')).toEqual([]);
  });
});

describe('API key detector', () => {
  it('finds the common formats', () => {
    const keys = [
      'sk-proj-Abcdefghijklmnopqrstuvwx0123',
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'xoxb-123456789012-abcdefghijkl',
      'AIzaSyA1234567890abcdefghijklmnopqrstuv',
      'sk_live_abcdefghijklmnop1234',
      'hf_abcdefghijklmnopqrstuvwxyz0123',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ];
    for (const k of keys) expect(found(findApiKeys, `key: ${k} end`)).toEqual([k]);
  });
  it('masks the credential of an Authorization value and keeps the scheme', () => {
    expect(found(findApiKeys, 'Authorization: Bearer abc.DEF-ghi_jklmnop~/+=')).toEqual(['abc.DEF-ghi_jklmnop~/+=']);
    expect(found(findApiKeys, 'basic dXNlcjpwYXNzd29yZA==')).toEqual(['dXNlcjpwYXNzd29yZA==']);
  });
  it('leaves words that only look like prefixes alone', () => {
    expect(found(findApiKeys, 'task-force, risk-free, the bearer of news, ASKIA, ghp_short')).toEqual([]);
  });
});
