// The store-conformance suite's table of backends: every row runs every case of store-cases/.
// Adding a backend is one more row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage, type Storage } from '../../src/server/storage/index.js';
import { postgresSkipReason, startPostgres, type PostgresInstance } from '../helpers/postgres.js';

/** Few PBKDF2 iterations: the cases are about storage, not key-stretching cost. */
export const ITERATIONS = 16;

export interface OpenedBackend {
  storage: Storage;
  /** Closes the storage and removes whatever it left behind. */
  dispose(): Promise<void>;
}

export interface StoreBackend {
  name: string;
  /** Why this backend cannot run here (a server not installed); its cases are then skipped. */
  skip?: string | undefined;
  /** A fresh, empty storage per case. */
  open(): Promise<OpenedBackend>;
  /** After the last case: stops whatever open() started once for all of them. */
  close?(): Promise<void>;
}

export interface StoreCase {
  name: string;
  run(storage: Storage): Promise<void>;
}

async function sqlite(): Promise<OpenedBackend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-store-conformance-'));
  const storage = await openStorage({ backend: 'sqlite', dataDir, scramIterations: ITERATIONS });
  return {
    storage,
    async dispose() {
      await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function memory(): Promise<OpenedBackend> {
  const storage = await openStorage({ backend: 'memory', dataDir: '', scramIterations: ITERATIONS });
  return { storage, dispose: () => storage.close() };
}

// One PostgreSQL server for every case, started by the first; each case gets its own database.
let server: Promise<PostgresInstance> | undefined;

async function postgres(): Promise<OpenedBackend> {
  server ??= startPostgres();
  const instance = await server;
  const database = await instance.createDatabase();
  const storage = await openStorage({
    backend: 'postgres',
    dataDir: '',
    scramIterations: ITERATIONS,
    postgres: { url: instance.url(database), poolSize: 4 },
  });
  return {
    storage,
    async dispose() {
      await storage.close();
      await instance.dropDatabase(database);
    },
  };
}

async function stopPostgres(): Promise<void> {
  const started = server;
  server = undefined;
  if (started) await (await started).stop();
}

export const STORE_BACKENDS: readonly StoreBackend[] = [
  { name: 'sqlite', open: sqlite },
  { name: 'memory', open: memory },
  { name: 'postgres', skip: postgresSkipReason(), open: postgres, close: stopPostgres },
];
