// RFC 6121 §2: roster items, and §2.6 roster versioning.
import type BetterSqlite3 from 'better-sqlite3';
import { prepareUsername } from '../../auth/saslprep.js';
import { rosterVersion } from '../shared/roster.js';
import type { RosterItem, RosterStore, Subscription } from '../types.js';

interface ItemRow {
  jid: string;
  name: string | null;
  subscription: Subscription;
  ask: 'subscribe' | null;
  pending_in: number;
  groups_json: string;
}

type ItemParams = [string, string, string | null, Subscription, string | null, number, string];

const COLUMNS = 'jid, name, subscription, ask, pending_in, groups_json';

export class SqliteRosterStore implements RosterStore {
  readonly #selectItems: BetterSqlite3.Statement<[string], ItemRow>;
  readonly #selectItem: BetterSqlite3.Statement<[string, string], ItemRow>;
  readonly #selectVersion: BetterSqlite3.Statement<[string], { version: number }>;
  readonly #put: (username: string, params: ItemParams) => string;
  readonly #remove: (username: string, jid: string) => string | undefined;

  constructor(db: BetterSqlite3.Database) {
    this.#selectItems = db.prepare(`SELECT ${COLUMNS} FROM roster_items WHERE username = ? ORDER BY jid`);
    this.#selectItem = db.prepare(`SELECT ${COLUMNS} FROM roster_items WHERE username = ? AND jid = ?`);
    this.#selectVersion = db.prepare('SELECT version FROM roster_versions WHERE username = ?');

    const upsertItem = db.prepare<ItemParams>(
      `INSERT OR REPLACE INTO roster_items (username, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const deleteItem = db.prepare<[string, string]>('DELETE FROM roster_items WHERE username = ? AND jid = ?');
    const nextVersion = db.prepare<[], { value: number }>(
      'UPDATE roster_version_counter SET value = value + 1 WHERE id = 1 RETURNING value',
    );
    const setVersion = db.prepare<[string, number]>(
      'INSERT OR REPLACE INTO roster_versions (username, version) VALUES (?, ?)',
    );
    const bump = (username: string): string => {
      const row = nextVersion.get();
      if (row === undefined) throw new Error('roster_version_counter row is missing');
      setVersion.run(username, row.value);
      return rosterVersion(row.value);
    };

    // Item and version change together or not at all, or a client could cache a stale roster.
    const put = db.transaction((username: string, params: ItemParams): string => {
      upsertItem.run(...params);
      return bump(username);
    });
    const remove = db.transaction((username: string, jid: string): string | undefined =>
      deleteItem.run(username, jid).changes > 0 ? bump(username) : undefined,
    );
    this.#put = (username, params) => put.immediate(username, params);
    this.#remove = (username, jid) => remove.immediate(username, jid);
  }

  async items(username: string): Promise<RosterItem[]> {
    return this.#selectItems.all(prepareUsername(username)).map(fromRow);
  }

  async get(username: string, jid: string): Promise<RosterItem | undefined> {
    const row = this.#selectItem.get(prepareUsername(username), jid);
    return row === undefined ? undefined : fromRow(row);
  }

  async put(username: string, item: RosterItem): Promise<string> {
    const name = prepareUsername(username);
    return this.#put(name, [
      name,
      item.jid,
      item.name ?? null,
      item.subscription,
      item.ask ?? null,
      item.pendingIn === true ? 1 : 0,
      JSON.stringify(item.groups),
    ]);
  }

  async remove(username: string, jid: string): Promise<string | undefined> {
    return this.#remove(prepareUsername(username), jid);
  }

  async version(username: string): Promise<string> {
    return rosterVersion(this.#selectVersion.get(prepareUsername(username))?.version);
  }
}

function fromRow(row: ItemRow): RosterItem {
  const item: RosterItem = { jid: row.jid, subscription: row.subscription, groups: parseGroups(row.groups_json) };
  if (row.name !== null) item.name = row.name;
  if (row.ask !== null) item.ask = row.ask;
  if (row.pending_in === 1) item.pendingIn = true;
  return item;
}

function parseGroups(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}
