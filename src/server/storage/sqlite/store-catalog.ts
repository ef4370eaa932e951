// The store_versions table behind StoreOpener (shared/store-versions.ts).
//
// exclusive() holds an IMMEDIATE transaction across the module's asynchronous migrate(): the
// whole migration and its version row commit together or not at all, and another process
// opening the same store waits for the lock, then finds the new version. The store methods
// migrate() calls run on this same connection; their own transactions become savepoints.
// Anything else this process writes while a migration runs joins that transaction, which is
// acceptable because modules open their stores during start-up, before any stream is accepted.
import type BetterSqlite3 from 'better-sqlite3';
import type { StoreCatalog, StoreRecord, StoreShape } from '../shared/store-versions.js';

export class SqliteStoreCatalog implements StoreCatalog {
  readonly #db: BetterSqlite3.Database;
  readonly #select: BetterSqlite3.Statement<[string], { shape: StoreShape; version: number }>;
  readonly #upsert: BetterSqlite3.Statement<[string, StoreShape, number]>;

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    this.#select = db.prepare('SELECT shape, version FROM store_versions WHERE name = ?');
    this.#upsert = db.prepare('INSERT OR REPLACE INTO store_versions (name, shape, version) VALUES (?, ?, ?)');
  }

  async read(name: string): Promise<StoreRecord | undefined> {
    const row = this.#select.get(name);
    return row === undefined ? undefined : { shape: row.shape, version: row.version };
  }

  async write(name: string, record: StoreRecord): Promise<void> {
    this.#upsert.run(name, record.shape, record.version);
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
