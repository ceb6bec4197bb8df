/**
 * Password hashes and API token digests, with node:crypto only.
 *
 * Passwords: scrypt (RFC 7914) with a random 16-byte salt, written as
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64, the passlib layout), so the cost can be
 * raised later without breaking stored hashes. API tokens are random, so a SHA-256 digest
 * is enough to keep them out of the config file.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { PASSWORD_HASH } from '../../config/users.js';

const DEFAULT_LN = 15;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) =>
    // maxmem: scrypt needs 128 * N * r bytes; node's default cap (32 MiB) is just below ln=15, r=8.
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, ln = DEFAULT_LN): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, ln, 8, 1);
  return `$scrypt$ln=${ln},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` hashes to `stored`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PASSWORD_HASH.exec(stored);
  if (!m) return false;
  const [, ln, r, p, salt, hash] = m;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), Number(ln), Number(r), Number(p)).catch(() => undefined);
  return key !== undefined && key.length === expected.length && timingSafeEqual(key, expected);
}

/** A new API token and the digest that goes into `users.<name>.api_tokens`. */
export function newApiToken(): { token: string; digest: string } {
  const token = `sst_${randomBytes(24).toString('base64url')}`;
  return { token, digest: tokenDigest(token) };
}

export function tokenDigest(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/**
 * A hash of a password nobody has, verified when the user name is unknown so that an
 * unknown name takes as long to refuse as a wrong password.
 */
export const DECOY_HASH = '$scrypt$ln=15,r=8,p=1$c3BhbnNpZnQtZGVjb3kh$0yIrw4RrfJxvHBzFqR7YlU7g0D0O3ZyDU4Z7jz2mV4M=';
