// Opening a module's store, the same on every backend: the first open records the store's shape
// and version; a later open at a higher version runs the module's migrate() once, through the
// store itself, then records the new version; a store written by a newer module version, or
// opened with the other shape, refuses to open.
import { StorageSchemaError, type StoreDefinition } from '../types.js';

export type StoreShape = 'key-value' | 'list';

export interface StoreRecord {
  shape: StoreShape;
  version: number;
}

/** Where a backend keeps its store records. */
export interface StoreCatalog {
  read(name: string): Promise<StoreRecord | undefined>;
  write(name: string, record: StoreRecord): Promise<void>;
  /**
   * Runs `work` (reading the record, migrating, writing the record) as one unit: a transaction
   * that also holds off other processes, where the backend has one.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Serialises opens within one Storage, so two modules opening stores at once never run two
 * exclusive units (transactions) on one connection, and a store is never migrated twice.
 */
export class StoreOpener {
  readonly #catalog: StoreCatalog;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(catalog: StoreCatalog) {
    this.#catalog = catalog;
  }

  /** Resolves to `store` once its data is at `definition.version`. */
  open<S>(definition: StoreDefinition<S>, shape: StoreShape, store: S): Promise<S> {
    const opened = this.#tail.then(() => this.#catalog.exclusive(() => this.#bringUp(definition, shape, store)));
    this.#tail = opened.catch(() => undefined);
    return opened.then(() => store);
  }

  async #bringUp<S>(definition: StoreDefinition<S>, shape: StoreShape, store: S): Promise<void> {
    const { name } = definition;
    const version = definition.version ?? 1;
    if (typeof name !== 'string' || name === '') throw new TypeError('a store needs a non-empty name');
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new RangeError(`store ${name}: version must be a positive integer, got ${version}`);
    }
    const found = await this.#catalog.read(name);
    if (found === undefined) {
      await this.#catalog.write(name, { shape, version });
      return;
    }
    if (found.shape !== shape) {
      throw new StorageSchemaError(`store ${name} holds ${found.shape} data and cannot be opened as a ${shape} store`);
    }
    if (found.version > version) {
      throw new StorageSchemaError(
        `store ${name} is at version ${found.version}, newer than this Ferry's module supports (${version})`,
      );
    }
    if (found.version === version) return;
    try {
      await definition.migrate?.(store, found.version);
    } catch (error) {
      throw new StorageSchemaError(`store ${name}: migration from version ${found.version} to ${version} failed`, {
        cause: error,
      });
    }
    await this.#catalog.write(name, { shape, version });
  }
}
