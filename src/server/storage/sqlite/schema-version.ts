// The schema version of an SQLite data file, read without migrating or writing anything: what
// `ferry doctor --server` reports before a server has opened (and upgraded) the file.
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export interface SchemaVersion {
  /** What the file holds; 0 for a file without Ferry's schema_version table. */
  found: number;
  /** What this Ferry writes. */
  latest: number;
}

/** Throws what better-sqlite3 throws for a file that is not an SQLite database or cannot be read. */
export function readSchemaVersion(path: string): SchemaVersion {
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
      .get();
    if (!table) return { found: 0, latest };
    const row = db.prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_version').get();
    return { found: row?.version ?? 0, latest };
  } finally {
    db.close();
  }
}
