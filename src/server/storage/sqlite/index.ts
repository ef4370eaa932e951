// The embedded storage backend: one SQLite file in the data directory, via better-sqlite3.
//
// WAL lets readers and one writer work at once, and busy_timeout makes a second process (the
// `ferry adduser` CLI next to a running server) wait for the write lock instead of failing with
// SQLITE_BUSY. Every write is a short IMMEDIATE transaction, so waits stay in the milliseconds.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { scramIterationsOption } from '../shared/credentials.js';
import { StoreOpener } from '../shared/store-versions.js';
import type { KeyValueStore, ListStore, Storage, StoreDefinition } from '../types.js';
import { SqliteAccountStore } from './accounts.js';
import { SqliteKeyValueStatements, SqliteKeyValueStore } from './key-value.js';
import { SqliteListStatements, SqliteListStore } from './list.js';
import { migrate } from './migrations.js';
import { SqliteOfflineStore } from './offline.js';
import { SqliteRosterStore } from './roster.js';
import { SqliteStoreCatalog } from './store-catalog.js';

export interface SqliteStorageOptions {
  dataDir: string;
  /** PBKDF2 iterations for newly set passwords (RFC 7677 §4: at least 4096). */
  scramIterations?: number;
  fileName?: string;
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

export const DEFAULT_SQLITE_FILE_NAME = 'ferry.sqlite';

/** Asynchronous like every backend's opener, though better-sqlite3 does its work synchronously. */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
  const scramIterations = scramIterationsOption(options.scramIterations);
  // 0700: the database holds salted password keys; only the server's user should read them.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const path = join(options.dataDir, options.fileName ?? DEFAULT_SQLITE_FILE_NAME);
  const isNew = !existsSync(path);
  const db = new Database(path);
  try {
    // SQLite gives its -wal and -shm files the database file's mode, so this covers them too.
    if (isNew) chmodSync(path, 0o600);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
    // last transactions, an acceptable trade for not fsyncing on every roster push.
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return new SqliteStorage(db, scramIterations);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteStorage implements Storage {
  readonly accounts: SqliteAccountStore;
  readonly roster: SqliteRosterStore;
  readonly offline: SqliteOfflineStore;
  readonly #db: Database.Database;
  readonly #opener: StoreOpener;
  readonly #keyValue: SqliteKeyValueStatements;
  readonly #list: SqliteListStatements;

  constructor(db: Database.Database, scramIterations: number) {
    this.#db = db;
    this.accounts = new SqliteAccountStore(db, scramIterations);
    this.roster = new SqliteRosterStore(db);
    this.offline = new SqliteOfflineStore(db);
    this.#opener = new StoreOpener(new SqliteStoreCatalog(db));
    this.#keyValue = new SqliteKeyValueStatements(db);
    this.#list = new SqliteListStatements(db);
  }

  openKeyValue<V>(definition: StoreDefinition<KeyValueStore<V>>): Promise<KeyValueStore<V>> {
    return this.#opener.open(definition, 'key-value', new SqliteKeyValueStore<V>(definition.name, this.#keyValue));
  }

  openList<V>(definition: StoreDefinition<ListStore<V>>): Promise<ListStore<V>> {
    return this.#opener.open(definition, 'list', new SqliteListStore<V>(definition.name, this.#list));
  }

  /** Idempotent, so shutdown paths need not track whether it already ran. */
  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
