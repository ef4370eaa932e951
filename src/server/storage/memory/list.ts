// Module-owned list stores in process memory: entries in append order (so ids ascend) by owner,
// by store name.
import { decodeValue, encodeValue } from '../shared/json-values.js';
import { formatListId, listQueryBounds, parseListId, stampMs } from '../shared/list-entries.js';
import type { ListEntry, ListQuery, ListStore } from '../types.js';
import { rowsOf, type MemoryTables, type StoredListEntry } from './tables.js';

export class MemoryListStore<V> implements ListStore<V> {
  readonly #store: string;
  readonly #tables: MemoryTables;

  constructor(store: string, tables: MemoryTables) {
    this.#store = store;
    this.#tables = tables;
  }

  async append(owner: string, value: V, stamp: Date = new Date()): Promise<string> {
    // Checked before taking an id, so a refused value leaves no gap behind.
    const entry = { stampMs: stampMs(stamp), json: encodeValue(value) };
    const id = this.#tables.nextListId();
    rowsOf(this.#tables.lists, this.#store, owner, (): StoredListEntry[] => []).push({ id, ...entry });
    return formatListId(id);
  }

  async find(owner: string, query: ListQuery = {}): Promise<ListEntry<V>[]> {
    const { afterId = 0, beforeMs = Infinity, limit = Infinity } = listQueryBounds(query);
    const found: ListEntry<V>[] = [];
    for (const entry of this.#existing(owner)) {
      if (found.length >= limit) break;
      if (entry.id <= afterId || entry.stampMs >= beforeMs) continue;
      found.push({ id: formatListId(entry.id), stamp: new Date(entry.stampMs), value: decodeValue<V>(entry.json) });
    }
    return found;
  }

  async delete(owner: string, which: { ids: readonly string[] } | { before: Date }): Promise<number> {
    const doomed =
      'ids' in which
        ? (
            (ids: Set<number>) => (entry: StoredListEntry) =>
              ids.has(entry.id)
          )(new Set(which.ids.map(parseListId)))
        : (
            (before: number) => (entry: StoredListEntry) =>
              entry.stampMs < before
          )(stampMs(which.before));
    const entries = this.#existing(owner);
    const kept = entries.filter((entry) => !doomed(entry));
    const owners = this.#tables.lists.get(this.#store);
    if (kept.length === 0) owners?.delete(owner);
    else owners?.set(owner, kept);
    return entries.length - kept.length;
  }

  async count(owner: string): Promise<number> {
    return this.#existing(owner).length;
  }

  #existing(owner: string): readonly StoredListEntry[] {
    return this.#tables.lists.get(this.#store)?.get(owner) ?? [];
  }
}
