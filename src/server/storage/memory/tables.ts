// Everything one memory Storage holds. Values are kept in the form a database would hold them
// (copied roster items, JSON text for module stores), so what callers get back is always a copy.
import type { ScramCredentials, ScramHash } from '../../auth/scram.js';
import type { StoreRecord } from '../shared/store-versions.js';
import type { RosterItem } from '../types.js';

export interface StoredListEntry {
  id: number;
  stampMs: number;
  json: string;
}

/** Rows of one owner, by owner, by store name. */
type ByStore<Row> = Map<string, Map<string, Row>>;

export class MemoryTables {
  readonly credentials = new Map<string, Map<ScramHash, ScramCredentials>>();
  readonly rosterItems = new Map<string, Map<string, RosterItem>>();
  readonly rosterVersions = new Map<string, number>();
  readonly offline = new Map<string, { id: number; stanza: string; stampMs: number; bytes: number }[]>();
  /** The last offline message id issued (ids only grow, as with SQL's AUTOINCREMENT). */
  offlineIds = 0;
  readonly keyValues: ByStore<Map<string, string>> = new Map();
  readonly lists: ByStore<StoredListEntry[]> = new Map();
  readonly stores = new Map<string, StoreRecord>();
  /** One sequence each, as in SQL: roster versions and list ids are never reused. */
  #rosterCounter = 0;
  #listCounter = 0;

  nextRosterVersion(): number {
    return ++this.#rosterCounter;
  }

  nextListId(): number {
    return ++this.#listCounter;
  }

  /** What `accounts.delete` removes besides the credentials: everything the account owns. */
  deleteOwnedBy(username: string): void {
    this.rosterItems.delete(username);
    this.rosterVersions.delete(username);
    this.offline.delete(username);
    for (const owners of this.keyValues.values()) owners.delete(username);
    for (const owners of this.lists.values()) owners.delete(username);
  }
}

/** The owner's rows in one store, created on first use. */
export function rowsOf<Row>(table: ByStore<Row>, store: string, owner: string, create: () => Row): Row {
  let owners = table.get(store);
  if (owners === undefined) table.set(store, (owners = new Map()));
  let rows = owners.get(owner);
  if (rows === undefined) owners.set(owner, (rows = create()));
  return rows;
}
