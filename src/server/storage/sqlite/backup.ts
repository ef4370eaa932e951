// Backups of the embedded store: one file that is itself a SQLite database. It is taken with
// SQLite's online backup API, which copies a consistent snapshot page by page while the server
// keeps writing (WAL), and it carries the data directory's small secrets beside the tables (the
// upload slot key, a generated TLS pair) so that a restored server signs and serves as before.
// Upload bytes are not in it: they can be large and may live in an object store.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { DEFAULT_SQLITE_FILE_NAME } from './index.js';

/** Data-directory files a backup carries, relative to data_dir. */
export const BACKED_UP_FILES: readonly string[] = ['http_upload.key'];
/** Generated TLS pairs live under tls/, one per domain. */
const TLS_DIR = 'tls';
const TLS_FILE = /^tls\/[A-Za-z0-9._-]+\.(crt|key)$/;
const EXTRAS_TABLE = 'ferry_backup_files';
const MANIFEST_TABLE = 'ferry_backup_manifest';

export interface BackupManifest {
  readonly domain: string;
  readonly ferryVersion: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly schemaVersion: number;
  readonly files: readonly string[];
  readonly accounts: number;
}

export class BackupError extends Error {
  override readonly name = 'BackupError';
}

export function databasePath(dataDir: string): string {
  return join(dataDir, DEFAULT_SQLITE_FILE_NAME);
}

/**
 * Writes a backup of dataDir's database to `target` (via `target.partial`, renamed when complete,
 * so a failed backup never leaves a file that looks whole). Safe while a server runs.
 */
