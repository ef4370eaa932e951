// RFC 6121 §2: roster items, and §2.6 roster versioning.
//
// An item and its roster's version change in one transaction, or a client could cache a stale
// roster. Both writes lock the item's row first and the roster's version row second, so a put
// and a remove racing on another node wait for each other instead of deadlocking.
import { prepareUsername } from '../../auth/saslprep.js';
import { rosterVersion } from '../shared/roster.js';
import type { RosterItem, RosterStore, Subscription } from '../types.js';
import type { PgDatabase } from './database.js';

interface ItemRow {
  jid: string;
  name: string | null;
  subscription: Subscription;
  ask: 'subscribe' | null;
  pending_in: boolean;
  groups_json: string;
}

const COLUMNS = 'jid, name, subscription, ask, pending_in, groups_json';

const UPSERT_ITEM = `
  INSERT INTO roster_items (username, ${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (username, jid) DO UPDATE SET
    name = EXCLUDED.name, subscription = EXCLUDED.subscription, ask = EXCLUDED.ask,
    pending_in = EXCLUDED.pending_in, groups_json = EXCLUDED.groups_json`;

// The update draws its own value under the row lock, so versions of one roster still rise in
// commit order when two first writes race (the loser's drawn value is simply skipped).
const BUMP_VERSION = `
  INSERT INTO roster_versions (username, version) VALUES ($1, nextval('roster_version_counter'))
  ON CONFLICT (username) DO UPDATE SET version = nextval('roster_version_counter')
  RETURNING version`;

export class PostgresRosterStore implements RosterStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async items(username: string): Promise<RosterItem[]> {
    const { rows } = await this.#db.query<ItemRow>(
      `SELECT ${COLUMNS} FROM roster_items WHERE username = $1 ORDER BY jid`,
      [prepareUsername(username)],
    );
    return rows.map(fromRow);
  }

  async get(username: string, jid: string): Promise<RosterItem | undefined> {
    const { rows } = await this.#db.query<ItemRow>(
      `SELECT ${COLUMNS} FROM roster_items WHERE username = $1 AND jid = $2`,
      [prepareUsername(username), jid],
    );
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async put(username: string, item: RosterItem): Promise<string> {
    const name = prepareUsername(username);
    return this.#db.transaction(async () => {
      await this.#db.query(UPSERT_ITEM, [
        name,
        item.jid,
        item.name ?? null,
        item.subscription,
        item.ask ?? null,
        item.pendingIn === true,
        JSON.stringify(item.groups),
      ]);
      return this.#bump(name);
    });
  }

  async remove(username: string, jid: string): Promise<string | undefined> {
    const name = prepareUsername(username);
    return this.#db.transaction(async () => {
      const deleted = await this.#db.query('DELETE FROM roster_items WHERE username = $1 AND jid = $2', [name, jid]);
      return deleted.rowCount === 1 ? this.#bump(name) : undefined;
    });
  }

  async version(username: string): Promise<string> {
    const { rows } = await this.#db.query<{ version: string }>(
      'SELECT version FROM roster_versions WHERE username = $1',
      [prepareUsername(username)],
    );
    return rows[0] === undefined ? rosterVersion(undefined) : rows[0].version;
  }

  async #bump(name: string): Promise<string> {
    // BIGINT arrives as a decimal string, which is the version's opaque form already.
    const { rows } = await this.#db.query<{ version: string }>(BUMP_VERSION, [name]);
    const version = rows[0]?.version;
    if (version === undefined) throw new Error('roster version upsert returned no row');
    return version;
  }
}

function fromRow(row: ItemRow): RosterItem {
  const item: RosterItem = { jid: row.jid, subscription: row.subscription, groups: parseGroups(row.groups_json) };
  if (row.name !== null) item.name = row.name;
  if (row.ask !== null) item.ask = row.ask;
  if (row.pending_in) item.pendingIn = true;
  return item;
}

function parseGroups(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}
