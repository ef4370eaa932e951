// The schema version of a PostgreSQL database, read without migrating or writing anything: what
// `ferry doctor --server` reports before a server has opened (and upgraded) it.
import type { SchemaVersion } from '../sqlite/schema-version.js';
import { PgDatabase, type PostgresConnectionOptions } from './database.js';
import { LATEST_POSTGRES_SCHEMA } from './migrations.js';

/** Throws StorageConnectError (naming storage.postgres_url, never the password) when it cannot connect. */
export async function readPostgresSchemaVersion(options: PostgresConnectionOptions): Promise<SchemaVersion> {
  const db = new PgDatabase({ ...options, poolSize: 1 });
  try {
    await db.connect();
    const { rows: tables } = await db.query<{ found: string | null }>("SELECT to_regclass('schema_version') AS found");
    if (tables[0]?.found == null) return { found: 0, latest: LATEST_POSTGRES_SCHEMA };
    const { rows } = await db.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_version');
    return { found: rows[0]?.version ?? 0, latest: LATEST_POSTGRES_SCHEMA };
  } finally {
    await db.close();
  }
}