export async function backupDataDir(options: {
  dataDir: string;
  domain: string;
  ferryVersion: string;
  target: string;
}): Promise<BackupManifest> {
  const source = databasePath(options.dataDir);
  if (!existsSync(source)) throw new BackupError(`no database at ${source}: nothing to back up`);
  const partial = `${options.target}.partial`;
  rmSync(partial, { force: true });
  // Created first so that it is never readable by others: it holds the accounts' SCRAM keys.
  writeFileSync(partial, '', { mode: 0o600 });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new BackupError(`backup of ${source} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
  }
  try {
    const manifest = addExtras(partial, options);
    renameSync(partial, options.target);
    return manifest;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

function addExtras(path: string, options: { dataDir: string; domain: string; ferryVersion: string }): BackupManifest {
  const copy = new Database(path);
  try {
    // The copy's journal is a plain rollback journal: a backup is one file, not three.
    copy.pragma('journal_mode = DELETE');
    const files = extraFiles(options.dataDir);
    const manifest: BackupManifest = {
      domain: options.domain,
      ferryVersion: options.ferryVersion,
      createdAt: new Date().toISOString(),
      schemaVersion: schemaVersionOf(copy),
      files: files.map(([name]) => name),
      accounts: (copy.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number }).n,
    };
    copy.exec(`CREATE TABLE ${EXTRAS_TABLE} (name TEXT PRIMARY KEY, content BLOB NOT NULL) STRICT;
      CREATE TABLE ${MANIFEST_TABLE} (manifest TEXT NOT NULL) STRICT;`);
    const insert = copy.prepare(`INSERT INTO ${EXTRAS_TABLE} (name, content) VALUES (?, ?)`);
    copy.transaction(() => {
      for (const [name, content] of files) insert.run(name, content);
      copy.prepare(`INSERT INTO ${MANIFEST_TABLE} (manifest) VALUES (?)`).run(JSON.stringify(manifest));
    })();
    return manifest;
  } finally {
    copy.close();
  }
}

function extraFiles(dataDir: string): [string, Buffer][] {
  const names = [...BACKED_UP_FILES];
  const tls = join(dataDir, TLS_DIR);
  if (existsSync(tls)) {
    for (const name of tlsFileNames(tls)) names.push(`${TLS_DIR}/${name}`);
  }
  return names
    .filter((name) => existsSync(join(dataDir, name)))
    .map((name) => [name, readFileSync(join(dataDir, name))]);
}

/** Only a generated pair's files (domain.crt/.key); nothing nested. */
function tlsFileNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => TLS_FILE.test(`${TLS_DIR}/${name}`))
    .sort();
}

function schemaVersionOf(db: Database.Database): number {
  return (
    (db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null }).version ?? 0
  );
}

/** Reads and checks a backup file without changing anything. */
export function readBackup(path: string): BackupManifest {
  if (!existsSync(path)) throw new BackupError(`no backup file at ${path}`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${path} is not a Ferry backup (${(error as Error).message})`, { cause: error });
  }
  try {
    const check = firstValue(db, 'PRAGMA quick_check');
    if (check !== 'ok') throw new BackupError(`${path} is damaged (integrity check: ${String(check)})`);
    const row = tryGet(db, `SELECT manifest FROM ${MANIFEST_TABLE}`) as { manifest: string } | undefined;
    if (row === undefined) throw new BackupError(`${path} is not a Ferry backup (no backup manifest in it)`);
    const manifest = JSON.parse(row.manifest) as BackupManifest;
    const latest = MIGRATIONS.at(-1)?.version ?? 0;
    if (manifest.schemaVersion > latest) {
      throw new BackupError(
        `${path} was written by a newer Ferry (${manifest.ferryVersion}, schema ${manifest.schemaVersion}; this one knows ${latest}): restore it with that version`,
      );
    }
    return manifest;
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${path} is not a Ferry backup (${(error as Error).message})`, { cause: error });
  } finally {
    db.close();
  }
}

function firstValue(db: Database.Database, sql: string): unknown {
  const row = db.prepare(sql).raw().get() as unknown[] | undefined;
  return row?.[0];
}

function tryGet(db: Database.Database, sql: string): unknown {
  try {
    return db.prepare(sql).get();
  } catch {
    return undefined;
  }
}

export interface RestoreOutcome {
  readonly manifest: BackupManifest;
  /** Where the replaced database and files were kept, when there were any. */
  readonly keptAside: readonly string[];
}

/**
 * Restores a backup into a data directory whose server is stopped. What it replaces is renamed
 * aside (`NAME.before-restore-<time>`), never deleted: a restore loses no data.
 */
export function restoreDataDir(options: { dataDir: string; backup: string; now?: Date }): RestoreOutcome {
  const manifest = readBackup(options.backup);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const keptAside: string[] = [];
  const target = databasePath(options.dataDir);
  const incoming = `${target}.restoring`;
  copyFileSync(options.backup, incoming);
  const files = takeExtras(incoming);
  if (existsSync(target)) {
    foldWal(target);
    keptAside.push(moveAside(target, stamp));
  }
  renameSync(incoming, target);
  for (const [name, content] of files) {
    const path = join(options.dataDir, name);
    if (existsSync(path)) {
      if (readFileSync(path).equals(content)) continue;
      keptAside.push(moveAside(path, stamp));
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode: 0o600 });
  }
  return { manifest, keptAside };
}

/** Removes the backup's own tables from the copy and returns the files they held. */
function takeExtras(path: string): [string, Buffer][] {
  const db = new Database(path);
  try {
    const rows = db.prepare(`SELECT name, content FROM ${EXTRAS_TABLE} ORDER BY name`).all() as {
      name: string;
      content: Buffer;
    }[];
    db.exec(`DROP TABLE ${EXTRAS_TABLE}; DROP TABLE ${MANIFEST_TABLE};`);
    // The restored database runs in WAL, as openSqliteStorage would set it.
    db.pragma('journal_mode = WAL');
    // A hostile backup must not write outside the data directory.
    return rows.filter((row) => isSafeName(row.name)).map((row) => [row.name, row.content]);
  } finally {
    db.close();
  }
}

function isSafeName(name: string): boolean {
  return BACKED_UP_FILES.includes(name) || TLS_FILE.test(name);
}

/** Checkpoints a stopped database's WAL into it, so that moving the main file moves everything. */
function foldWal(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
}

function moveAside(path: string, stamp: string): string {
  const aside = `${path}.before-restore-${stamp}`;
  renameSync(path, aside);
  return aside;
}
