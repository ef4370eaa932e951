// Module-owned key-value stores in process memory: JSON text by key, by owner, by store name.
import { decodeValue, encodeValue } from '../shared/json-values.js';
import { compareCodePoints } from '../shared/ordering.js';
import type { KeyValueStore } from '../types.js';
import { rowsOf, type MemoryTables } from './tables.js';

export class MemoryKeyValueStore<V> implements KeyValueStore<V> {
  readonly #store: string;
  readonly #tables: MemoryTables;

  constructor(store: string, tables: MemoryTables) {
    this.#store = store;
    this.#tables = tables;
  }

  async get(owner: string, key: string): Promise<V | undefined> {
    const json = this.#existing(owner)?.get(key);
    return json === undefined ? undefined : decodeValue<V>(json);
  }

  async set(owner: string, key: string, value: V): Promise<void> {
    const json = encodeValue(value);
    rowsOf(this.#tables.keyValues, this.#store, owner, () => new Map<string, string>()).set(key, json);
  }

  async add(owner: string, key: string, value: V): Promise<boolean> {
    if (this.#existing(owner)?.has(key) === true) return false;
    await this.set(owner, key, value);
    return true;
  }

  async find(key: string): Promise<[owner: string, value: V] | undefined> {
    for (const owner of await this.owners()) {
      const json = this.#existing(owner)?.get(key);
      if (json !== undefined) return [owner, decodeValue<V>(json)];
    }
    return undefined;
  }

  async delete(owner: string, key: string): Promise<boolean> {
    const items = this.#existing(owner);
    if (items?.delete(key) !== true) return false;
    if (items.size === 0) this.#tables.keyValues.get(this.#store)?.delete(owner);
    return true;
  }

  async entries(owner: string): Promise<[key: string, value: V][]> {
    const items = this.#existing(owner);
    if (items === undefined) return [];
    return [...items.entries()]
      .sort(([a], [b]) => compareCodePoints(a, b))
      .map(([key, json]) => [key, decodeValue<V>(json)]);
  }

  async owners(): Promise<string[]> {
    const owners = this.#tables.keyValues.get(this.#store);
    return owners === undefined ? [] : [...owners.keys()].sort(compareCodePoints);
  }

  async clear(owner: string): Promise<number> {
    const count = this.#existing(owner)?.size ?? 0;
    this.#tables.keyValues.get(this.#store)?.delete(owner);
    return count;
  }

  #existing(owner: string): Map<string, string> | undefined {
    return this.#tables.keyValues.get(this.#store)?.get(owner);
  }
}
