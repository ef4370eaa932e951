import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CredentialLookup } from '../../../../src/server/auth/sasl.js';
import { deriveScramCredentials } from '../../../../src/server/auth/scram.js';
import {
  AccountExistsError,
  AccountNotFoundError,
  InvalidUsernameError,
  StorageSchemaError,
  openSqliteStorage,
  type RosterItem,
  type Storage,
} from '../../../../src/server/storage/index.js';
import { MIGRATIONS } from '../../../../src/server/storage/sqlite/migrations.js';

// Few iterations: these tests are about storage, not PBKDF2 cost.
const ITERATIONS = 16;

describe('SQLite storage', () => {
  let root: string;
  let dataDir: string;
  const opened: Storage[] = [];
  const open = (options: { fileName?: string } = {}): Storage => {
    const storage = openSqliteStorage({ dataDir, scramIterations: ITERATIONS, ...options });
    opened.push(storage);
    return storage;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-storage-'));
    dataDir = join(root, 'data');
  });
  afterEach(() => {
    for (const storage of opened.splice(0)) storage.close();
    rmSync(root, { recursive: true, force: true });
  });

  describe('opening', () => {
    it('creates a missing data dir with mode 0700 and a WAL database file', () => {
      open();
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dataDir, 'ferry.sqlite')).mode & 0o777, 0o600);
      const raw = new Database(join(dataDir, 'ferry.sqlite'), { readonly: true });
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      raw.close();
    });

    it('honours fileName', () => {
      open({ fileName: 'other.db' });
      assert.ok(statSync(join(dataDir, 'other.db')).isFile());
    });

    it('applies migrations once: reopening records no new schema_version rows', () => {
      open().close();
      open().close();
      const raw = new Database(join(dataDir, 'ferry.sqlite'));
      const rows = raw.prepare('SELECT version FROM schema_version ORDER BY version').all();
      raw.close();
      assert.deepEqual(
        rows,
        MIGRATIONS.map((m) => ({ version: m.version })),
      );
    });

    it('refuses a database written by a newer schema', () => {
      open().close();
      const raw = new Database(join(dataDir, 'ferry.sqlite'));
      raw.prepare('INSERT INTO schema_version (version, applied_at) VALUES (999, 0)').run();
      raw.close();
      assert.throws(() => open(), StorageSchemaError);
    });

    it('rejects a non-positive scramIterations at open', () => {
      assert.throws(() => openSqliteStorage({ dataDir, scramIterations: 0 }), RangeError);
    });

    it('close() is idempotent', () => {
      const storage = open();
      storage.close();
      storage.close();
    });
  });

  describe('accounts', () => {
    it('creates, lists, checks and deletes accounts', () => {
      const { accounts } = open();
      accounts.create('bob', 'secret');
      accounts.create('Alice', 'secret');
      assert.deepEqual(accounts.list(), ['alice', 'bob']);
      assert.equal(accounts.exists('ALICE'), true);
      assert.equal(accounts.exists('carol'), false);
      assert.equal(accounts.delete('alice'), true);
      assert.equal(accounts.delete('alice'), false);
      assert.deepEqual(accounts.list(), ['bob']);
    });

    it('throws AccountExistsError for a duplicate, whatever its case', () => {
      const { accounts } = open();
      accounts.create('alice', 'secret');
      assert.throws(() => accounts.create('ALICE', 'other'), AccountExistsError);
    });

    it('throws InvalidUsernameError for names that cannot be a JID localpart', () => {
      const { accounts } = open();
      for (const name of ['', 'a@b', 'a b', 'a/b', 'x'.repeat(1024)]) {
        assert.throws(() => accounts.create(name, 'secret'), InvalidUsernameError, JSON.stringify(name));
      }
    });

    it('stores SCRAM-SHA-1 and SCRAM-SHA-256 keys that verify against deriveScramCredentials', () => {
      const { accounts } = open();
      accounts.create('alice', 'pencil');
      for (const hash of ['SHA-1', 'SHA-256'] as const) {
        const stored = accounts.scramCredentials('alice', hash);
        assert.ok(stored);
        assert.equal(stored.iterations, ITERATIONS);
        const expected = deriveScramCredentials('pencil', hash, { salt: stored.salt, iterations: stored.iterations });
        assert.deepEqual(stored, expected);
      }
      assert.equal(accounts.scramCredentials('nobody', 'SHA-256'), undefined);
      // The account store is what the SASL layer looks credentials up in.
      const lookup: CredentialLookup = accounts;
      assert.ok(lookup.scramCredentials('ALICE', 'SHA-1'));
    });

    it('never stores the password', () => {
      open().accounts.create('alice', 'very-distinctive-password');
      const raw = new Database(join(dataDir, 'ferry.sqlite'), { readonly: true });
      const dump = JSON.stringify(raw.prepare('SELECT * FROM scram_credentials').all());
      raw.close();
      assert.equal(dump.includes('very-distinctive-password'), false);
    });

    it('setPassword replaces the keys with a new salt', () => {
      const { accounts } = open();
      accounts.create('alice', 'old');
      const before = accounts.scramCredentials('alice', 'SHA-256')!;
      accounts.setPassword('Alice', 'new');
      const after = accounts.scramCredentials('alice', 'SHA-256')!;
      assert.notDeepEqual(after.salt, before.salt);
      assert.deepEqual(after, deriveScramCredentials('new', 'SHA-256', { salt: after.salt, iterations: ITERATIONS }));
    });

    it('setPassword throws AccountNotFoundError for an unknown account', () => {
      assert.throws(() => open().accounts.setPassword('nobody', 'x'), AccountNotFoundError);
    });

    it('delete removes the roster, offline messages and credentials too', () => {
      const storage = open();
      storage.accounts.create('alice', 'secret');
      storage.roster.put('alice', { jid: 'bob@example.com', subscription: 'both', groups: [] });
      storage.offline.push('alice', '<message/>', new Date());
      storage.accounts.delete('alice');
      assert.deepEqual(storage.roster.items('alice'), []);
      assert.equal(storage.roster.version('alice'), '0');
      assert.equal(storage.offline.count('alice'), 0);
      assert.equal(storage.accounts.scramCredentials('alice', 'SHA-1'), undefined);
    });
  });

  describe('roster', () => {
    const bob: RosterItem = {
      jid: 'bob@example.com',
      name: 'Bob',
      subscription: 'to',
      ask: 'subscribe',
      pendingIn: true,
      groups: ['Friends', 'Work'],
    };

    it('puts, gets and lists items, omitting unset optional fields', () => {
      const { roster } = open();
      roster.put('alice', bob);
      roster.put('alice', { jid: 'carol@example.com', subscription: 'none', groups: [] });
      assert.deepEqual(roster.get('alice', 'bob@example.com'), bob);
      assert.deepEqual(roster.get('alice', 'carol@example.com'), {
        jid: 'carol@example.com',
        subscription: 'none',
        groups: [],
      });
      assert.deepEqual(
        roster.items('ALICE').map((item) => item.jid),
        ['bob@example.com', 'carol@example.com'],
      );
      assert.equal(roster.get('alice', 'dave@example.com'), undefined);
      assert.deepEqual(roster.items('bob'), []);
    });

    it('replaces an item on a second put', () => {
      const { roster } = open();
      roster.put('alice', bob);
      roster.put('alice', { jid: bob.jid, subscription: 'both', groups: ['Family'] });
      assert.deepEqual(roster.items('alice'), [{ jid: bob.jid, subscription: 'both', groups: ['Family'] }]);
    });

    it('increments the version on every put and remove, and not on a no-op remove', () => {
      const { roster } = open();
      assert.equal(roster.version('alice'), '0');
      const v1 = roster.put('alice', bob);
      const v2 = roster.put('alice', { ...bob, name: 'Robert' });
      assert.ok(Number(v2) > Number(v1) && Number(v1) > 0);
      assert.equal(roster.version('alice'), v2);
      const v3 = roster.remove('alice', bob.jid);
      assert.ok(v3 !== undefined && Number(v3) > Number(v2));
      assert.equal(roster.get('alice', bob.jid), undefined);
      assert.equal(roster.remove('alice', bob.jid), undefined);
      assert.equal(roster.version('alice'), v3);
    });

    it('never reissues a version after the account is deleted and re-created', () => {
      const { accounts, roster } = open();
      accounts.create('alice', 'x');
      const old = roster.put('alice', bob);
      accounts.delete('alice');
      accounts.create('alice', 'x');
      assert.ok(Number(roster.put('alice', bob)) > Number(old));
    });
  });

  describe('offline messages', () => {
    it('pops all messages oldest first, with their stamps, and leaves the queue empty', () => {
      const { offline } = open();
      const t1 = new Date('2024-01-01T00:00:00.123Z');
      const t2 = new Date('2024-01-01T00:00:01.456Z');
      offline.push('alice', '<message id="1"/>', t1);
      offline.push('bob', '<message id="x"/>', t1);
      offline.push('Alice', '<message id="2"/>', t2);
      assert.equal(offline.count('alice'), 2);
      assert.deepEqual(offline.popAll('alice'), [
        { stanza: '<message id="1"/>', stamp: t1 },
        { stanza: '<message id="2"/>', stamp: t2 },
      ]);
      assert.equal(offline.count('alice'), 0);
      assert.deepEqual(offline.popAll('alice'), []);
      assert.equal(offline.count('bob'), 1);
    });
  });

  describe('persistence and sharing', () => {
    it('keeps accounts, roster and offline messages across reopening', () => {
      const first = open();
      first.accounts.create('alice', 'pencil');
      const version = first.roster.put('alice', { jid: 'bob@example.com', subscription: 'both', groups: ['A'] });
      first.offline.push('alice', '<message/>', new Date(0));
      first.close();

      const second = open();
      assert.deepEqual(second.accounts.list(), ['alice']);
      assert.equal(second.roster.version('alice'), version);
      assert.deepEqual(second.roster.items('alice'), [{ jid: 'bob@example.com', subscription: 'both', groups: ['A'] }]);
      assert.deepEqual(second.offline.popAll('alice'), [{ stanza: '<message/>', stamp: new Date(0) }]);
    });

    it('lets a second connection (like `ferry adduser`) write while the first is open, both ways', () => {
      const server = open();
      const cli = open();
      cli.accounts.create('alice', 'pencil');
      assert.equal(server.accounts.exists('alice'), true);
      assert.ok(server.accounts.scramCredentials('alice', 'SHA-256'));
      server.accounts.create('bob', 'pencil');
      cli.accounts.setPassword('bob', 'new');
      assert.deepEqual(server.accounts.list(), ['alice', 'bob']);
      assert.throws(() => server.accounts.create('alice', 'again'), AccountExistsError);
    });
  });
});
