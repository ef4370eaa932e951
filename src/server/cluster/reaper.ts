// After a node dies: its entries leave Redis, and its users' contacts hear that they went offline,
// as they would have from the node itself (RFC 6121 §4.5.2: to subscribers' available resources
// and the user's own). What was waiting in its inbox is not lost: the inbox moves aside in the
// same script, and each stanza is routed again from here (orphan-stanza.ts), so a message reaches
// the user's other resources or offline storage and a request bounces. One node does it: the
// lowest id among the live ones, holding a lock in Redis so that two nodes with different views
// of who is alive never both do.
import type { Redis } from 'ioredis';
import { xml } from '@ferry/protocol/xml/element';
import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import type { ClusterKeys } from './keys.js';
import type { ClusterSessionDirectory } from './cluster-directory.js';
import type { ContactPresence } from './contact-presence.js';
import type { Forwarder } from './forwarder.js';
import { decodeEnvelope } from './envelope.js';
import { routeOrphan } from './orphan-stanza.js';
import { REAP, runScript } from './scripts.js';
import { boundJid, decodeEntry, encodeEvent } from './session-entry.js';
import type { Jid } from '@ferry/protocol/jid';

const SALVAGE_BATCH = 100;

export class Reaper {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #directory: ClusterSessionDirectory;
  readonly #router: Router;
  readonly #forwarder: Forwarder;
  readonly #contacts: ContactPresence;
  readonly #logger: Logger;
  readonly #lockMs: number;
  readonly #maxStanzaBytes: number;

  constructor(options: {
    redis: Redis;
    keys: ClusterKeys;
    directory: ClusterSessionDirectory;
    router: Router;
    forwarder: Forwarder;
    contacts: ContactPresence;
    logger: Logger;
    lockMs: number;
    maxStanzaBytes: number;
  }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#directory = options.directory;
    this.#router = options.router;
    this.#forwarder = options.forwarder;
    this.#contacts = options.contacts;
    this.#logger = options.logger;
    this.#lockMs = options.lockMs;
    this.#maxStanzaBytes = options.maxStanzaBytes;
  }

  /** Removes a dead node's entries and tells its available users' contacts; false if another node does. */
  async reap(node: string): Promise<boolean> {
    const claimed = await this.#redis.set(this.#keys.reaping(node), this.#directory.node, 'PX', this.#lockMs, 'NX');
    if (claimed !== 'OK') return false;
    return this.remove(node, { salvage: true });
  }

  /**
   * Removes a node that is not alive (dead, or this one leaving or starting again), unless its
   * alive key is back; tells the contacts of its users that were available. With `salvage`, the
   * stanzas left in its inbox are routed again; without, they are deleted (this node leaving
   * cleanly, with its modules already unloaded, has nowhere to put them).
   */
  async remove(node: string, { salvage }: { salvage: boolean }): Promise<boolean> {
    const keys = this.#keys;
    const removed = await runScript(
      this.#redis,
      REAP,
      [keys.nodes, keys.alive(node), keys.nodeSessions(node), keys.inbox(node), keys.salvage(node)],
      [node, keys.events, encodeEvent({ op: 'gone', node }), keys.sessions(''), salvage ? '1' : '0', this.#lockMs],
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
    for (const jid of gone) {
      const from = jid.toString();
      await this.#contacts.tell(jid, (to) => xml('presence', { type: 'unavailable', from, to }));
    }
    if (salvage) await this.#salvage(node);
    return true;
  }

  /** Routes what the dead node's inbox held, in order, a batch at a time; then drops it. */
  async #salvage(node: string): Promise<void> {
    const key = this.#keys.salvage(node);
    let after = '-';
    let routed = 0;
    for (;;) {
      const entries: unknown = await this.#redis.xrange(key, after, '+', 'COUNT', SALVAGE_BATCH);
      if (!Array.isArray(entries) || entries.length === 0) break;
      for (const entry of entries) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
        after = `(${entry[0]}`;
        const envelope = decodeEnvelope(entry[1], this.#router.domain, this.#maxStanzaBytes);
        // A close request, or a stanza for the dead node's own services, has nothing left to reach.
        if (envelope?.kind !== 'stanza') continue;
        try {
          routeOrphan(envelope, { directory: this.#directory, router: this.#router, forwarder: this.#forwarder });
          routed++;
        } catch (error) {
          this.#logger.error({ err: error, node }, "cluster: routing a stanza from a dead node's inbox failed");
        }
      }
      if (entries.length < SALVAGE_BATCH) break;
    }
    await this.#redis.del(key);
    if (routed > 0) this.#logger.info({ node, stanzas: routed }, "cluster: routed what a dead node's inbox held");
  }
}
