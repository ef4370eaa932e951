// XEP-0160: offline message storage. Stanzas are kept serialised; the message module re-parses
// and stamps them (XEP-0203) on delivery.
import type BetterSqlite3 from 'better-sqlite3';
import { prepareUsername } from '../../auth/saslprep.js';
import type { OfflineMessage, OfflineStore } from '../types.js';

interface MessageRow {
  id: number;
  stanza: string;
  stamp_ms: number;
}

export class SqliteOfflineStore implements OfflineStore {
  readonly #insert: BetterSqlite3.Statement<[string, string, number]>;
  readonly #count: BetterSqlite3.Statement<[string], { n: number }>;
  readonly #popAll: (username: string) => MessageRow[];

  constructor(db: BetterSqlite3.Database) {
    this.#insert = db.prepare('INSERT INTO offline_messages (username, stanza, stamp_ms) VALUES (?, ?, ?)');
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM offline_messages WHERE username = ?');
    const select = db.prepare<[string], MessageRow>(
      'SELECT id, stanza, stamp_ms FROM offline_messages WHERE username = ? ORDER BY id',
    );
    const deleteUpTo = db.prepare<[string, number]>('DELETE FROM offline_messages WHERE username = ? AND id <= ?');
    // Read and delete under one write lock, so a message pushed meanwhile is neither lost nor
    // delivered twice (ids only grow: AUTOINCREMENT never reuses one).
    const popAll = db.transaction((username: string): MessageRow[] => {
      const rows = select.all(username);
      const last = rows.at(-1);
      if (last !== undefined) deleteUpTo.run(username, last.id);
      return rows;
    });
    this.#popAll = (username) => popAll.immediate(username);
  }

  async push(username: string, stanza: string, stamp: Date): Promise<void> {
    this.#insert.run(prepareUsername(username), stanza, stamp.getTime());
  }

  async popAll(username: string): Promise<OfflineMessage[]> {
    return this.#popAll(prepareUsername(username)).map((row) => ({
      stanza: row.stanza,
      stamp: new Date(row.stamp_ms),
    }));
  }

  async count(username: string): Promise<number> {
    return this.#count.get(prepareUsername(username))?.n ?? 0;
  }
}
