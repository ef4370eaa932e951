// After a node dies: its entries leave Redis, and its users' contacts hear that they went offline,
// as they would have from the node itself (RFC 6121 §4.5.2: to subscribers' available resources
// and the user's own). One node does it: the lowest id among the live ones, holding a lock in
// Redis so that two nodes with different views of who is alive never both do.
import type { Redis } from 'ioredis';
import { xml } from '@ferry/protocol/xml/element';
import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import type { Storage } from '../storage/types.js';
import type { ClusterKeys } from './keys.js';
import type { ClusterSessionDirectory } from './cluster-directory.js';
import { REAP, runScript } from './scripts.js';
import { boundJid, decodeEntry, encodeEvent } from './session-entry.js';
import type { Jid } from '@ferry/protocol/jid';

export class Reaper {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #directory: ClusterSessionDirectory;
  readonly #router: Router;
  readonly #storage: Storage;
  readonly #logger: Logger;
  readonly #lockMs: number;

  constructor(options: {
    redis: Redis;
    keys: ClusterKeys;
    directory: ClusterSessionDirectory;
    router: Router;
    storage: Storage;
    logger: Logger;
    lockMs: number;
  }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#directory = options.directory;
    this.#router = options.router;
    this.#storage = options.storage;
    this.#logger = options.logger;
    this.#lockMs = options.lockMs;
  }

  /** Removes a dead node's entries and tells its available users' contacts; false if another node does. */
  async reap(node: string): Promise<boolean> {
    const claimed = await this.#redis.set(this.#keys.reaping(node), this.#directory.node, 'PX', this.#lockMs, 'NX');
    if (claimed !== 'OK') return false;
    return this.remove(node);
  }

  /**
   * Removes a node that is not alive (dead, or this one leaving or starting again), unless its
   * alive key is back; tells the contacts of its users that were available.
   */
  async remove(node: string): Promise<boolean> {
    const removed = await runScript(
      this.#redis,
      REAP,
      [this.#keys.nodes, this.#keys.alive(node), this.#keys.nodeSessions(node), this.#keys.inbox(node)],
      [node, this.#keys.events, encodeEvent({ op: 'gone', node }), this.#keys.sessions('')],
    );
    if (!Array.isArray(removed)) return false; // it came back meanwhile
    const gone: Jid[] = [];
    for (let i = 0; i + 1 < removed.length; i += 2) {
      const jid = typeof removed[i] === 'string' ? boundJid(removed[i] as string, this.#router.domain) : undefined;
      const entry = typeof removed[i + 1] === 'string' ? decodeEntry(removed[i + 1] as string) : undefined;
      if (jid !== undefined && entry?.presence !== undefined) gone.push(jid);
    }
    if (node !== this.#directory.node) {
      this.#logger.warn(
        { node, sessions: removed.length / 2 },
        'cluster: a node stopped heartbeating (cluster.node_timeout_seconds); its sessions are removed',
      );
    }
    for (const jid of gone) await this.#unavailable(jid);
    return true;
  }

  async #unavailable(jid: Jid): Promise<void> {
    const from = jid.toString();
    const send = (bare: string) => {
      for (const session of this.#directory.available(bare)) {
        if (session.jid.equals(jid)) continue;
        const presence = xml('presence', { type: 'unavailable', from, to: session.jid.toString() });
        this.#router.deliver(session, presence);
      }
    };
    send(jid.bare().toString());
    try {
      for (const item of await this.#storage.roster.items(jid.local)) {
        if (item.subscription === 'from' || item.subscription === 'both') send(item.jid);
      }
    } catch (error) {
      this.#logger.warn({ err: error, jid: from }, "cluster: could not tell a dead node user's contacts");
    }
  }
}
