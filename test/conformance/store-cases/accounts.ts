// AccountStore: names, SCRAM credentials, errors with stable codes, and deletion of owned data.
import assert from 'node:assert/strict';
import type { CredentialLookup } from '../../../src/server/auth/sasl.js';
import { deriveScramCredentials } from '../../../src/server/auth/scram.js';
import {
  AccountExistsError,
  AccountNotFoundError,
  InvalidUsernameError,
  type KeyValueStore,
  type ListStore,
} from '../../../src/server/storage/index.js';
import { ITERATIONS, type StoreCase } from '../store-backends.js';

/** Rejects with an instance of `type` carrying `code`. */
async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error, code: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.equal((error as Error & { code: string }).code, code);
    return true;
  });
}

export const accountCases: StoreCase[] = [
  {
    name: 'creates, lists (sorted, prepared), checks and deletes accounts',
    async run({ accounts }) {
      await accounts.create('bob', 'secret');
      await accounts.create('Alice', 'secret');
      assert.deepEqual(await accounts.list(), ['alice', 'bob']);
      assert.equal(await accounts.exists('ALICE'), true);
      assert.equal(await accounts.exists('carol'), false);
      assert.equal(await accounts.delete('alice'), true);
      assert.equal(await accounts.delete('alice'), false);
      assert.deepEqual(await accounts.list(), ['bob']);
    },
  },
  {
    name: 'lists names in code point order',
    async run({ accounts }) {
      // U+E000 and U+1F600 sort the other way round by UTF-16 code unit (JavaScript's default).
      for (const name of ['😀', '\uE000', 'zed']) await accounts.create(name, 'secret');
      assert.deepEqual(await accounts.list(), ['zed', '\uE000', '😀']);
    },
  },
  {
    name: 'refuses a duplicate, whatever its case, with FERRY_ERR_ACCOUNT_EXISTS',
    async run({ accounts }) {
      await accounts.create('alice', 'secret');
      await rejectsWith(accounts.create('ALICE', 'other'), AccountExistsError, 'FERRY_ERR_ACCOUNT_EXISTS');
    },
  },
  {
    name: 'refuses names that cannot be a JID localpart with FERRY_ERR_INVALID_USERNAME',
    async run({ accounts }) {
      for (const name of ['', 'a@b', 'a b', 'a/b', 'a:b', 'x'.repeat(1024)]) {
        await rejectsWith(accounts.create(name, 'secret'), InvalidUsernameError, 'FERRY_ERR_INVALID_USERNAME');
      }
      assert.deepEqual(await accounts.list(), []);
    },
  },
  {
    name: 'stores SCRAM-SHA-1 and SCRAM-SHA-256 keys that verify against deriveScramCredentials',
    async run({ accounts }) {
      await accounts.create('alice', 'pencil');
      for (const hash of ['SHA-1', 'SHA-256'] as const) {
        const stored = await accounts.scramCredentials('alice', hash);
        assert.ok(stored, hash);
        assert.equal(stored.hash, hash);
        assert.equal(stored.iterations, ITERATIONS);
        const expected = deriveScramCredentials('pencil', hash, { salt: stored.salt, iterations: stored.iterations });
        assert.deepEqual(stored, expected);
      }
      assert.equal(await accounts.scramCredentials('nobody', 'SHA-256'), undefined);
      // The account store is what the SASL layer looks credentials up in, by prepared name.
      const lookup: CredentialLookup = accounts;
      assert.ok(await lookup.scramCredentials('ALICE', 'SHA-1'));
    },
  },
  {
    name: 'salts each hash and each account separately',
    async run({ accounts }) {
      await accounts.create('alice', 'pencil');
      await accounts.create('bob', 'pencil');
      const alice1 = await accounts.scramCredentials('alice', 'SHA-1');
      const alice256 = await accounts.scramCredentials('alice', 'SHA-256');
      const bob256 = await accounts.scramCredentials('bob', 'SHA-256');
      assert.notDeepEqual(alice1?.salt, alice256?.salt);
      assert.notDeepEqual(alice256?.salt, bob256?.salt);
    },
  },
  {
    name: 'hands out credentials whose buffers can be scribbled on without changing what is stored',
    async run({ accounts }) {
      await accounts.create('alice', 'pencil');
      const first = await accounts.scramCredentials('alice', 'SHA-256');
      assert.ok(first);
      const saved = Buffer.from(first.storedKey);
      first.storedKey.fill(0);
      first.salt.fill(0);
      const again = await accounts.scramCredentials('alice', 'SHA-256');
      assert.deepEqual(again?.storedKey, saved);
      assert.notDeepEqual(again?.salt, first.salt);
    },
  },
  {
    name: 'answers undefined for a hash it does not know',
    async run({ accounts }) {
      await accounts.create('alice', 'pencil');
      assert.equal(await accounts.scramCredentials('alice', 'MD5' as never), undefined);
    },
  },
  {
    name: 'setPassword replaces the keys of every hash, with new salts',
    async run({ accounts }) {
      await accounts.create('alice', 'old');
      const hashes = ['SHA-1', 'SHA-256'] as const;
      const before = await Promise.all(hashes.map((hash) => accounts.scramCredentials('alice', hash)));
      await accounts.setPassword('Alice', 'new');
      for (const [index, hash] of hashes.entries()) {
        const after = await accounts.scramCredentials('alice', hash);
        assert.ok(after);
        assert.notDeepEqual(after.salt, before[index]?.salt);
        assert.deepEqual(after, deriveScramCredentials('new', hash, { salt: after.salt, iterations: ITERATIONS }));
      }
    },
  },
  {
    name: 'setPassword rejects an unknown account with FERRY_ERR_ACCOUNT_NOT_FOUND and creates nothing',
    async run({ accounts }) {
      await rejectsWith(accounts.setPassword('nobody', 'x'), AccountNotFoundError, 'FERRY_ERR_ACCOUNT_NOT_FOUND');
      assert.equal(await accounts.exists('nobody'), false);
    },
  },
  {
    name: 'delete removes credentials, roster, offline messages and module data the account owns',
    async run(storage) {
      const kv: KeyValueStore<number> = await storage.openKeyValue<number>({ name: 'conformance:kv' });
      const list: ListStore<string> = await storage.openList<string>({ name: 'conformance:list' });
      await storage.accounts.create('alice', 'secret');
      await storage.accounts.create('bob', 'secret');
      for (const owner of ['alice', 'bob', '']) {
        await kv.set(owner, 'k', 1);
        await list.append(owner, 'entry');
      }
      await storage.roster.put('alice', { jid: 'bob@example.com', subscription: 'both', groups: [] });
      await storage.offline.push('alice', '<message/>', new Date());

      assert.equal(await storage.accounts.delete('ALICE'), true);
      assert.equal(await storage.accounts.scramCredentials('alice', 'SHA-1'), undefined);
      assert.deepEqual(await storage.roster.items('alice'), []);
      assert.equal(await storage.roster.version('alice'), '0');
      assert.deepEqual(await storage.offline.usage('alice'), { count: 0, bytes: 0 });
      assert.deepEqual(await kv.entries('alice'), []);
      assert.equal(await list.count('alice'), 0);
      // Other owners, and the server's own data, stay.
      assert.deepEqual(await kv.owners(), ['', 'bob']);
      assert.equal(await list.count('bob'), 1);
      assert.equal(await list.count(''), 1);
    },
  },
];
