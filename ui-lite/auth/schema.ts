/**
 * DDL for sign-in sessions, so every replica (and a restarted one) knows them. Only a
 * digest of the session id is stored, and a digest of what the user signed in with (a
 * new password ends the sessions of the old one). A sign-out writes a newer row with
 * `revoked = 1`.
 */
import { clustered, engine, onCluster, type SchemaOptions } from '../../collector/storage/schema.js';
import type { Migration } from '../../collector/storage/migrations.js';

export const SESSIONS_TABLE = 'spansift_sessions';

export function sessionsTableDDL(o: SchemaOptions): string[] {
  return clustered(o, SESSIONS_TABLE, (t) => `CREATE TABLE IF NOT EXISTS ${t}${onCluster(o)} (
    id_digest String,
    user String,
    secret String,
    csrf String,
    created_at DateTime64(3),
    expires_at DateTime64(3),
    revoked UInt8,
    updated_at DateTime64(3)
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'updated_at')}
ORDER BY id_digest
TTL toDateTime(expires_at) + INTERVAL 1 DAY`, 'cityHash64(id_digest)');
}

export const SESSION_MIGRATIONS: Migration[] = [{ version: 6, name: 'sign-in sessions', statements: (o) => sessionsTableDDL(o) }];
