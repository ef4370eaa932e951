// Schema migrations for the embedded SQLite store: an ordered, append-only list.
//
// Never edit a migration that has shipped; add the next one. Each runs in its own IMMEDIATE
// transaction together with its schema_version row, so a crash leaves the database at a whole
// version, and two processes opening the same file at once (server + `ferry adduser`) cannot
// both apply it: the second waits for the write lock, then sees the version already recorded.
import type BetterSqlite3 from 'better-sqlite3';
import { StorageSchemaError } from '../types.js';

interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts, SCRAM credentials, roster, offline messages',
    sql: `
      CREATE TABLE accounts (
        username   TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      ) STRICT;

      -- One row per account and hash: the salted keys of RFC 5802 §3, never the password.
      CREATE TABLE scram_credentials (
        username   TEXT NOT NULL,
        hash       TEXT NOT NULL CHECK (hash IN ('SHA-1', 'SHA-256')),
        salt       BLOB NOT NULL,
        iterations INTEGER NOT NULL CHECK (iterations > 0),
        stored_key BLOB NOT NULL,
        server_key BLOB NOT NULL,
        PRIMARY KEY (username, hash)
      ) STRICT;

      CREATE TABLE roster_items (
        username     TEXT NOT NULL,
        jid          TEXT NOT NULL,
        name         TEXT,
        subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
        ask          TEXT CHECK (ask IN ('subscribe')),
        pending_in   INTEGER NOT NULL DEFAULT 0 CHECK (pending_in IN (0, 1)),
        groups_json  TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (username, jid)
      ) STRICT;

      CREATE TABLE roster_versions (
        username TEXT PRIMARY KEY,
        version  INTEGER NOT NULL
      ) STRICT;

      -- A single global counter feeds roster versions, so a deleted and re-created account
      -- never reissues a version some client has cached for the old roster.
      CREATE TABLE roster_version_counter (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO roster_version_counter (id, value) VALUES (1, 0);

      CREATE TABLE offline_messages (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL,
        stanza   TEXT NOT NULL,
        stamp_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX offline_messages_by_user ON offline_messages (username, id);
    `,
  },
  {
    version: 2,
    description: 'module-owned stores: their versions, key-value items and list items (ADR 0005)',
    sql: `
      -- One row per store a module has opened: its shape and the version its data is at.
      CREATE TABLE store_versions (
        name    TEXT PRIMARY KEY,
        shape   TEXT NOT NULL CHECK (shape IN ('key-value', 'list')),
        version INTEGER NOT NULL CHECK (version > 0)
      ) STRICT;

      CREATE TABLE kv_items (
        store      TEXT NOT NULL,
        owner      TEXT NOT NULL,
        key        TEXT NOT NULL,
        value_json TEXT NOT NULL,
        PRIMARY KEY (store, owner, key)
      ) STRICT, WITHOUT ROWID;
      -- Deleting an account deletes what it owns in every store.
      CREATE INDEX kv_items_by_owner ON kv_items (owner);

      -- AUTOINCREMENT: ids only grow and are never reused, so "after id" stays meaningful
      -- once older entries are deleted.
      CREATE TABLE list_items (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        store      TEXT NOT NULL,
        owner      TEXT NOT NULL,
        stamp_ms   INTEGER NOT NULL,
        value_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX list_items_by_store_owner ON list_items (store, owner, id);
      CREATE INDEX list_items_by_stamp ON list_items (store, owner, stamp_ms);
      CREATE INDEX list_items_by_owner ON list_items (owner);
    `,
  },
  {
    version: 3,
    description: 'offline messages: their size in bytes, for the per-account byte cap',
    sql: `
      ALTER TABLE offline_messages ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
      UPDATE offline_messages SET bytes = length(CAST(stanza AS BLOB));
    `,
  },
  {
    version: 4,
    description: 'key-value stores: find an entry by its key alone (an upload by its id)',
    sql: `CREATE INDEX kv_items_by_key ON kv_items (store, key, owner);`,
  },
];

export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const current = db.prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_version');
  const record = db.prepare<[number, number]>('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${index} has version ${migration.version}`);
  });
  const latest = migrations.at(-1)?.version ?? 0;

  const applyNext = db.transaction((migration: Migration): void => {
    // Re-read inside the write lock: another process may have migrated while we waited.
    if ((current.get()?.version ?? 0) >= migration.version) return;
    db.exec(migration.sql);
    record.run(migration.version, Date.now());
  });

  const found = current.get()?.version ?? 0;
  if (found > latest) {
    throw new StorageSchemaError(`database schema version ${found} is newer than this Ferry supports (${latest})`);
  }
  for (const migration of migrations) {
    if (migration.version > found) applyNext.immediate(migration);
  }
  return current.get()?.version ?? 0;
}
