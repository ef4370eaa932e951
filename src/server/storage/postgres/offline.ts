// XEP-0160: offline message storage. Stanzas are kept serialised; the message module re-parses
// and stamps them (XEP-0203) on delivery, and deletes them once the client has acknowledged them.
import { prepareUsername } from '../../auth/saslprep.js';
import type { OfflineMessage, OfflineStore } from '../types.js';
import type { PgDatabase } from './database.js';
import { serialisedAppend } from './serialised-append.js';

interface MessageRow {
  id: string;
  stanza: string;
  stamp: Date;
}

// deleteThrough(id) deletes by `id <= acknowledged`, which is only right if no message of the
// account commits with a lower id after a list() has been read. Ids come from a sequence, and
// two nodes pushing to one account could commit out of order; pushes to one account therefore
// take turns (see serialised-append.ts), while different accounts proceed in parallel.
const PUSH = serialisedAppend(
  'offline',
  'INSERT INTO offline_messages (username, stanza, stamp, bytes) SELECT $1, $2, $3, $4 FROM serialised',
  '$1',
);

export class PostgresOfflineStore implements OfflineStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async push(username: string, stanza: string, stamp: Date): Promise<void> {
    await this.#db.query(PUSH, [prepareUsername(username), stanza, stamp, Buffer.byteLength(stanza)]);
  }

  async list(username: string, limit?: number): Promise<OfflineMessage[]> {
    if (limit !== undefined && limit !== -1 && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new RangeError(`bad limit ${limit}`);
    }
    // LIMIT NULL is no limit; -1 is what the SQLite backend has always accepted for that.
    const { rows } = await this.#db.query<MessageRow>(
      'SELECT id, stanza, stamp FROM offline_messages WHERE username = $1 ORDER BY id LIMIT $2',
      [prepareUsername(username), limit === undefined || limit === -1 ? null : limit],
    );
    return rows.map((row) => ({ id: row.id, stanza: row.stanza, stamp: row.stamp }));
  }

  async deleteThrough(username: string, id: string): Promise<number> {
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(Number(id))) {
      throw new RangeError(`not an offline message id: ${id}`);
    }
    const { rowCount } = await this.#db.query('DELETE FROM offline_messages WHERE username = $1 AND id <= $2', [
      prepareUsername(username),
      id,
    ]);
    return rowCount ?? 0;
  }

  async usage(username: string): Promise<{ count: number; bytes: number }> {
    const { rows } = await this.#db.query<{ count: number; bytes: number }>(
      `SELECT COUNT(*)::integer AS count, COALESCE(SUM(bytes), 0)::float8 AS bytes
       FROM offline_messages WHERE username = $1`,
      [prepareUsername(username)],
    );
    return { count: rows[0]?.count ?? 0, bytes: rows[0]?.bytes ?? 0 };
  }
}
