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
    queue.push({ stanza, stampMs: stampMs(stamp) });
  }

  async popAll(username: string): Promise<OfflineMessage[]> {
    const name = prepareUsername(username);
    const queue = this.#tables.offline.get(name) ?? [];
    this.#tables.offline.delete(name);
    return queue.map((message) => ({ stanza: message.stanza, stamp: new Date(message.stampMs) }));
  }

  async count(username: string): Promise<number> {
    return this.#tables.offline.get(prepareUsername(username))?.length ?? 0;
  }
}
