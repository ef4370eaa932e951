// openStorage: the backend named by `storage.backend`, and what the memory backend does not share.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../../src/server/core/config.js';
import { openMemoryStorage, openStorage, storageOptions } from '../../../../src/server/storage/index.js';

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

  it('rejects an unknown backend, postgres without a URL, and a non-positive scramIterations', async () => {
    await assert.rejects(openStorage({ backend: 'oracle' as never, dataDir: root }), TypeError);
    await assert.rejects(openStorage({ backend: 'postgres', dataDir: root }), /storage\.postgres_url is required/);
    await assert.rejects(openStorage({ backend: 'memory', dataDir: root, scramIterations: 0 }), RangeError);
  });
});

describe('storageOptions', () => {
  const url = 'postgres://ferry:s3cret@db.example.com:5432/ferry';

  it('carries the postgres keys from the config, in milliseconds', () => {
    const config = loadConfig({
      overrides: {
        'storage.backend': 'postgres',
        'storage.postgres_url': url,
        'storage.postgres_pool_size': 3,
        'storage.postgres_connect_timeout_seconds': 2,
      },
    });
    assert.deepEqual(storageOptions(config), {
      backend: 'postgres',
      dataDir: './data',
      scramIterations: 4096,
      postgres: { url, poolSize: 3, connectTimeoutMs: 2_000, statementTimeoutMs: 30_000 },
    });
  });

  it('comes after a config that refuses postgres without a URL, or with one that is not postgres://, never quoting it', () => {
    const refused = (overrides: Record<string, string>) => {
      try {
        loadConfig({ overrides: { 'storage.backend': 'postgres', ...overrides } });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
      assert.fail('accepted');
    };
    assert.match(refused({}), /storage\.postgres_url: required when storage\.backend is "postgres"/);
    const message = refused({ 'storage.postgres_url': 'mysql://ferry:s3cret@db/ferry' });
    assert.match(message, /storage\.postgres_url: must be a URL like postgres:/);
    assert.doesNotMatch(message, /s3cret/);
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
