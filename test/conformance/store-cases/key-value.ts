// KeyValueStore: a module's key → JSON value map per owner.
import assert from 'node:assert/strict';
import type { StoreCase } from '../store-backends.js';

interface Bookmark {
  jid: string;
  autojoin: boolean;
  tags: string[];
}

const room: Bookmark = { jid: 'room@conference.example.com', autojoin: true, tags: ['work'] };

export const keyValueCases: StoreCase[] = [
  {
    name: 'sets, gets, overwrites and deletes a value',
    async run(storage) {
      const kv = await storage.openKeyValue<Bookmark>({ name: 'bookmarks' });
      assert.equal(await kv.get('alice', room.jid), undefined);
      await kv.set('alice', room.jid, room);
      assert.deepEqual(await kv.get('alice', room.jid), room);
      await kv.set('alice', room.jid, { ...room, autojoin: false });
      assert.equal((await kv.get('alice', room.jid))?.autojoin, false);
      assert.equal(await kv.delete('alice', room.jid), true);
      assert.equal(await kv.delete('alice', room.jid), false);
      assert.equal(await kv.get('alice', room.jid), undefined);
    },
  },
  {
    name: 'round-trips JSON values of every kind: null, numbers, strings, arrays, nested objects',
    async run(storage) {
      const kv = await storage.openKeyValue<unknown>({ name: 'values' });
      const values: unknown[] = [
        null,
        0,
        -1.5,
        '',
        'text with "quotes" and ünïcödé',
        [],
        [1, [2]],
        { a: { b: [true] } },
      ];
      for (const [index, value] of values.entries()) await kv.set('', String(index), value);
      for (const [index, value] of values.entries()) assert.deepEqual(await kv.get('', String(index)), value);
    },
  },
  {
    name: 'refuses a value JSON cannot represent, storing nothing',
    async run(storage) {
      const kv = await storage.openKeyValue<unknown>({ name: 'values' });
      await assert.rejects(kv.set('alice', 'k', undefined), TypeError);
      await assert.rejects(
        kv.set('alice', 'k', () => 1),
        TypeError,
      );
      assert.deepEqual(await kv.entries('alice'), []);
    },
  },
  {
    name: 'hands out copies, not aliases, of what was set and what was read',
    async run(storage) {
      const kv = await storage.openKeyValue<Bookmark>({ name: 'bookmarks' });
      const value: Bookmark = { ...room, tags: ['work'] };
      await kv.set('alice', room.jid, value);
      value.tags.push('set-then-changed');
      const read = await kv.get('alice', room.jid);
      assert.ok(read);
      read.tags.push('read-then-changed');
      const [[, fromEntries] = ['', undefined]] = await kv.entries('alice');
      fromEntries?.tags.push('entry-then-changed');
      assert.deepEqual(await kv.get('alice', room.jid), room);
    },
  },
  {
    name: 'lists entries sorted by key in code point order',
    async run(storage) {
      const kv = await storage.openKeyValue<number>({ name: 'counters' });
      for (const [index, key] of ['b', '😀', 'a', '\uE000', 'B', 'a2'].entries()) await kv.set('alice', key, index);
      assert.deepEqual(
        (await kv.entries('alice')).map(([key]) => key),
        ['B', 'a', 'a2', 'b', '\uE000', '😀'],
      );
      assert.deepEqual(await kv.entries('nobody'), []);
    },
  },
  {
    name: 'keeps owners apart, and lists the owners that have keys, sorted, including the server ("")',
    async run(storage) {
      const kv = await storage.openKeyValue<number>({ name: 'counters' });
      await kv.set('bob', 'k', 1);
      await kv.set('alice', 'k', 2);
      await kv.set('', 'k', 3);
      await kv.set('carol', 'k', 4);
      await kv.delete('carol', 'k');
      assert.equal(await kv.get('alice', 'k'), 2);
      assert.equal(await kv.get('bob', 'k'), 1);
      assert.equal(await kv.get('', 'k'), 3);
      assert.deepEqual(await kv.owners(), ['', 'alice', 'bob']);
    },
  },
  {
    name: 'treats owners as given: no case folding (callers pass prepared usernames)',
    async run(storage) {
      const kv = await storage.openKeyValue<number>({ name: 'counters' });
      await kv.set('alice', 'k', 1);
      assert.equal(await kv.get('Alice', 'k'), undefined);
    },
  },
  {
    name: 'clear removes every key of one owner and says how many there were',
    async run(storage) {
      const kv = await storage.openKeyValue<number>({ name: 'counters' });
      await kv.set('alice', 'a', 1);
      await kv.set('alice', 'b', 2);
      await kv.set('bob', 'a', 3);
      assert.equal(await kv.clear('alice'), 2);
      assert.equal(await kv.clear('alice'), 0);
      assert.deepEqual(await kv.entries('alice'), []);
      assert.deepEqual(await kv.owners(), ['bob']);
    },
  },
  {
    name: 'keeps stores apart: the same owner and key in two stores are two values',
    async run(storage) {
      const one = await storage.openKeyValue<string>({ name: 'module-a' });
      const two = await storage.openKeyValue<string>({ name: 'module-a:second' });
      await one.set('alice', 'k', 'one');
      await two.set('alice', 'k', 'two');
      assert.equal(await one.get('alice', 'k'), 'one');
      assert.equal(await two.get('alice', 'k'), 'two');
      await one.clear('alice');
      assert.equal(await two.get('alice', 'k'), 'two');
      assert.deepEqual(await one.owners(), []);
    },
  },
  {
    name: 'add stores a value only where there is none, and says whether it did',
    async run(storage) {
      const kv = await storage.openKeyValue<string>({ name: 'keys' });
      assert.equal(await kv.add('', 'signing', 'first'), true);
      assert.equal(await kv.add('', 'signing', 'second'), false);
      assert.equal(await kv.get('', 'signing'), 'first');
      assert.equal(await kv.add('alice', 'signing', 'hers'), true, 'another owner is another entry');
      const racing = await storage.openKeyValue<string>({ name: 'keys' });
      const outcomes = await Promise.all(['a', 'b', 'c'].map((value) => racing.add('bob', 'once', value)));
      assert.equal(outcomes.filter(Boolean).length, 1, 'one of three concurrent adds wins');
      assert.equal(await kv.get('bob', 'once'), ['a', 'b', 'c'][outcomes.indexOf(true)]);
    },
  },
  {
    name: 'find looks an entry up by its key alone: the owner and the value, or undefined',
    async run(storage) {
      const kv = await storage.openKeyValue<number>({ name: 'files' });
      const other = await storage.openKeyValue<number>({ name: 'files:other' });
      await kv.set('carol', 'id-1', 1);
      await kv.set('bob', 'id-2', 2);
      await other.set('dave', 'id-3', 3);
      assert.deepEqual(await kv.find('id-1'), ['carol', 1]);
      assert.deepEqual(await kv.find('id-2'), ['bob', 2]);
      assert.equal(await kv.find('id-3'), undefined, 'another store');
      assert.equal(await kv.find('ID-1'), undefined, 'keys are exact');
      await kv.set('alice', 'id-1', 0);
      assert.deepEqual(await kv.find('id-1'), ['alice', 0], 'the first owner in code point order');
      await kv.delete('alice', 'id-1');
      await kv.delete('carol', 'id-1');
      assert.equal(await kv.find('id-1'), undefined);
    },
  },
  {
    name: 'sees, through a second handle on the same store, what the first wrote',
    async run(storage) {
      const first = await storage.openKeyValue<number>({ name: 'shared' });
      await first.set('alice', 'k', 1);
      const second = await storage.openKeyValue<number>({ name: 'shared' });
      assert.equal(await second.get('alice', 'k'), 1);
    },
  },
];
