// Module-owned key-value stores (ADR 0005): all of them share the kv_items table, keyed by the
// store's name. Every method is one statement, atomic on its own, so nodes need no locking here;
// read-modify-write sequences are the caller's to serialise (ADR 0005, KeyedQueue).
import { decodeValue, encodeValue } from '../shared/json-values.js';
import type { KeyValueStore } from '../types.js';
import type { PgDatabase } from './database.js';

export class PostgresKeyValueStore<V> implements KeyValueStore<V> {
  readonly #db: PgDatabase;
  readonly #store: string;

  constructor(db: PgDatabase, store: string) {
    this.#db = db;
    this.#store = store;
  }

  async get(owner: string, key: string): Promise<V | undefined> {
    const { rows } = await this.#db.query<{ value_json: string }>(
      'SELECT value_json FROM kv_items WHERE store = $1 AND owner = $2 AND key = $3',
      [this.#store, owner, key],
    );
    return rows[0] === undefined ? undefined : decodeValue<V>(rows[0].value_json);
  }

  async set(owner: string, key: string, value: V): Promise<void> {
    await this.#db.query(
      `INSERT INTO kv_items (store, owner, key, value_json) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store, owner, key) DO UPDATE SET value_json = EXCLUDED.value_json`,
      [this.#store, owner, key, encodeValue(value)],
    );
  }

  async add(owner: string, key: string, value: V): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `INSERT INTO kv_items (store, owner, key, value_json) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store, owner, key) DO NOTHING`,
      [this.#store, owner, key, encodeValue(value)],
    );
    return rowCount === 1;
  }

  async find(key: string): Promise<[owner: string, value: V] | undefined> {
    const { rows } = await this.#db.query<{ owner: string; value_json: string }>(
      'SELECT owner, value_json FROM kv_items WHERE store = $1 AND key = $2 ORDER BY owner LIMIT 1',
      [this.#store, key],
    );
    return rows[0] === undefined ? undefined : [rows[0].owner, decodeValue<V>(rows[0].value_json)];
  }

  async delete(owner: string, key: string): Promise<boolean> {
    const { rowCount } = await this.#db.query('DELETE FROM kv_items WHERE store = $1 AND owner = $2 AND key = $3', [
      this.#store,
      owner,
      key,
    ]);
    return rowCount === 1;
  }

  async entries(owner: string): Promise<[key: string, value: V][]> {
    const { rows } = await this.#db.query<{ key: string; value_json: string }>(
      'SELECT key, value_json FROM kv_items WHERE store = $1 AND owner = $2 ORDER BY key',
      [this.#store, owner],
    );
    return rows.map((row) => [row.key, decodeValue<V>(row.value_json)]);
  }

  async owners(): Promise<string[]> {
    const { rows } = await this.#db.query<{ owner: string }>(
      'SELECT DISTINCT owner FROM kv_items WHERE store = $1 ORDER BY owner',
      [this.#store],
    );
    return rows.map((row) => row.owner);
  }

  async clear(owner: string): Promise<number> {
    const { rowCount } = await this.#db.query('DELETE FROM kv_items WHERE store = $1 AND owner = $2', [
      this.#store,
      owner,
    ]);
    return rowCount ?? 0;
  }
}
