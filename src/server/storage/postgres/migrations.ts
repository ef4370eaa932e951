// Schema migrations for the PostgreSQL backend: an ordered, append-only list, the same tables and
// meaning as the SQLite ones (sqlite/migrations.ts) in PostgreSQL's dialect.
//
// Never edit a migration that has shipped; add the next one. All pending migrations run in one
// transaction holding an advisory lock, together with their schema_version rows: DDL is
// transactional here, so a failure leaves the database as it was, and several nodes (or a node
// and `ferry adduser`) starting at once against an empty database migrate it once: the others
// wait for the lock, then find the versions recorded.
//
// Text that is sorted or compared (usernames, JIDs, store owners and keys) is COLLATE "C": code
// point order for UTF-8, whatever locale the database was created with (shared/ordering.ts).
import { StorageSchemaError } from '../types.js';
import type { PgDatabase } from './database.js';

interface Migration {
  version: number;
  description: string;
  sql: string;
}

// Any constant unique to Ferry's schema within a database; pg_advisory_xact_lock takes a bigint.
const MIGRATION_LOCK = 0x4665_7272_7901; // "Ferry\x01"

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts, SCRAM credentials, roster, offline messages, module-owned stores',
    sql: `
      CREATE TABLE accounts (
        username   TEXT COLLATE "C" PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      -- One row per account and hash: the salted keys of RFC 5802 §3, never the password.
      CREATE TABLE scram_credentials (
        username   TEXT COLLATE "C" NOT NULL,
        hash       TEXT NOT NULL CHECK (hash IN ('SHA-1', 'SHA-256')),
        salt       BYTEA NOT NULL,
        iterations INTEGER NOT NULL CHECK (iterations > 0),
        stored_key BYTEA NOT NULL,
        server_key BYTEA NOT NULL,
        PRIMARY KEY (username, hash)
      );

      CREATE TABLE roster_items (
        username     TEXT COLLATE "C" NOT NULL,
        jid          TEXT COLLATE "C" NOT NULL,
        name         TEXT,
        subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
        ask          TEXT CHECK (ask IN ('subscribe')),
        pending_in   BOOLEAN NOT NULL DEFAULT false,
        groups_json  TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (username, jid)
      );

      CREATE TABLE roster_versions (
        username TEXT COLLATE "C" PRIMARY KEY,
        version  BIGINT NOT NULL
      );

      -- One counter for every roster, so a deleted and re-created account never reissues a
      -- version some client has cached for the old roster. A sequence never hands out a value
      -- twice and, unlike a counter row, does not make every roster write in the cluster wait
      -- for one row lock.
      CREATE SEQUENCE roster_version_counter AS BIGINT;

      CREATE TABLE offline_messages (
        id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username TEXT COLLATE "C" NOT NULL,
        stanza   TEXT NOT NULL,
        stamp    TIMESTAMPTZ NOT NULL,
        bytes    INTEGER NOT NULL CHECK (bytes >= 0)
      );
      CREATE INDEX offline_messages_by_user ON offline_messages (username, id);

      -- Module-owned stores (ADR 0005): one row per store a module has opened.
      CREATE TABLE store_versions (
        name    TEXT COLLATE "C" PRIMARY KEY,
        shape   TEXT NOT NULL CHECK (shape IN ('key-value', 'list')),
        version INTEGER NOT NULL CHECK (version > 0)
      );

      -- Values are kept as the JSON text the shared encoder wrote, not as jsonb, which would
      -- reorder object keys and refuse some escapes JSON.stringify produces.
      CREATE TABLE kv_items (
        store      TEXT COLLATE "C" NOT NULL,
        owner      TEXT COLLATE "C" NOT NULL,
        key        TEXT COLLATE "C" NOT NULL,
        value_json TEXT NOT NULL,
        PRIMARY KEY (store, owner, key)
      );
      -- Deleting an account deletes what it owns in every store.
      CREATE INDEX kv_items_by_owner ON kv_items (owner);

      -- Identity ids come from a sequence: they only grow and are never reused, so "after id"
      -- stays meaningful once older entries are deleted.
      CREATE TABLE list_items (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        store      TEXT COLLATE "C" NOT NULL,
        owner      TEXT COLLATE "C" NOT NULL,
        stamp      TIMESTAMPTZ NOT NULL,
        value_json TEXT NOT NULL
      );
      CREATE INDEX list_items_by_store_owner ON list_items (store, owner, id);
      CREATE INDEX list_items_by_stamp ON list_items (store, owner, stamp);
      CREATE INDEX list_items_by_owner ON list_items (owner);
    `,
  },
  {
    version: 2,
    description: 'key-value stores: find an entry by its key alone (an upload by its id)',
    sql: `CREATE INDEX kv_items_by_key ON kv_items (store, key, owner);`,
  },
];

export const LATEST_POSTGRES_SCHEMA = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;

/** Brings the database up to the latest schema; returns the version it is at. */
export async function migratePostgres(
  db: PgDatabase,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<number> {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${index} has version ${migration.version}`);
  });
  const latest = migrations.at(-1)?.version ?? 0;
  return db.transaction(async () => {
    await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const { rows: encoding } = await db.query<{ server_encoding: string }>('SHOW server_encoding');
    if (encoding[0]?.server_encoding !== 'UTF8') {
      throw new StorageSchemaError(
        `the database's encoding is ${encoding[0]?.server_encoding ?? 'unknown'}; Ferry needs UTF8 (CREATE DATABASE … ENCODING 'UTF8')`,
      );
    }
    await db.query(`CREATE TABLE IF NOT EXISTS schema_version (
      version    INTEGER PRIMARY KEY,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const { rows } = await db.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_version');
    const found = rows[0]?.version ?? 0;
    if (found > latest) {
      throw new StorageSchemaError(`database schema version ${found} is newer than this Ferry supports (${latest})`);
    }
    for (const migration of migrations) {
      if (migration.version <= found) continue;
      await db.query(migration.sql);
      await db.query('INSERT INTO schema_version (version) VALUES ($1)', [migration.version]);
    }
    return Math.max(found, latest);
  });
}
