import { createHash } from 'node:crypto';
import { strictString } from '../convert.js';
import { onString, strictString as strictStringSql } from '../sql-convert.js';
import { quoteString } from '../../../collector/storage/schema.js';
import { OPAQUE, orErr, typed } from '../sql-model.js';
import { fail, kindOf } from '../values.js';
import { literalString, type FunctionDef } from './define.js';

/** Hashes and encodings of strings. */
function digest(algorithm: string, sqlFn: string): FunctionDef {
  return {
    params: [{ name: 'value', kind: 'value' }],
    returns: 'string',
    errors: true,
    closure: ([v]) => (s) => createHash(algorithm).update(strictString(v.get(s)), 'utf8').digest('hex'),
    sql: ([v]) => onString(v, 'string', (x) => `lower(hex(${sqlFn}(${x})))`),
  };
}

const FNV_OFFSET = 14695981039346656037n;
const FNV_PRIME = 1099511628211n;
const U64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bits, as a signed int64 (Go's int64(fnv.New64a().Sum64())). */
function fnv1a(s: string): bigint | number {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(s, 'utf8')) h = ((h ^ BigInt(b)) * FNV_PRIME) & U64;
  const v = BigInt.asIntN(64, h);
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

const VARIANTS = ['base64', 'base64-raw', 'base64-url', 'base64-raw-url'];

const BASE64_FORMS: Record<string, RegExp> = {
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  'base64-raw': /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2,3})?$/,
  'base64-url': /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/,
  'base64-raw-url': /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/,
};

/** Go's encoding/base64 decoding (which skips \r and \n), undefined for text it refuses. */
function decodeBase64(text: string, variant: string): Buffer | undefined {
  const t = text.replace(/[\r\n]/g, '');
  if (!BASE64_FORMS[variant].test(t)) return undefined;
  return Buffer.from(t, variant.endsWith('url') ? 'base64url' : 'base64');
}

function encodeBase64(s: string, variant: string): string {
  const b = Buffer.from(s, 'utf8');
  const url = variant.endsWith('url');
  let out = b.toString(url ? 'base64url' : 'base64');
  if (url && !variant.includes('raw')) out += '='.repeat((4 - (out.length % 4)) % 4);
  if (!url && variant.includes('raw')) out = out.replace(/=+$/, '');
  return out;
}

function decodeBase64Sql(s: string, variant: string): { sql: string; bad: string } {
  const clean = `replaceRegexpAll(${s}, '[\\r\\n]', '')`;
  const form = quoteString(BASE64_FORMS[variant].source);
  const url = variant.endsWith('url');
  const padded = `concat(${clean}, repeat('=', (4 - length(${clean}) % 4) % 4))`;
  return { sql: url ? `tryBase64URLDecode(trimRight(${clean}, '='))` : `tryBase64Decode(${padded})`, bad: `NOT match(${clean}, ${form})` };
}

function checkEncoding(encoding: string): boolean {
  if (VARIANTS.includes(encoding)) return true;
  try {
    new TextDecoder(encoding);
    return true;
  } catch {
    return false;
  }
}

export const HASH_FUNCTIONS: Record<string, FunctionDef> = {
  MD5: digest('md5', 'MD5'),
  SHA1: digest('sha1', 'SHA1'),
  SHA256: digest('sha256', 'SHA256'),
  SHA512: digest('sha512', 'SHA512'),
  FNV: {
    params: [{ name: 'value', kind: 'value' }],
    returns: 'int',
    errors: true,
    closure: ([v]) => (s) => fnv1a(strictString(v.get(s))),
    sql: ([v]) =>
      onString(v, 'int', (x) => {
        const bytes = `arrayMap(i -> reinterpretAsUInt8(substring(${x}, i, 1)), range(1, length(${x}) + 1))`;
        return `reinterpretAsInt64(arrayFold((acc, b) -> bitXor(acc, toUInt64(b)) * toUInt64(1099511628211), ${bytes}, toUInt64(14695981039346656037)))`;
      }),
  },
  Base64Encode: {
    params: [{ name: 'value', kind: 'value' }, { name: 'variant', kind: 'string', default: 'base64' }],
    returns: 'string',
    errors: true,
    check: (args, bad) => {
      const v = args[1]?.type === 'literal' ? args[1].value : 'base64';
      if (typeof v !== 'string' || !VARIANTS.includes(v)) bad(1, `unknown base64 variant ${JSON.stringify(v)}: use ${VARIANTS.join(', ')}`);
    },
    closure: ([v], call) => {
      const variant = literalString(call, 1);
      return (s) => encodeBase64(strictString(v.get(s)), variant);
    },
    sql: ([v], call) => {
      const variant = literalString(call, 1);
      return onString(v, 'string', (x) => {
        if (variant === 'base64') return `base64Encode(${x})`;
        if (variant === 'base64-raw') return `trimRight(base64Encode(${x}), '=')`;
        const url = `base64URLEncode(${x})`;
        return variant === 'base64-url' ? `concat(${url}, repeat('=', (4 - length(${url}) % 4) % 4))` : url;
      });
    },
  },
  Base64Decode: {
    params: [{ name: 'value', kind: 'value' }],
    returns: 'string',
    errors: true,
    closure: ([v]) => (s) => {
      const b = decodeBase64(strictString(v.get(s)), 'base64');
      return b ? b.toString('utf8') : fail();
    },
    sql: ([v]) => {
      const s = strictStringSql(v);
      if (s.k === 'opaque') return OPAQUE;
      const d = decodeBase64Sql(s.sql, 'base64');
      return typed('string', d.sql, false, orErr(s.err, d.bad));
    },
  },
  Decode: {
    params: [{ name: 'value', kind: 'value' }, { name: 'encoding', kind: 'string' }],
    returns: 'string',
    errors: true,
    check: (args, bad) => {
      const e = args[1]?.type === 'literal' ? args[1].value : undefined;
      if (typeof e !== 'string' || !checkEncoding(e)) bad(1, `unknown encoding ${JSON.stringify(e)}`);
    },
    closure: ([v], call) => {
      const encoding = literalString(call, 1);
      if (VARIANTS.includes(encoding)) {
        return (s) => {
          const x = v.get(s);
          const text = kindOf(x) === 'bytes' ? Buffer.from(x as Uint8Array).toString('latin1') : strictString(x);
          const b = decodeBase64(text, encoding);
          return b ? b.toString('utf8') : fail();
        };
      }
      const decoder = new TextDecoder(encoding);
      return (s) => {
        const x = v.get(s);
        return decoder.decode(kindOf(x) === 'bytes' ? (x as Uint8Array) : Buffer.from(strictString(x), 'utf8'));
      };
    },
    sql: ([v], call) => {
      const encoding = literalString(call, 1);
      if (!VARIANTS.includes(encoding)) return OPAQUE;
      const s = strictStringSql(v);
      if (s.k === 'opaque') return OPAQUE;
      const d = decodeBase64Sql(s.sql, encoding);
      return typed('string', d.sql, false, orErr(s.err, d.bad));
    },
  },
};
