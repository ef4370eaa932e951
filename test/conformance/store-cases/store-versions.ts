// StoreDefinition versions and migrate(): module-owned schema evolution, the same on every backend.
import assert from 'node:assert/strict';
import { StorageSchemaError, type KeyValueStore } from '../../../src/server/storage/index.js';
import type { StoreCase } from '../store-backends.js';

const isSchemaError = (pattern: RegExp) => (error: unknown) =>
  error instanceof StorageSchemaError && error.code === 'FERRY_ERR_STORAGE_SCHEMA' && pattern.test(error.message);

export const storeVersionCases: StoreCase[] = [
  {
    name: 'does not migrate a store opened for the first time, even at a higher version',
    async run(storage) {
      let calls = 0;
      await storage.openKeyValue<number>({ name: 'fresh', version: 3, migrate: async () => void calls++ });
      assert.equal(calls, 0);
    },
  },
  {
    name: 'migrates once from the stored version, through the store, seeing the old data',
    async run(storage) {
      const v1 = await storage.openKeyValue<string>({ name: 'nicknames' });
      await v1.set('alice', 'bob@example.com', 'Bob');
      await v1.set('carol', 'dave@example.com', 'Dave');

      type V2 = { nick: string };
      const seen: number[] = [];
      const definition = {
        name: 'nicknames',
        version: 2,
        async migrate(store: KeyValueStore<V2 | string>, from: number) {
          seen.push(from);
          for (const owner of await store.owners()) {
            for (const [key, value] of await store.entries(owner)) {
              if (typeof value === 'string') await store.set(owner, key, { nick: value });
            }
          }
        },
      };
      const v2 = await storage.openKeyValue<V2 | string>(definition);
      assert.deepEqual(seen, [1]);
      assert.deepEqual(await v2.get('alice', 'bob@example.com'), { nick: 'Bob' });
      assert.deepEqual(await v2.get('carol', 'dave@example.com'), { nick: 'Dave' });

      await storage.openKeyValue<V2 | string>(definition);
      assert.deepEqual(seen, [1], 'migrate() runs once');
    },
  },
  {
    name: 'migrates a list store too, and a version bump without migrate() just records the version',
    async run(storage) {
      const v1 = await storage.openList<number>({ name: 'events' });
      await v1.append('', 1);
      const v2 = await storage.openList<number>({ name: 'events', version: 2 });
      let from = 0;
      await storage.openList<number>({
        name: 'events',
        version: 3,
        async migrate(store, version) {
          from = version;
          for (const entry of await store.find('')) await store.append('', entry.value * 10);
        },
      });
      assert.equal(from, 2);
      assert.deepEqual(
        (await v2.find('')).map((e) => e.value),
        [1, 10],
      );
    },
  },
  {
    name: 'refuses a store at a newer version than the module, naming the store',
    async run(storage) {
      await storage.openKeyValue<number>({ name: 'ahead', version: 2 });
      await assert.rejects(storage.openKeyValue<number>({ name: 'ahead', version: 1 }), isSchemaError(/\bahead\b/));
      await assert.rejects(storage.openKeyValue<number>({ name: 'ahead' }), isSchemaError(/version 2/));
    },
  },
  {
    name: 'refuses a name opened with the other shape, naming the store',
    async run(storage) {
      await storage.openKeyValue<number>({ name: 'kv-then-list' });
      await assert.rejects(storage.openList<number>({ name: 'kv-then-list' }), isSchemaError(/kv-then-list/));
      await storage.openList<number>({ name: 'list-then-kv' });
      await assert.rejects(storage.openKeyValue<number>({ name: 'list-then-kv' }), isSchemaError(/list-then-kv/));
    },
  },
  {
    name: 'leaves the version as it was when migrate() fails, so the next open tries again',
    async run(storage) {
      await storage.openKeyValue<number>({ name: 'fragile' });
      const failing = {
        name: 'fragile',
        version: 2,
        migrate: async () => {
          throw new Error('disk on fire');
        },
      };
      await assert.rejects(storage.openKeyValue<number>(failing), (error: unknown) => {
        assert.ok(error instanceof StorageSchemaError);
        assert.match(error.message, /fragile/);
        assert.equal((error.cause as Error).message, 'disk on fire');
        return true;
      });
      let from = 0;
      await storage.openKeyValue<number>({
        name: 'fragile',
        version: 2,
        migrate: async (_store, v) => void (from = v),
      });
      assert.equal(from, 1);
    },
  },
  {
    name: 'migrates a store once when two opens of it race',
    async run(storage) {
      await storage.openKeyValue<number>({ name: 'raced' });
      let calls = 0;
      const definition = { name: 'raced', version: 2, migrate: async () => void calls++ };
      await Promise.all([storage.openKeyValue<number>(definition), storage.openKeyValue<number>(definition)]);
      assert.equal(calls, 1);
    },
  },
  {
    name: 'refuses a definition without a name or with a version below 1',
    async run(storage) {
      await assert.rejects(storage.openKeyValue<number>({ name: '' }), TypeError);
      await assert.rejects(storage.openList<number>({ name: 'bad', version: 0 }), RangeError);
      await assert.rejects(storage.openList<number>({ name: 'bad', version: 1.5 }), RangeError);
    },
  },
];
