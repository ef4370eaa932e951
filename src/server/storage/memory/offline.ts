// XEP-0160 offline messages, in process memory: serialised stanzas, oldest first.
import { prepareUsername } from '../../auth/saslprep.js';
import { stampMs } from '../shared/list-entries.js';
import type { OfflineMessage, OfflineStore } from '../types.js';
import type { MemoryTables } from './tables.js';

export class MemoryOfflineStore implements OfflineStore {
  readonly #tables: MemoryTables;

  constructor(tables: MemoryTables) {
    this.#tables = tables;
  }

  async push(username: string, stanza: string, stamp: Date): Promise<void> {
    const name = prepareUsername(username);
    let queue = this.#tables.offline.get(name);
    if (queue === undefined) this.#tables.offline.set(name, (queue = []));
    // Ids only grow, across accounts, like the SQLite store's AUTOINCREMENT.
    const id = ++this.#tables.offlineIds;
    queue.push({ id, stanza, stampMs: stampMs(stamp), bytes: Buffer.byteLength(stanza) });
  }

  async list(username: string, limit?: number): Promise<OfflineMessage[]> {
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new RangeError(`bad limit ${limit}`);
    const queue = this.#tables.offline.get(prepareUsername(username)) ?? [];
    return queue.slice(0, limit).map((message) => ({
      id: String(message.id),
      stanza: message.stanza,
      stamp: new Date(message.stampMs),
    }));
  }

  async deleteThrough(username: string, id: string): Promise<number> {
    const last = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(last)) throw new RangeError(`not an offline message id: ${id}`);
    const name = prepareUsername(username);
    const queue = this.#tables.offline.get(name) ?? [];
    const kept = queue.filter((message) => message.id > last);
    if (kept.length === 0) this.#tables.offline.delete(name);
    else this.#tables.offline.set(name, kept);
    return queue.length - kept.length;
  }

  async usage(username: string): Promise<{ count: number; bytes: number }> {
    const queue = this.#tables.offline.get(prepareUsername(username)) ?? [];
    return { count: queue.length, bytes: queue.reduce((sum, message) => sum + message.bytes, 0) };
  }
}
