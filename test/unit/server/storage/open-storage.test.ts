// openStorage: the backend named by `storage.backend`, and what the memory backend does not share.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMemoryStorage, openStorage } from '../../../../src/server/storage/index.js';

describe('openStorage', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-open-storage-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('opens the SQLite file in dataDir for backend "sqlite"', async () => {
    const storage = await openStorage({ backend: 'sqlite', dataDir: join(root, 'data'), scramIterations: 16 });
    await storage.accounts.create('alice', 'pencil');
    await storage.close();
    assert.ok(existsSync(join(root, 'data', 'ferry.sqlite')));
  });

  it('touches no disk for backend "memory"', async () => {
    const storage = await openStorage({ backend: 'memory', dataDir: join(root, 'data'), scramIterations: 16 });
    await storage.accounts.create('alice', 'pencil');
    await storage.close();
    assert.equal(existsSync(join(root, 'data')), false);
  });

  it('rejects an unknown backend and a non-positive scramIterations', async () => {
    await assert.rejects(openStorage({ backend: 'postgres' as never, dataDir: root }), TypeError);
    await assert.rejects(openStorage({ backend: 'memory', dataDir: root, scramIterations: 0 }), RangeError);
  });
});

describe('memory storage', () => {
  it('shares nothing between two instances', async () => {
    const one = await openMemoryStorage({ scramIterations: 16 });
    const two = await openMemoryStorage({ scramIterations: 16 });
    await one.accounts.create('alice', 'pencil');
    await (await one.openKeyValue<number>({ name: 'kv', version: 2 })).set('', 'k', 1);
    assert.equal(await two.accounts.exists('alice'), false);
    assert.equal(await (await two.openKeyValue<number>({ name: 'kv' })).get('', 'k'), undefined);
  });

  it('derives credentials with the default 4096 iterations when none are given', async () => {
    const storage = await openMemoryStorage();
    await storage.accounts.create('alice', 'pencil');
    assert.equal((await storage.accounts.scramCredentials('alice', 'SHA-256'))?.iterations, 4096);
  });
});
