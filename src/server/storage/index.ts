// Storage: the asynchronous contracts (types.ts, ADR 0005) and their backends, chosen by
// `storage.backend` through openStorage.
import { openMemoryStorage } from './memory/index.js';
import { openPostgresStorage } from './postgres/index.js';
import { openSqliteStorage } from './sqlite/index.js';
import type { Storage } from './types.js';

export * from './types.js';
export { openSqliteStorage, DEFAULT_SQLITE_FILE_NAME, type SqliteStorageOptions } from './sqlite/index.js';
export { openMemoryStorage, type MemoryStorageOptions } from './memory/index.js';
export { openPostgresStorage, type PostgresStorageOptions } from './postgres/index.js';
export { StorageConnectError, describeUrl as describePostgresUrl } from './postgres/errors.js';
export { readSchemaVersion, type SchemaVersion } from './sqlite/schema-version.js';

export type StorageBackend = 'sqlite' | 'memory' | 'postgres';

export interface PostgresOptions {
  /** `storage.postgres_url`. */
  url: string;
  /** `storage.postgres_pool_size`. */
  poolSize?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export interface StorageOptions {
  backend: StorageBackend;
  /** Where the SQLite file lives; the other backends ignore it. */
  dataDir: string;
  /** PBKDF2 iterations for newly set passwords; default 4096 (RFC 7677 §4). */
  scramIterations?: number;
  /** Required when `backend` is "postgres". */
  postgres?: PostgresOptions;
  /** Errors the backend recovers from by itself (a pooled connection lost while idle), for the log. */
  onBackgroundError?: (error: Error) => void;
}

/** The parts of the server's config (core/config.ts) that choose and tune storage. */
export interface StorageConfig {
  data_dir: string;
  scram_iterations: number;
  storage: {
    backend: StorageBackend;
    postgres_url?: string | undefined;
    postgres_pool_size: number;
    postgres_connect_timeout_seconds: number;
    postgres_statement_timeout_seconds: number;
  };
}

/** openStorage's options from the config: the one place the server and the CLI both read them. */
export function storageOptions(config: StorageConfig): StorageOptions {
  const { storage } = config;
  const options: StorageOptions = {
    backend: storage.backend,
    dataDir: config.data_dir,
    scramIterations: config.scram_iterations,
  };
  if (storage.postgres_url !== undefined) {
    options.postgres = {
      url: storage.postgres_url,
      poolSize: storage.postgres_pool_size,
      connectTimeoutMs: storage.postgres_connect_timeout_seconds * 1000,
      statementTimeoutMs: storage.postgres_statement_timeout_seconds * 1000,
    };
  }
  return options;
}

export function openStorage(options: StorageOptions): Promise<Storage> {
  const { backend, dataDir, scramIterations } = options;
  const common = scramIterations === undefined ? {} : { scramIterations };
  switch (backend) {
    case 'sqlite':
      return openSqliteStorage({ dataDir, ...common });
    case 'memory':
      return openMemoryStorage(common);
    case 'postgres': {
      // The config refuses this first, naming the key; this is for library callers.
      if (options.postgres === undefined) {
        return Promise.reject(new TypeError('storage.postgres_url is required when storage.backend is "postgres"'));
      }
      const onIdleError = options.onBackgroundError;
      return openPostgresStorage({ ...options.postgres, ...common, ...(onIdleError ? { onIdleError } : {}) });
    }
    default:
      return Promise.reject(new TypeError(`unknown storage backend ${JSON.stringify(backend satisfies never)}`));
  }
}
