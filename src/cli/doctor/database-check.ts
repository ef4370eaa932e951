// `ferry doctor --server`'s database check: the store the config names, opened without writing
// (SQLite read-only; PostgreSQL with one connection and two SELECTs), and its schema version
// against the one this Ferry writes.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../server/core/config.js';
import {
  DEFAULT_SQLITE_FILE_NAME,
  describePostgresUrl,
  readSchemaVersion,
  storageOptions,
  type SchemaVersion,
} from '../../server/storage/index.js';
import { readPostgresSchemaVersion } from '../../server/storage/postgres/schema-version.js';
import type { ServerDoctorState } from './server-state.js';
import { describe, fail, pass, type Check, type Verdict } from './runner.js';

export const databaseCheck: Check<ServerDoctorState> = {
  name: 'database',
  needs: ['config'],
  async run(state) {
    const config = state.config!;
    switch (config.storage.backend) {
      case 'memory':
        return pass('storage.backend = "memory": nothing is stored');
      case 'postgres':
        return postgresVerdict(config);
      case 'sqlite':
        return sqliteVerdict(config);
    }
  },
};

function sqliteVerdict(config: Config): Verdict {
  const path = resolve(config.data_dir, DEFAULT_SQLITE_FILE_NAME);
  if (!existsSync(path)) return pass(`${path} does not exist yet; the server creates it at first start`);
  try {
    return versionVerdict(path, readSchemaVersion(path));
  } catch (error) {
    return fail(
      `${path} cannot be opened: ${describe(error)}`,
      'restore it from a backup, or move it away to start with an empty database (accounts are lost)',
    );
  }
}

async function postgresVerdict(config: Config): Promise<Verdict> {
  const postgres = storageOptions(config).postgres;
  if (postgres === undefined)
    return fail('storage.backend = "postgres" without storage.postgres_url', 'set storage.postgres_url');
  try {
    const version = await readPostgresSchemaVersion(postgres);
    const where = `PostgreSQL ${describePostgresUrl(postgres.url)}`;
    if (version.found === 0) return pass(`${where} has no Ferry schema yet; the server creates it at first start`);
    return versionVerdict(where, version);
  } catch (error) {
    // The storage errors name storage.postgres_url and leave the password out.
    return fail(describe(error), 'check storage.postgres_url, that PostgreSQL runs and accepts this user');
  }
}

function versionVerdict(where: string, version: SchemaVersion): Verdict {
  if (version.found > version.latest)
    return fail(
      `${where} is at schema version ${version.found}, newer than this Ferry knows (${version.latest})`,
      'run the Ferry version that wrote it, or restore a backup made before the upgrade',
    );
  if (version.found < version.latest)
    return pass(`${where}: schema version ${version.found}; the server migrates it to ${version.latest} at start`);
  return pass(`${where}: schema version ${version.found} (current)`);
}
