/**
 * The built-in detectors of `mask_values`: each finds the stretches of a text to mask, as
 * [start, end) ranges. Span values are untrusted and can be megabytes long, so every
 * detector runs in time linear in the text: e-mails are found from each `@` outwards,
 * card numbers from runs of digits, API keys with patterns that start with a fixed prefix
 * and loop over a single character class (nothing for V8's backtracking to revisit).
 */
import type { BuiltinDetector } from '../../config/redaction.js';

export type Range = [start: number, end: number];
export type Detector = (text: string, out: Range[]) => void;

const LOCAL = /[A-Za-z0-9._%+'-]/;
const DOMAIN = /[A-Za-z0-9.-]/;

/** `local@domain.tld`: the local part and a domain of at least two labels, the last alphabetic. */
export function findEmails(text: string, out: Range[]): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > 0 && LOCAL.test(text[start - 1])) start--;
    let end = at + 1;
    while (end < text.length && DOMAIN.test(text[end])) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    while (start < at && text[start] === '.') start++;
    const domain = text.slice(at + 1, end);
    const dot = domain.lastIndexOf('.');
    if (start < at && dot > 0 && /^[A-Za-z]{2,}$/.test(domain.slice(dot + 1)) && !domain.includes('..')) out.push([start, end]);
    at = text.indexOf('@', end > at ? end : at + 1);
  }
}

/** Runs of 13 or more digits, single spaces or dashes allowed between them. */
const DIGIT_RUN = /\d(?:[ -]?\d){12,}/g;

/** The issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro). */
const CARD_PREFIX = /^(?:4|5[0-8]|2[2-7]|3[0-9]|6)/;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Card numbers: 13 to 19 digits, written whole or in groups, with a network's prefix and a
 * valid Luhn check digit. Within a longer run of groups (a card followed by its CVV, a
 * phone number before it) every stretch of whole groups is tried, so the card is still found.
 */
export function findCardNumbers(text: string, out: Range[]): void {
  DIGIT_RUN.lastIndex = 0;
  for (let m = DIGIT_RUN.exec(text); m; m = DIGIT_RUN.exec(text)) {
    const groups: { start: number; digits: string }[] = [];
    const re = /\d+/g;
    for (let g = re.exec(m[0]); g; g = re.exec(m[0])) groups.push({ start: m.index + g.index, digits: g[0] });
    for (let i = 0; i < groups.length; i++) {
      let digits = '';
      for (let j = i; j < groups.length; j++) {
        digits += groups[j].digits;
        if (digits.length > 19) break;
        if (digits.length >= 13 && CARD_PREFIX.test(digits) && luhn(digits)) {
          out.push([groups[i].start, groups[j].start + groups[j].digits.length]);
          i = j;
          break;
        }
      }
    }
  }
}

/**
 * Keys of the common providers, whole: OpenAI and Anthropic (`sk-...`), AWS access key ids,
 * GitHub tokens, Slack tokens, Google API keys, Stripe keys, Hugging Face tokens and JWTs.
 */
const KEY_FORMATS = new RegExp(
  [
    'sk-[A-Za-z0-9_-]{20,}',
    '(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}',
    'gh[pousr]_[A-Za-z0-9]{30,}',
    'github_pat_[A-Za-z0-9_]{30,}',
    'xox[abposr]-[A-Za-z0-9-]{10,}',
    'AIza[A-Za-z0-9_-]{35}',
    '(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}',
    'hf_[A-Za-z0-9]{30,}',
    'eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}',
  ]
    // Only where a token starts: inside a run of token characters no start is tried again,
    // which keeps a hostile run such as `eyJeyJeyJ...` linear.
    .map((p) => `(?<![A-Za-z0-9_-])${p}`)
    .join('|'),
  'g',
);

/** The credential of an HTTP Authorization value (`Bearer <token>`, `Basic <base64>`); the scheme stays. */
const AUTH_SCHEMES = /\b(?:Bearer|Basic|Token)\s+([A-Za-z0-9._~+/-]{12,}=*)/gi;

export function findApiKeys(text: string, out: Range[]): void {
  KEY_FORMATS.lastIndex = 0;
  for (let m = KEY_FORMATS.exec(text); m; m = KEY_FORMATS.exec(text)) out.push([m.index, m.index + m[0].length]);
  AUTH_SCHEMES.lastIndex = 0;
  for (let m = AUTH_SCHEMES.exec(text); m; m = AUTH_SCHEMES.exec(text)) {
    const end = m.index + m[0].length;
    out.push([end - m[1].length, end]);
  }
}

export const DETECTORS: Record<BuiltinDetector, Detector> = {
  email: findEmails,
  credit_card: findCardNumbers,
  api_key: findApiKeys,
};
