// Storage: the asynchronous contracts (types.ts, ADR 0005) and their backends, chosen by
// `storage.backend` through openStorage.
import { openMemoryStorage } from './memory/index.js';
import { openSqliteStorage } from './sqlite/index.js';
import type { Storage } from './types.js';

export * from './types.js';
export { openSqliteStorage, DEFAULT_SQLITE_FILE_NAME, type SqliteStorageOptions } from './sqlite/index.js';
export { openMemoryStorage, type MemoryStorageOptions } from './memory/index.js';
export { readSchemaVersion, type SchemaVersion } from './sqlite/schema-version.js';

export type StorageBackend = 'sqlite' | 'memory';

export interface StorageOptions {
  backend: StorageBackend;
  /** Where the SQLite file lives; the memory backend ignores it. */
  dataDir: string;
  /** PBKDF2 iterations for newly set passwords; default 4096 (RFC 7677 §4). */
  scramIterations?: number;
}

export function openStorage(options: StorageOptions): Promise<Storage> {
  const { backend, dataDir, scramIterations } = options;
  const common = scramIterations === undefined ? {} : { scramIterations };
  switch (backend) {
    case 'sqlite':
      return openSqliteStorage({ dataDir, ...common });
    case 'memory':
      return openMemoryStorage(common);
    default:
      return Promise.reject(new TypeError(`unknown storage backend ${JSON.stringify(backend satisfies never)}`));
  }
}
