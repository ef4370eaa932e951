// ListStore: a module's append-only, ordered entries per owner.
import assert from 'node:assert/strict';
import type { ListStore, Storage } from '../../../src/server/storage/index.js';
import type { StoreCase } from '../store-backends.js';

const t = (seconds: number): Date => new Date(Date.UTC(2024, 0, 1, 0, 0, seconds));

/** alice's entries "m0".."m4" stamped t(0)..t(4), and one of bob's in between. */
async function filled(storage: Storage): Promise<{ list: ListStore<string>; ids: string[] }> {
  const list = await storage.openList<string>({ name: 'history' });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push(await list.append('alice', `m${i}`, t(i)));
    if (i === 2) await list.append('bob', 'other', t(i));
  }
  return { list, ids };
}

const values = (entries: { value: string }[]): string[] => entries.map((entry) => entry.value);

export const listCases: StoreCase[] = [
  {
    name: 'finds entries in append order with their distinct ids and stamps',
    async run(storage) {
      const { list, ids } = await filled(storage);
      assert.equal(new Set(ids).size, 5);
      const found = await list.find('alice');
      assert.deepEqual(
        found.map((entry) => ({ ...entry })),
        ids.map((id, i) => ({ id, stamp: t(i), value: `m${i}` })),
      );
      assert.deepEqual(await list.find('nobody'), []);
    },
  },
  {
    name: 'keeps append order even when stamps go backwards',
    async run(storage) {
      const list = await storage.openList<string>({ name: 'history' });
      await list.append('alice', 'first', t(10));
      await list.append('alice', 'second', t(5));
      assert.deepEqual(values(await list.find('alice')), ['first', 'second']);
    },
  },
  {
    name: 'stamps an entry with the current time when no stamp is given',
    async run(storage) {
      const list = await storage.openList<{ n: number }>({ name: 'history' });
      const before = Date.now();
      await list.append('alice', { n: 1 });
      const [entry] = await list.find('alice');
      assert.ok(entry);
      assert.ok(entry.stamp.getTime() >= before && entry.stamp.getTime() <= Date.now());
      assert.deepEqual(entry.value, { n: 1 });
    },
  },
  {
    name: 'finds entries after an id, before a time, and at most a limit, oldest first',
    async run(storage) {
      const { list, ids } = await filled(storage);
      assert.deepEqual(values(await list.find('alice', { after: ids[1] })), ['m2', 'm3', 'm4']);
      assert.deepEqual(values(await list.find('alice', { before: t(2) })), ['m0', 'm1']);
      assert.deepEqual(values(await list.find('alice', { limit: 2 })), ['m0', 'm1']);
      assert.deepEqual(values(await list.find('alice', { after: ids[0], before: t(4), limit: 2 })), ['m1', 'm2']);
      assert.deepEqual(await list.find('alice', { limit: 0 }), []);
      assert.deepEqual(await list.find('alice', { after: ids[4] }), []);
    },
  },
  {
    name: 'still finds entries after an id whose entry was deleted',
    async run(storage) {
      const { list, ids } = await filled(storage);
      await list.delete('alice', { ids: [ids[1]!] });
      assert.deepEqual(values(await list.find('alice', { after: ids[1] })), ['m2', 'm3', 'm4']);
    },
  },
  {
    name: 'refuses an id it could not have issued and a negative limit',
    async run(storage) {
      const { list } = await filled(storage);
      await assert.rejects(list.find('alice', { after: 'not-an-id' }), RangeError);
      await assert.rejects(list.find('alice', { limit: -1 }), RangeError);
      await assert.rejects(list.delete('alice', { ids: ['x'] }), RangeError);
    },
  },
  {
    name: 'deletes by ids (only the owner’s) and by stamp, answering how many went',
    async run(storage) {
      const { list, ids } = await filled(storage);
      const [bobs] = await list.find('bob');
      assert.equal(await list.delete('alice', { ids: [ids[0]!, ids[3]!, bobs!.id] }), 2);
      assert.deepEqual(values(await list.find('alice')), ['m1', 'm2', 'm4']);
      assert.equal(await list.count('bob'), 1);
      assert.equal(await list.delete('alice', { before: t(2) }), 1);
      assert.deepEqual(values(await list.find('alice')), ['m2', 'm4']);
      assert.equal(await list.delete('alice', { ids: [] }), 0);
      assert.equal(await list.delete('alice', { before: t(0) }), 0);
    },
  },
  {
    name: 'counts per owner',
    async run(storage) {
      const { list } = await filled(storage);
      assert.equal(await list.count('alice'), 5);
      assert.equal(await list.count('bob'), 1);
      assert.equal(await list.count('carol'), 0);
    },
  },
  {
    name: 'never reuses an id, even after every entry was deleted',
    async run(storage) {
      const { list, ids } = await filled(storage);
      await list.delete('alice', { before: t(99) });
      const next = await list.append('alice', 'again', t(5));
      assert.ok(!ids.includes(next));
      assert.deepEqual(values(await list.find('alice', { after: ids[4] })), ['again']);
    },
  },
  {
    name: 'hands out copies of values, and keeps stores apart',
    async run(storage) {
      const one = await storage.openList<{ tags: string[] }>({ name: 'history' });
      const two = await storage.openList<{ tags: string[] }>({ name: 'history:other' });
      const value = { tags: ['a'] };
      await one.append('alice', value);
      value.tags.push('changed');
      const [entry] = await one.find('alice');
      entry?.value.tags.push('changed too');
      assert.deepEqual(
        (await one.find('alice')).map((e) => e.value),
        [{ tags: ['a'] }],
      );
      assert.equal(await two.count('alice'), 0);
    },
  },
];
