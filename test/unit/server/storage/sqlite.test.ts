// What only the SQLite backend does: files and their modes, WAL, its schema migrations, data
// surviving a reopen, and a second connection (the CLI) beside the server's. Behaviour every
// backend shares is in test/conformance/store-conformance.test.ts.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  AccountExistsError,
  StorageSchemaError,
  openSqliteStorage,
  type KeyValueStore,
  type Storage,
} from '../../../../src/server/storage/index.js';
import { MIGRATIONS, migrate } from '../../../../src/server/storage/sqlite/migrations.js';

// Few iterations: these tests are about storage, not PBKDF2 cost.
const ITERATIONS = 16;

describe('SQLite storage', () => {
  let root: string;
  let dataDir: string;
  const opened: Storage[] = [];
  const open = async (options: { fileName?: string } = {}): Promise<Storage> => {
    const storage = await openSqliteStorage({ dataDir, scramIterations: ITERATIONS, ...options });
    opened.push(storage);
    return storage;
  };
  const raw = (options: { readonly?: boolean } = {}) => new Database(join(dataDir, 'ferry.sqlite'), options);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-storage-'));
    dataDir = join(root, 'data');
  });
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    rmSync(root, { recursive: true, force: true });
  });

  describe('opening', () => {
    it('creates a missing data dir with mode 0700 and a WAL database file with mode 0600', async () => {
      await open();
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dataDir, 'ferry.sqlite')).mode & 0o777, 0o600);
      const db = raw({ readonly: true });
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      db.close();
    });

    it('honours fileName', async () => {
      await open({ fileName: 'other.db' });
      assert.ok(statSync(join(dataDir, 'other.db')).isFile());
    });

    it('rejects a non-positive scramIterations at open', async () => {
      await assert.rejects(openSqliteStorage({ dataDir, scramIterations: 0 }), RangeError);
    });

    it('close() is idempotent', async () => {
      const storage = await open();
      await storage.close();
      await storage.close();
    });
  });

  describe('schema migrations', () => {
    it('applies each migration once: reopening records no new schema_version rows', async () => {
      await (await open()).close();
      await (await open()).close();
      const db = raw();
      const rows = db.prepare('SELECT version FROM schema_version ORDER BY version').all();
      db.close();
      assert.deepEqual(
        rows,
        MIGRATIONS.map((m) => ({ version: m.version })),
      );
    });

    it('numbers migrations 1, 2, … in order (append-only)', () => {
      assert.deepEqual(
        MIGRATIONS.map((m) => m.version),
        MIGRATIONS.map((_, index) => index + 1),
      );
    });

    it('brings a version-1 database up to date, keeping its accounts', async () => {
      mkdirSync(dataDir, { recursive: true });
      const db = raw();
      migrate(db, MIGRATIONS.slice(0, 1));
      db.prepare('INSERT INTO accounts (username, created_at) VALUES (?, 0)').run('alice');
      db.close();

      const storage = await open();
      assert.deepEqual(await storage.accounts.list(), ['alice']);
      const kv = await storage.openKeyValue<number>({ name: 'after-upgrade' });
      await kv.set('alice', 'k', 1);
      assert.equal(await kv.get('alice', 'k'), 1);
    });

    it('refuses a database written by a newer schema', async () => {
      await (await open()).close();
      const db = raw();
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (999, 0)').run();
      db.close();
      await assert.rejects(open(), StorageSchemaError);
    });
  });

  describe('module stores', () => {
    it('records each store’s shape and version in store_versions', async () => {
      const storage = await open();
      await storage.openKeyValue<number>({ name: 'a', version: 3 });
      await storage.openList<number>({ name: 'b' });
      const db = raw({ readonly: true });
      const rows = db.prepare('SELECT name, shape, version FROM store_versions ORDER BY name').all();
      db.close();
      assert.deepEqual(rows, [
        { name: 'a', shape: 'key-value', version: 3 },
        { name: 'b', shape: 'list', version: 1 },
      ]);
    });

    it('remembers store versions across reopening: migrate() runs once, ever', async () => {
      const first = await open();
      await (await first.openKeyValue<number>({ name: 'counters' })).set('', 'k', 1);
      let calls = 0;
      const definition = {
        name: 'counters',
        version: 2,
        async migrate(store: KeyValueStore<number>) {
          calls++;
          await store.set('', 'k', ((await store.get('', 'k')) ?? 0) + 1);
        },
      };
      await first.openKeyValue(definition);
      await first.close();

      const second = await open();
      const counters = await second.openKeyValue(definition);
      assert.equal(calls, 1);
      assert.equal(await counters.get('', 'k'), 2);
      await assert.rejects(second.openKeyValue<number>({ name: 'counters' }), StorageSchemaError);
    });

    it('rolls back what a failed migrate() wrote, with its version', async () => {
      const storage = await open();
      const v1 = await storage.openKeyValue<string>({ name: 'fragile' });
      await v1.set('alice', 'k', 'old');
      const failing = {
        name: 'fragile',
        version: 2,
        async migrate(store: KeyValueStore<string>) {
          await store.set('alice', 'k', 'half-migrated');
          await store.set('alice', 'extra', 'x');
          throw new Error('disk on fire');
        },
      };
      await assert.rejects(storage.openKeyValue(failing), StorageSchemaError);
      assert.deepEqual(await v1.entries('alice'), [['k', 'old']]);
      // The connection is usable again: no transaction was left open.
      await storage.accounts.create('bob', 'secret');
      assert.equal(await storage.accounts.exists('bob'), true);
    });
  });

  describe('persistence and sharing', () => {
    it('never stores the password', async () => {
      await (await open()).accounts.create('alice', 'very-distinctive-password');
      const db = raw({ readonly: true });
      const dump = JSON.stringify(db.prepare('SELECT * FROM scram_credentials').all());
      db.close();
      assert.equal(dump.includes('very-distinctive-password'), false);
    });

    it('keeps accounts, roster, offline messages and module data across reopening', async () => {
      const first = await open();
      await first.accounts.create('alice', 'pencil');
      const version = await first.roster.put('alice', { jid: 'bob@example.com', subscription: 'both', groups: ['A'] });
      await first.offline.push('alice', '<message/>', new Date(0));
      await (await first.openKeyValue<{ n: number }>({ name: 'kv' })).set('alice', 'k', { n: 1 });
      const id = await (await first.openList<string>({ name: 'list' })).append('alice', 'entry', new Date(5));
      await first.close();

      const second = await open();
      assert.deepEqual(await second.accounts.list(), ['alice']);
      assert.equal(await second.roster.version('alice'), version);
      assert.deepEqual(await second.roster.items('alice'), [
        { jid: 'bob@example.com', subscription: 'both', groups: ['A'] },
      ]);
      assert.deepEqual(
        (await second.offline.list('alice')).map(({ stanza, stamp }) => ({ stanza, stamp })),
        [{ stanza: '<message/>', stamp: new Date(0) }],
      );
      assert.deepEqual(await (await second.openKeyValue<{ n: number }>({ name: 'kv' })).get('alice', 'k'), { n: 1 });
      assert.deepEqual(await (await second.openList<string>({ name: 'list' })).find('alice'), [
        { id, stamp: new Date(5), value: 'entry' },
      ]);
    });

    it('lets a second connection (like `ferry adduser`) write while the first is open, both ways', async () => {
      const server = await open();
      const cli = await open();
      await cli.accounts.create('alice', 'pencil');
      assert.equal(await server.accounts.exists('alice'), true);
      assert.ok(await server.accounts.scramCredentials('alice', 'SHA-256'));
      await server.accounts.create('bob', 'pencil');
      await cli.accounts.setPassword('bob', 'new');
      assert.deepEqual(await server.accounts.list(), ['alice', 'bob']);
      await assert.rejects(server.accounts.create('alice', 'again'), AccountExistsError);
    });

    it('deletes an account’s module data written through another connection', async () => {
      const server = await open();
      const cli = await open();
      await server.accounts.create('alice', 'pencil');
      const kv = await server.openKeyValue<number>({ name: 'kv' });
      await kv.set('alice', 'k', 1);
      assert.equal(await cli.accounts.delete('alice'), true);
      assert.deepEqual(await kv.entries('alice'), []);
    });
  });
});
