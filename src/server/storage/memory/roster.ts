// RFC 6121 §2 rosters and §2.6 versions, in process memory.
import { prepareUsername } from '../../auth/saslprep.js';
import { compareCodePoints } from '../shared/ordering.js';
import { copyRosterItem, rosterVersion } from '../shared/roster.js';
import type { RosterItem, RosterStore } from '../types.js';
import type { MemoryTables } from './tables.js';

export class MemoryRosterStore implements RosterStore {
  readonly #tables: MemoryTables;

  constructor(tables: MemoryTables) {
    this.#tables = tables;
  }

  async items(username: string): Promise<RosterItem[]> {
    const items = this.#tables.rosterItems.get(prepareUsername(username));
    if (items === undefined) return [];
    return [...items.values()].sort((a, b) => compareCodePoints(a.jid, b.jid)).map(copyRosterItem);
  }

  async get(username: string, jid: string): Promise<RosterItem | undefined> {
    const item = this.#tables.rosterItems.get(prepareUsername(username))?.get(jid);
    return item === undefined ? undefined : copyRosterItem(item);
  }

  async put(username: string, item: RosterItem): Promise<string> {
    const name = prepareUsername(username);
    let items = this.#tables.rosterItems.get(name);
    if (items === undefined) this.#tables.rosterItems.set(name, (items = new Map()));
    items.set(item.jid, copyRosterItem(item));
    return this.#bump(name);
  }

  async remove(username: string, jid: string): Promise<string | undefined> {
    const name = prepareUsername(username);
    return this.#tables.rosterItems.get(name)?.delete(jid) === true ? this.#bump(name) : undefined;
  }

  async version(username: string): Promise<string> {
    return rosterVersion(this.#tables.rosterVersions.get(prepareUsername(username)));
  }

  #bump(name: string): string {
    const version = this.#tables.nextRosterVersion();
    this.#tables.rosterVersions.set(name, version);
    return rosterVersion(version);
  }
}
