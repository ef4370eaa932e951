// The in-process storage backend (`storage.backend = "memory"`): nothing survives close() or a
// restart. For tests and trials; it passes the same conformance suite as SQLite.
import { scramIterationsOption } from '../shared/credentials.js';
import { StoreOpener, type StoreCatalog, type StoreRecord } from '../shared/store-versions.js';
import type { KeyValueStore, ListStore, Storage, StoreDefinition } from '../types.js';
import { MemoryAccountStore } from './accounts.js';
import { MemoryKeyValueStore } from './key-value.js';
import { MemoryListStore } from './list.js';
import { MemoryOfflineStore } from './offline.js';
import { MemoryRosterStore } from './roster.js';
import { MemoryTables } from './tables.js';

export interface MemoryStorageOptions {
  /** PBKDF2 iterations for newly set passwords (RFC 7677 §4: at least 4096). */
  scramIterations?: number;
}

export async function openMemoryStorage(options: MemoryStorageOptions = {}): Promise<Storage> {
  return new MemoryStorage(new MemoryTables(), scramIterationsOption(options.scramIterations));
}

class MemoryStorage implements Storage {
  readonly accounts: MemoryAccountStore;
  readonly roster: MemoryRosterStore;
  readonly offline: MemoryOfflineStore;
  readonly #tables: MemoryTables;
  readonly #opener: StoreOpener;

  constructor(tables: MemoryTables, scramIterations: number) {
    this.#tables = tables;
    this.accounts = new MemoryAccountStore(tables, scramIterations);
    this.roster = new MemoryRosterStore(tables);
    this.offline = new MemoryOfflineStore(tables);
    this.#opener = new StoreOpener(new MemoryStoreCatalog(tables));
  }

  openKeyValue<V>(definition: StoreDefinition<KeyValueStore<V>>): Promise<KeyValueStore<V>> {
    return this.#opener.open(definition, 'key-value', new MemoryKeyValueStore<V>(definition.name, this.#tables));
  }

  openList<V>(definition: StoreDefinition<ListStore<V>>): Promise<ListStore<V>> {
    return this.#opener.open(definition, 'list', new MemoryListStore<V>(definition.name, this.#tables));
  }

  async close(): Promise<void> {}
}

/** No transactions in memory: a migration that fails halfway leaves what it did (until exit). */
class MemoryStoreCatalog implements StoreCatalog {
  readonly #tables: MemoryTables;

  constructor(tables: MemoryTables) {
    this.#tables = tables;
  }

  async read(name: string): Promise<StoreRecord | undefined> {
    const record = this.#tables.stores.get(name);
    return record === undefined ? undefined : { ...record };
  }

  async write(name: string, record: StoreRecord): Promise<void> {
    this.#tables.stores.set(name, { ...record });
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
}
