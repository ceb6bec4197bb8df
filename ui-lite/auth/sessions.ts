/**
 * Sign-in sessions, stored in ClickHouse so that a restart keeps them and every replica
 * knows them. The cookie holds a random id; storage holds only its SHA-256 digest. A
 * lookup is cached for a few seconds: a sign-out ends the session at once on the replica
 * that served it, and within CACHE_MS on the others.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdent } from '../../collector/storage/schema.js';
import { msToDateTime64 } from '../../collector/storage/rows.js';
import { SESSIONS_TABLE } from './schema.js';

export interface Session {
  user: string;
  /** A digest of what the user signed in with (Callers.secretOf). */
  secret: string;
  csrf: string;
  expiresAt: number;
}

const CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

export class SessionStore {
  private readonly table: string;
  private readonly cache = new Map<string, { session: Session | undefined; until: number }>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly now: () => number = Date.now,
  ) {
    this.table = `${quoteIdent(database)}.${quoteIdent(SESSIONS_TABLE)}`;
  }

  /** A new session for `user`; resolves once it is stored. Returns the cookie's id. */
  async create(user: string, ttlMs: number, secret: string): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = { user, secret, csrf: randomBytes(24).toString('base64url'), expiresAt: now + ttlMs };
    await this.write(digest(id), session, now, false);
    this.remember(digest(id), session);
    return { id, session };
  }

  /** The live session of a cookie id, or undefined (unknown, expired or signed out). */
  async get(id: string): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = digest(id);
    const now = this.now();
    const hit = this.cache.get(key);
    let session: Session | undefined;
    if (hit && hit.until > now) session = hit.session;
    else {
      const rs = await this.client.query({
        query: `SELECT user, secret, csrf, toUnixTimestamp64Milli(expires_at) AS expires, revoked FROM ${this.table} FINAL WHERE id_digest = {key:String}`,
        query_params: { key },
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ user: string; secret: string; csrf: string; expires: string; revoked: number }>();
      session = row && !Number(row.revoked) ? { user: row.user, secret: row.secret, csrf: row.csrf, expiresAt: Number(row.expires) } : undefined;
      this.remember(key, session);
    }
    return session && session.expiresAt > now ? session : undefined;
  }

  /** Signs out: the id stops working here at once. */
  async revoke(id: string): Promise<void> {
    const key = digest(id);
    const s = await this.get(id);
    this.remember(key, undefined);
    if (s) await this.write(key, s, this.now(), true);
  }

  private async write(key: string, s: Session, now: number, revoked: boolean): Promise<void> {
    await this.client.insert({
      table: `${this.database}.${SESSIONS_TABLE}`,
      values: [{ id_digest: key, user: s.user, secret: s.secret, csrf: s.csrf, created_at: msToDateTime64(now), expires_at: msToDateTime64(s.expiresAt), revoked: revoked ? 1 : 0, updated_at: msToDateTime64(now) }],
      format: 'JSONEachRow',
    });
  }

  private remember(key: string, session: Session | undefined): void {
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, { session, until: this.now() + CACHE_MS });
  }
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
