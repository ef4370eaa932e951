// The embedded storage backend: one SQLite file in the data directory, via better-sqlite3.
//
// WAL lets readers and one writer work at once, and busy_timeout makes a second process (the
// `ferry adduser` CLI next to a running server) wait for the write lock instead of failing with
// SQLITE_BUSY. Every write is a short IMMEDIATE transaction, so waits stay in the milliseconds.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_SCRAM_ITERATIONS } from '../../auth/scram.js';
import type { Storage } from '../types.js';
import { SqliteAccountStore } from './accounts.js';
import { migrate } from './migrations.js';
import { SqliteOfflineStore } from './offline.js';
import { SqliteRosterStore } from './roster.js';

export interface SqliteStorageOptions {
  dataDir: string;
  /** PBKDF2 iterations for newly set passwords (RFC 7677 §4: at least 4096). */
  scramIterations?: number;
  fileName?: string;
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

export const DEFAULT_SQLITE_FILE_NAME = 'ferry.sqlite';

export function openSqliteStorage(options: SqliteStorageOptions): Storage {
  const scramIterations = options.scramIterations ?? DEFAULT_SCRAM_ITERATIONS;
  // Fail at start-up, not at the first `adduser`.
  if (!Number.isSafeInteger(scramIterations) || scramIterations < 1) {
    throw new RangeError(`scramIterations must be a positive integer, got ${scramIterations}`);
  }
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

  constructor(db: Database.Database, scramIterations: number) {
    this.#db = db;
    this.accounts = new SqliteAccountStore(db, scramIterations);
    this.roster = new SqliteRosterStore(db);
    this.offline = new SqliteOfflineStore(db);
  }

  /** Idempotent, so shutdown paths need not track whether it already ran. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
