/**
 * The admin token guards the API. It comes from config (`ui.admin_token`, usually
 * `${env:SPANSIFT_ADMIN_TOKEN}`); without one, spansift makes a random token on first
 * start and keeps it in `<data_dir>/admin-token` (mode 0600) so restarts keep it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface AdminToken {
  token: string;
  /** Where the token was found: 'config' or the file's path. */
  source: string;
  created: boolean;
}

export function adminTokenFile(dataDir: string): string {
  return resolve(join(dataDir, 'admin-token'));
}

/**
 * The token a command line client uses to reach the running spansift: the configured one,
 * else the file the server created. Throws when there is neither.
 */
export function readAdminToken(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = adminTokenFile(dataDir);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(`no admin token: ui.admin_token is not set and ${file} cannot be read (${(e as Error).message}); start spansift once with this config, or set ui.admin_token`);
  }
  if (!token) throw new Error(`no admin token: ui.admin_token is not set and ${file} is empty`);
  return token;
}

/** The server's token: the configured one, else the file's, else a new one written to the file. */
export function resolveAdminToken(configured: string | undefined, dataDir: string): AdminToken {
  if (configured) return { token: configured, source: 'config', created: false };
  const file = adminTokenFile(dataDir);
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, source: file, created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `ss_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, source: file, created: true };
}
