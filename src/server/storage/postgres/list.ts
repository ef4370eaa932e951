// Module-owned list stores (ADR 0005): all of them share the list_items table, keyed by the
// store's name; ids are the table's identity values, so they only grow.
import { decodeValue, encodeValue } from '../shared/json-values.js';
import { formatListId, listQueryBounds, parseListId, stampMs } from '../shared/list-entries.js';
import type { ListEntry, ListQuery, ListStore } from '../types.js';
import type { PgDatabase } from './database.js';
import { serialisedAppend } from './serialised-append.js';

interface ItemRow {
  id: string;
  stamp: Date;
  value_json: string;
}

// Appends to one owner's entries in one store take turns, so "after id" never skips an entry
// that committed late (serialised-append.ts).
const APPEND = serialisedAppend(
  'list',
  `INSERT INTO list_items (store, owner, stamp, value_json) SELECT $1, $2, $3, $4 FROM serialised
   RETURNING id`,
  `$1::text || '/' || $2::text`,
);

// NULL stands in for an absent part of a query: no lower id, no upper stamp, LIMIT NULL is ALL.
const FIND = `
  SELECT id, stamp, value_json FROM list_items
  WHERE store = $1 AND owner = $2
    AND ($3::bigint IS NULL OR id > $3::bigint)
    AND ($4::timestamptz IS NULL OR stamp < $4::timestamptz)
  ORDER BY id LIMIT $5`;

export class PostgresListStore<V> implements ListStore<V> {
  readonly #db: PgDatabase;
  readonly #store: string;

  constructor(db: PgDatabase, store: string) {
    this.#db = db;
    this.#store = store;
  }

  async append(owner: string, value: V, stamp: Date = new Date()): Promise<string> {
    stampMs(stamp);
    const { rows } = await this.#db.query<{ id: string }>(APPEND, [this.#store, owner, stamp, encodeValue(value)]);
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('list append returned no id');
    return formatListId(Number(id));
  }

  async find(owner: string, query: ListQuery = {}): Promise<ListEntry<V>[]> {
    const { afterId, beforeMs, limit } = listQueryBounds(query);
    const { rows } = await this.#db.query<ItemRow>(FIND, [
      this.#store,
      owner,
      afterId ?? null,
      beforeMs === undefined ? null : new Date(beforeMs),
      limit ?? null,
    ]);
    return rows.map((row) => ({
      id: formatListId(Number(row.id)),
      stamp: row.stamp,
      value: decodeValue<V>(row.value_json),
    }));
  }

  async delete(owner: string, which: { ids: readonly string[] } | { before: Date }): Promise<number> {
    const result =
      'ids' in which
        ? await this.#db.query('DELETE FROM list_items WHERE store = $1 AND owner = $2 AND id = ANY($3::bigint[])', [
            this.#store,
            owner,
            which.ids.map(parseListId),
          ])
        : await this.#db.query('DELETE FROM list_items WHERE store = $1 AND owner = $2 AND stamp < $3', [
            this.#store,
            owner,
            new Date(stampMs(which.before)),
          ]);
    return result.rowCount ?? 0;
  }

  async count(owner: string): Promise<number> {
    const { rows } = await this.#db.query<{ n: number }>(
      'SELECT COUNT(*)::integer AS n FROM list_items WHERE store = $1 AND owner = $2',
      [this.#store, owner],
    );
    return rows[0]?.n ?? 0;
  }
}
