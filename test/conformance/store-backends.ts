// The store-conformance suite's table of backends: every row runs every case of store-cases/.
// Adding a backend (PostgreSQL next) is one more row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage, type Storage } from '../../src/server/storage/index.js';

/** Few PBKDF2 iterations: the cases are about storage, not key-stretching cost. */
export const ITERATIONS = 16;

export interface OpenedBackend {
  storage: Storage;
  /** Closes the storage and removes whatever it left behind. */
  dispose(): Promise<void>;
}

export interface StoreBackend {
  name: string;
  /** A fresh, empty storage per case. */
  open(): Promise<OpenedBackend>;
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

export const STORE_BACKENDS: readonly StoreBackend[] = [
  { name: 'sqlite', open: sqlite },
  { name: 'memory', open: memory },
];
