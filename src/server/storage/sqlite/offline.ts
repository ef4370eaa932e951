// XEP-0160: offline message storage. Stanzas are kept serialised; the message module re-parses
// and stamps them (XEP-0203) on delivery, and deletes them once the client has acknowledged them.
import type BetterSqlite3 from 'better-sqlite3';
import { prepareUsername } from '../../auth/saslprep.js';
import type { OfflineMessage, OfflineStore } from '../types.js';

interface MessageRow {
  id: number;
  stanza: string;
  stamp_ms: number;
}

export class SqliteOfflineStore implements OfflineStore {
  readonly #insert: BetterSqlite3.Statement<[string, string, number, number]>;
  readonly #usage: BetterSqlite3.Statement<[string], { n: number; bytes: number | null }>;
  readonly #select: BetterSqlite3.Statement<[string, number], MessageRow>;
  readonly #deleteThrough: BetterSqlite3.Statement<[string, number]>;

  constructor(db: BetterSqlite3.Database) {
    this.#insert = db.prepare('INSERT INTO offline_messages (username, stanza, stamp_ms, bytes) VALUES (?, ?, ?, ?)');
    this.#usage = db.prepare('SELECT COUNT(*) AS n, SUM(bytes) AS bytes FROM offline_messages WHERE username = ?');
    this.#select = db.prepare(
      'SELECT id, stanza, stamp_ms FROM offline_messages WHERE username = ? ORDER BY id LIMIT ?',
    );
    // Ids only grow (AUTOINCREMENT never reuses one): a message pushed after the list is kept.
    this.#deleteThrough = db.prepare('DELETE FROM offline_messages WHERE username = ? AND id <= ?');
  }

  async push(username: string, stanza: string, stamp: Date): Promise<void> {
    this.#insert.run(prepareUsername(username), stanza, stamp.getTime(), Buffer.byteLength(stanza));
  }

  async list(username: string, limit = -1): Promise<OfflineMessage[]> {
    if (limit !== -1 && (!Number.isSafeInteger(limit) || limit < 0)) throw new RangeError(`bad limit ${limit}`);
    return this.#select.all(prepareUsername(username), limit).map((row) => ({
      id: String(row.id),
      stanza: row.stanza,
      stamp: new Date(row.stamp_ms),
    }));
  }

  async deleteThrough(username: string, id: string): Promise<number> {
    const last = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(last)) throw new RangeError(`not an offline message id: ${id}`);
    return this.#deleteThrough.run(prepareUsername(username), last).changes;
  }

  async usage(username: string): Promise<{ count: number; bytes: number }> {
    const row = this.#usage.get(prepareUsername(username));
    return { count: row?.n ?? 0, bytes: row?.bytes ?? 0 };
  }
}
