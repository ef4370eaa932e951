// Writes this node's sessions to Redis and announces each change on the events channel, in one
// script per change, in the order they happen here (one connection keeps the order). A write that
// fails while Redis is away is dropped: when it is back the node announces all of its sessions
// again (ClusterNode.resync), so nothing has to be queued meanwhile.
import type { Redis } from 'ioredis';
import type { Jid } from '@ferry/protocol/jid';
import type { Logger } from '../core/logger.js';
import type { ClusterKeys } from './keys.js';
import { DELETE_ENTRY, SET_ENTRY, runScript } from './scripts.js';
import { encodeEntry, encodeEvent, type SessionEntry } from './session-entry.js';

export class SessionAnnouncer {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #node: string;
  readonly #logger: Logger;

  constructor(redis: Redis, keys: ClusterKeys, node: string, logger: Logger) {
    this.#redis = redis;
    this.#keys = keys;
    this.#node = node;
    this.#logger = logger;
  }

  /** A bind (which replaces any entry for the JID, on any node) or a change of this bind. */
  set(jid: Jid, entry: SessionEntry, isBind: boolean): void {
    if (this.#redis.status !== 'ready') return;
    const full = jid.toString();
    const event = encodeEvent({ op: 'set', jid, entry });
    runScript(
      this.#redis,
      SET_ENTRY,
      [this.#keys.sessions(jid.bare().toString()), this.#keys.nodeSessions(this.#node)],
      [jid.resource, encodeEntry(entry), entry.sid, isBind ? '1' : '0', this.#keys.events, event, full],
    ).catch((error: unknown) => this.#failed(error, full));
  }

  /** Removes the entry if it is still this bind (`sid`). */
  delete(jid: Jid, sid: string): Promise<void> {
    if (this.#redis.status !== 'ready') return Promise.resolve();
    const full = jid.toString();
    const event = encodeEvent({ op: 'del', jid, node: this.#node, sid });
    return runScript(
      this.#redis,
      DELETE_ENTRY,
      [this.#keys.sessions(jid.bare().toString()), this.#keys.nodeSessions(this.#node)],
      [jid.resource, sid, this.#keys.events, event, full],
    ).then(
      () => undefined,
      (error: unknown) => this.#failed(error, full),
    );
  }

  #failed(error: unknown, jid: string): void {
    // The connection's own outage line says why; this one says what was not announced.
    this.#logger.debug({ err: error, jid }, 'cluster: a session change was not announced');
  }
}
