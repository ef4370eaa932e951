// Module-owned list stores (ADR 0005): all of them share the list_items table, keyed by the
// store's name; ids are the table's AUTOINCREMENT rowids, so they only grow.
import type BetterSqlite3 from 'better-sqlite3';
import { decodeValue, encodeValue } from '../shared/json-values.js';
import { formatListId, listQueryBounds, parseListId, stampMs } from '../shared/list-entries.js';
import type { ListEntry, ListQuery, ListStore } from '../types.js';

interface ItemRow {
  id: number;
  stamp_ms: number;
  value_json: string;
}

// Bounds that no row can cross stand in for an absent part of a query: ids start at 1, stamps
// stay below Date's maximum (8.64e15 ms), and LIMIT -1 is SQLite's "no limit".
const NO_AFTER = 0;
const NO_BEFORE = Number.MAX_SAFE_INTEGER;
const NO_LIMIT = -1;

export class SqliteListStatements {
  readonly insert: BetterSqlite3.Statement<[string, string, number, string]>;
  readonly find: BetterSqlite3.Statement<[string, string, number, number, number], ItemRow>;
  readonly deleteId: BetterSqlite3.Statement<[string, string, number]>;
  readonly deleteBefore: BetterSqlite3.Statement<[string, string, number]>;
  readonly count: BetterSqlite3.Statement<[string, string], { n: number }>;
  readonly deleteIds: (store: string, owner: string, ids: number[]) => number;

  constructor(db: BetterSqlite3.Database) {
    this.insert = db.prepare('INSERT INTO list_items (store, owner, stamp_ms, value_json) VALUES (?, ?, ?, ?)');
    this.find = db.prepare(
      `SELECT id, stamp_ms, value_json FROM list_items
       WHERE store = ? AND owner = ? AND id > ? AND stamp_ms < ? ORDER BY id LIMIT ?`,
    );
    this.deleteId = db.prepare('DELETE FROM list_items WHERE store = ? AND owner = ? AND id = ?');
    this.deleteBefore = db.prepare('DELETE FROM list_items WHERE store = ? AND owner = ? AND stamp_ms < ?');
    this.count = db.prepare('SELECT COUNT(*) AS n FROM list_items WHERE store = ? AND owner = ?');
    const deleteIds = db.transaction((store: string, owner: string, ids: number[]): number =>
      ids.reduce((deleted, id) => deleted + this.deleteId.run(store, owner, id).changes, 0),
    );
    this.deleteIds = (store, owner, ids) => deleteIds.immediate(store, owner, ids);
  }
}

export class SqliteListStore<V> implements ListStore<V> {
  readonly #store: string;
  readonly #statements: SqliteListStatements;

  constructor(store: string, statements: SqliteListStatements) {
    this.#store = store;
    this.#statements = statements;
  }

  async append(owner: string, value: V, stamp: Date = new Date()): Promise<string> {
    const result = this.#statements.insert.run(this.#store, owner, stampMs(stamp), encodeValue(value));
    return formatListId(Number(result.lastInsertRowid));
  }

  async find(owner: string, query: ListQuery = {}): Promise<ListEntry<V>[]> {
    const { afterId, beforeMs, limit } = listQueryBounds(query);
    const rows = this.#statements.find.all(
      this.#store,
      owner,
      afterId ?? NO_AFTER,
      beforeMs ?? NO_BEFORE,
      limit ?? NO_LIMIT,
    );
    return rows.map((row) => ({
      id: formatListId(row.id),
      stamp: new Date(row.stamp_ms),
      value: decodeValue<V>(row.value_json),
    }));
  }

  async delete(owner: string, which: { ids: readonly string[] } | { before: Date }): Promise<number> {
    if ('ids' in which) return this.#statements.deleteIds(this.#store, owner, [...new Set(which.ids.map(parseListId))]);
    return this.#statements.deleteBefore.run(this.#store, owner, stampMs(which.before)).changes;
  }

  async count(owner: string): Promise<number> {
    return this.#statements.count.get(this.#store, owner)?.n ?? 0;
  }
}
