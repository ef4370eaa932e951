// Module-owned key-value stores (ADR 0005): all of them share the kv_items table, keyed by the
// store's name. Statements are prepared once per database and take the store name as a parameter.
import type BetterSqlite3 from 'better-sqlite3';
import { decodeValue, encodeValue } from '../shared/json-values.js';
import type { KeyValueStore } from '../types.js';

export class SqliteKeyValueStatements {
  readonly select: BetterSqlite3.Statement<[string, string, string], { value_json: string }>;
  readonly upsert: BetterSqlite3.Statement<[string, string, string, string]>;
  readonly insert: BetterSqlite3.Statement<[string, string, string, string]>;
  readonly find: BetterSqlite3.Statement<[string, string], { owner: string; value_json: string }>;
  readonly delete: BetterSqlite3.Statement<[string, string, string]>;
  readonly entries: BetterSqlite3.Statement<[string, string], { key: string; value_json: string }>;
  readonly owners: BetterSqlite3.Statement<[string], { owner: string }>;
  readonly clear: BetterSqlite3.Statement<[string, string]>;

  constructor(db: BetterSqlite3.Database) {
    this.select = db.prepare('SELECT value_json FROM kv_items WHERE store = ? AND owner = ? AND key = ?');
    this.upsert = db.prepare(
      `INSERT INTO kv_items (store, owner, key, value_json) VALUES (?, ?, ?, ?)
       ON CONFLICT (store, owner, key) DO UPDATE SET value_json = excluded.value_json`,
    );
    this.insert = db.prepare(
      'INSERT INTO kv_items (store, owner, key, value_json) VALUES (?, ?, ?, ?) ON CONFLICT (store, owner, key) DO NOTHING',
    );
    this.find = db.prepare('SELECT owner, value_json FROM kv_items WHERE store = ? AND key = ? ORDER BY owner LIMIT 1');
    this.delete = db.prepare('DELETE FROM kv_items WHERE store = ? AND owner = ? AND key = ?');
    this.entries = db.prepare('SELECT key, value_json FROM kv_items WHERE store = ? AND owner = ? ORDER BY key');
    this.owners = db.prepare('SELECT DISTINCT owner FROM kv_items WHERE store = ? ORDER BY owner');
    this.clear = db.prepare('DELETE FROM kv_items WHERE store = ? AND owner = ?');
  }
}

export class SqliteKeyValueStore<V> implements KeyValueStore<V> {
  readonly #store: string;
  readonly #statements: SqliteKeyValueStatements;

  constructor(store: string, statements: SqliteKeyValueStatements) {
    this.#store = store;
    this.#statements = statements;
  }

  async get(owner: string, key: string): Promise<V | undefined> {
    const row = this.#statements.select.get(this.#store, owner, key);
    return row === undefined ? undefined : decodeValue<V>(row.value_json);
  }

  async set(owner: string, key: string, value: V): Promise<void> {
    this.#statements.upsert.run(this.#store, owner, key, encodeValue(value));
  }

  async add(owner: string, key: string, value: V): Promise<boolean> {
    return this.#statements.insert.run(this.#store, owner, key, encodeValue(value)).changes > 0;
  }

  async find(key: string): Promise<[owner: string, value: V] | undefined> {
    const row = this.#statements.find.get(this.#store, key);
    return row === undefined ? undefined : [row.owner, decodeValue<V>(row.value_json)];
  }

  async delete(owner: string, key: string): Promise<boolean> {
    return this.#statements.delete.run(this.#store, owner, key).changes > 0;
  }

  async entries(owner: string): Promise<[key: string, value: V][]> {
    return this.#statements.entries.all(this.#store, owner).map((row) => [row.key, decodeValue<V>(row.value_json)]);
  }

  async owners(): Promise<string[]> {
    return this.#statements.owners.all(this.#store).map((row) => row.owner);
  }

  async clear(owner: string): Promise<number> {
    return this.#statements.clear.run(this.#store, owner).changes;
  }
}
