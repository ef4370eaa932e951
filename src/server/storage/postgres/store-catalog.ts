// The store_versions table behind StoreOpener (shared/store-versions.ts).
//
// exclusive() runs the whole open (read the record, migrate, write the record) in one
// transaction holding an advisory lock, so the migration and its version row commit together or
// not at all, and another node opening the same store waits, then finds the new version. The
// store methods a module's migrate() calls join that transaction (database.ts). Opens happen at
// start-up, so one lock for every store costs nothing worth a finer key.
import type { StoreCatalog, StoreRecord, StoreShape } from '../shared/store-versions.js';
import type { PgDatabase } from './database.js';

const STORE_OPEN_LOCK = 0x4665_7272_7902; // "Ferry\x02"

export class PostgresStoreCatalog implements StoreCatalog {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async read(name: string): Promise<StoreRecord | undefined> {
    const { rows } = await this.#db.query<{ shape: StoreShape; version: number }>(
      'SELECT shape, version FROM store_versions WHERE name = $1',
      [name],
    );
    const row = rows[0];
    return row === undefined ? undefined : { shape: row.shape, version: row.version };
  }

  async write(name: string, record: StoreRecord): Promise<void> {
    await this.#db.query(
      `INSERT INTO store_versions (name, shape, version) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET shape = EXCLUDED.shape, version = EXCLUDED.version`,
      [name, record.shape, record.version],
    );
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#db.transaction(async () => {
      await this.#db.query('SELECT pg_advisory_xact_lock($1)', [STORE_OPEN_LOCK]);
      return work();
    });
  }
}
