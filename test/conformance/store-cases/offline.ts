// OfflineStore (XEP-0160): a per-account queue of serialised stanzas.
import assert from 'node:assert/strict';
import type { StoreCase } from '../store-backends.js';

export const offlineCases: StoreCase[] = [
  {
    name: 'pops all messages oldest first, with their stamps to the millisecond, and leaves the queue empty',
    async run({ offline }) {
      const t1 = new Date('2024-01-01T00:00:00.123Z');
      const t2 = new Date('2024-01-01T00:00:01.456Z');
      await offline.push('alice', '<message id="1"/>', t1);
      await offline.push('bob', '<message id="x"/>', t1);
      await offline.push('Alice', '<message id="2"/>', t2);
      assert.equal(await offline.count('alice'), 2);
      assert.deepEqual(await offline.popAll('ALICE'), [
        { stanza: '<message id="1"/>', stamp: t1 },
        { stanza: '<message id="2"/>', stamp: t2 },
      ]);
      assert.equal(await offline.count('alice'), 0);
      assert.deepEqual(await offline.popAll('alice'), []);
      assert.equal(await offline.count('bob'), 1);
    },
  },
  {
    name: 'keeps push order, not stamp order',
    async run({ offline }) {
      await offline.push('alice', '<message id="later"/>', new Date(2_000));
      await offline.push('alice', '<message id="earlier"/>', new Date(1_000));
      assert.deepEqual(
        (await offline.popAll('alice')).map((m) => m.stanza),
        ['<message id="later"/>', '<message id="earlier"/>'],
      );
    },
  },
  {
    name: 'accepts pushes again after a pop',
    async run({ offline }) {
      await offline.push('alice', '<message id="1"/>', new Date(0));
      await offline.popAll('alice');
      await offline.push('alice', '<message id="2"/>', new Date(0));
      assert.deepEqual(await offline.popAll('alice'), [{ stanza: '<message id="2"/>', stamp: new Date(0) }]);
    },
  },
];
