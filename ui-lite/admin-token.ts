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
