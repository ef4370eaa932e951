// The networked storage backend (`storage.backend = "postgres"`): one PostgreSQL database that
// several Ferry processes share, the first step towards running Ferry as a cluster.
//
// Where SQLite relied on its single writer, this backend uses transactions, row locks and
// advisory locks (accounts.ts, roster.ts, serialised-append.ts, store-catalog.ts), so nodes and
// the CLI can write at once. Every wait is bounded: connecting by the connect timeout, every
// statement (and lock wait) by the statement timeout.
import { scramIterationsOption } from '../shared/credentials.js';
import { StoreOpener } from '../shared/store-versions.js';
import {
  StorageSchemaError,
  type KeyValueStore,
  type ListStore,
  type Storage,
  type StoreDefinition,
} from '../types.js';
import { PostgresAccountStore } from './accounts.js';
import { PgDatabase, type PostgresConnectionOptions } from './database.js';
import { PostgresKeyValueStore } from './key-value.js';
import { PostgresListStore } from './list.js';
import { migratePostgres } from './migrations.js';
import { PostgresOfflineStore } from './offline.js';
import { PostgresRosterStore } from './roster.js';
import { PostgresStoreCatalog } from './store-catalog.js';

export interface PostgresStorageOptions extends PostgresConnectionOptions {
  /** PBKDF2 iterations for newly set passwords (RFC 7677 §4: at least 4096). */
  scramIterations?: number;
}

/** Connects, migrates the schema (once, whoever starts first), and hands out the stores. */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const scramIterations = scramIterationsOption(options.scramIterations);
  const db = new PgDatabase(options);
  try {
    await db.connect();
    await migratePostgres(db).catch((error: unknown) => {
      // Ferry's own errors (a newer schema, a timeout naming its key) already say what to fix.
      if (String((error as { code?: unknown } | null)?.code).startsWith('FERRY_ERR_')) throw error;
      // Permissions, a lock held too long by another node: name the database, not just the SQL.
      const reason = error instanceof Error ? error.message : String(error);
      throw new StorageSchemaError(`${db.description}: cannot bring the schema up to date: ${reason}`, {
        cause: error,
      });
    });
    return new PostgresStorage(db, scramIterations);
  } catch (error) {
    await db.close();
    throw error;
  }
}

class PostgresStorage implements Storage {
  readonly accounts: PostgresAccountStore;
  readonly roster: PostgresRosterStore;
  readonly offline: PostgresOfflineStore;
  readonly #db: PgDatabase;
  readonly #opener: StoreOpener;

  constructor(db: PgDatabase, scramIterations: number) {
    this.#db = db;
    this.accounts = new PostgresAccountStore(db, scramIterations);
    this.roster = new PostgresRosterStore(db);
    this.offline = new PostgresOfflineStore(db);
    this.#opener = new StoreOpener(new PostgresStoreCatalog(db));
  }

  openKeyValue<V>(definition: StoreDefinition<KeyValueStore<V>>): Promise<KeyValueStore<V>> {
    return this.#opener.open(definition, 'key-value', new PostgresKeyValueStore<V>(this.#db, definition.name));
  }

  openList<V>(definition: StoreDefinition<ListStore<V>>): Promise<ListStore<V>> {
    return this.#opener.open(definition, 'list', new PostgresListStore<V>(this.#db, definition.name));
  }

  /** Idempotent, so shutdown paths need not track whether it already ran. */
  close(): Promise<void> {
    return this.#db.close();
  }
}
