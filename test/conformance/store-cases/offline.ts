// OfflineStore (XEP-0160): a per-account queue of serialised stanzas; reading does not remove,
// deleteThrough removes what a client acknowledged.
import assert from 'node:assert/strict';
import type { StoreCase } from '../store-backends.js';
import type { OfflineMessage } from '../../../src/server/storage/types.js';

const stanzas = (messages: OfflineMessage[]) => messages.map((message) => message.stanza);

export const offlineCases: StoreCase[] = [
  {
    name: 'lists messages oldest first, with their stamps to the millisecond, without removing them',
    async run({ offline }) {
      const t1 = new Date('2024-01-01T00:00:00.123Z');
      const t2 = new Date('2024-01-01T00:00:01.456Z');
      await offline.push('alice', '<message id="1"/>', t1);
      await offline.push('bob', '<message id="x"/>', t1);
      await offline.push('Alice', '<message id="2"/>', t2);
      const listed = await offline.list('ALICE');
      assert.deepEqual(
        listed.map(({ stanza, stamp }) => ({ stanza, stamp })),
        [
          { stanza: '<message id="1"/>', stamp: t1 },
          { stanza: '<message id="2"/>', stamp: t2 },
        ],
      );
      assert.notEqual(listed[0]!.id, listed[1]!.id);
      assert.deepEqual(stanzas(await offline.list('alice')), stanzas(listed));
      assert.deepEqual(stanzas(await offline.list('alice', 1)), ['<message id="1"/>']);
      assert.deepEqual(stanzas(await offline.list('bob')), ['<message id="x"/>']);
    },
  },
  {
    name: 'keeps push order, not stamp order',
    async run({ offline }) {
      await offline.push('alice', '<message id="later"/>', new Date(2_000));
      await offline.push('alice', '<message id="earlier"/>', new Date(1_000));
      assert.deepEqual(stanzas(await offline.list('alice')), ['<message id="later"/>', '<message id="earlier"/>']);
    },
  },
  {
    name: 'deleteThrough removes up to the acknowledged message and keeps later pushes',
    async run({ offline }) {
      await offline.push('alice', '<message id="1"/>', new Date(0));
      await offline.push('alice', '<message id="2"/>', new Date(0));
      await offline.push('bob', '<message id="b"/>', new Date(0));
      const delivered = await offline.list('alice');
      await offline.push('alice', '<message id="3"/>', new Date(0)); // arrives during delivery
      assert.equal(await offline.deleteThrough('alice', delivered.at(-1)!.id), 2);
      assert.deepEqual(stanzas(await offline.list('alice')), ['<message id="3"/>']);
      assert.deepEqual(stanzas(await offline.list('bob')), ['<message id="b"/>']);
      assert.equal(await offline.deleteThrough('alice', delivered.at(-1)!.id), 0);
      await assert.rejects(offline.deleteThrough('alice', 'not-an-id'), RangeError);
    },
  },
  {
    name: 'usage counts messages and their UTF-8 bytes',
    async run({ offline }) {
      assert.deepEqual(await offline.usage('alice'), { count: 0, bytes: 0 });
      await offline.push('alice', '<message>é</message>', new Date(0));
      await offline.push('alice', '<m/>', new Date(0));
      assert.deepEqual(await offline.usage('alice'), { count: 2, bytes: 21 + 4 });
      const [first] = await offline.list('alice');
      await offline.deleteThrough('alice', first!.id);
      assert.deepEqual(await offline.usage('alice'), { count: 1, bytes: 4 });
    },
  },
];
