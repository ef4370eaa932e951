// RosterStore: items (RFC 6121 §2) and versions (§2.6).
import assert from 'node:assert/strict';
import type { RosterItem } from '../../../src/server/storage/index.js';
import type { StoreCase } from '../store-backends.js';

const bob: RosterItem = {
  jid: 'bob@example.com',
  name: 'Bob',
  subscription: 'to',
  ask: 'subscribe',
  pendingIn: true,
  groups: ['Friends', 'Work'],
};

/** Versions are opaque, but each must differ from every earlier one of the same roster. */
function assertNew(version: string | undefined, ...earlier: string[]): string {
  assert.ok(version !== undefined && version !== '', 'a version');
  for (const old of earlier) assert.notEqual(version, old);
  return version;
}

export const rosterCases: StoreCase[] = [
  {
    name: 'puts, gets and lists items sorted by JID, omitting unset optional fields',
    async run({ roster }) {
      await roster.put('alice', { jid: 'carol@example.com', subscription: 'none', groups: [] });
      await roster.put('alice', bob);
      assert.deepEqual(await roster.get('alice', 'bob@example.com'), bob);
      assert.deepEqual(await roster.get('alice', 'carol@example.com'), {
        jid: 'carol@example.com',
        subscription: 'none',
        groups: [],
      });
      assert.deepEqual(
        (await roster.items('ALICE')).map((item) => item.jid),
        ['bob@example.com', 'carol@example.com'],
      );
      assert.equal(await roster.get('alice', 'dave@example.com'), undefined);
      assert.deepEqual(await roster.items('bob'), []);
    },
  },
  {
    name: 'omits pendingIn when false and keeps an explicit empty name',
    async run({ roster }) {
      await roster.put('alice', {
        jid: 'bob@example.com',
        name: '',
        subscription: 'from',
        pendingIn: false,
        groups: [],
      });
      assert.deepEqual(await roster.get('alice', 'bob@example.com'), {
        jid: 'bob@example.com',
        name: '',
        subscription: 'from',
        groups: [],
      });
    },
  },
  {
    name: 'replaces an item on a second put',
    async run({ roster }) {
      await roster.put('alice', bob);
      await roster.put('alice', { jid: bob.jid, subscription: 'both', groups: ['Family'] });
      assert.deepEqual(await roster.items('alice'), [{ jid: bob.jid, subscription: 'both', groups: ['Family'] }]);
    },
  },
  {
    name: 'hands out copies: changing a returned or stored item changes nothing stored',
    async run({ roster }) {
      const item: RosterItem = { jid: bob.jid, subscription: 'both', groups: ['A'] };
      await roster.put('alice', item);
      item.groups.push('B');
      const got = await roster.get('alice', bob.jid);
      assert.ok(got);
      got.groups.push('C');
      got.subscription = 'none';
      assert.deepEqual(await roster.items('alice'), [{ jid: bob.jid, subscription: 'both', groups: ['A'] }]);
    },
  },
  {
    name: 'starts at version "0" and changes the version on every put and remove, not on a no-op remove',
    async run({ roster }) {
      assert.equal(await roster.version('alice'), '0');
      const v1 = assertNew(await roster.put('alice', bob), '0');
      const v2 = assertNew(await roster.put('alice', { ...bob, name: 'Robert' }), '0', v1);
      assert.equal(await roster.version('ALICE'), v2);
      const v3 = assertNew(await roster.remove('alice', bob.jid), '0', v1, v2);
      assert.equal(await roster.get('alice', bob.jid), undefined);
      assert.equal(await roster.remove('alice', bob.jid), undefined);
      assert.equal(await roster.version('alice'), v3);
    },
  },
  {
    name: 'keeps each roster at its own version',
    async run({ roster }) {
      const alice = await roster.put('alice', bob);
      await roster.put('carol', bob);
      assert.equal(await roster.version('alice'), alice);
      assert.equal(await roster.version('dave'), '0');
    },
  },
  {
    name: 'never reissues a version after the account is deleted and re-created',
    async run({ accounts, roster }) {
      await accounts.create('alice', 'x');
      const old = [await roster.put('alice', bob), await roster.put('alice', { ...bob, groups: [] })];
      await accounts.delete('alice');
      await accounts.create('alice', 'x');
      assert.equal(await roster.version('alice'), '0');
      assertNew(await roster.put('alice', bob), ...old);
      assertNew(await roster.put('alice', { ...bob, groups: [] }), ...old);
    },
  },
];
