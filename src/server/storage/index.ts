// Storage: synchronous interfaces (see types.ts for why) and the embedded SQLite backend.
export * from './types.js';
export { openSqliteStorage, DEFAULT_SQLITE_FILE_NAME, type SqliteStorageOptions } from './sqlite/index.js';
