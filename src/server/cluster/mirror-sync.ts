// Keeps the mirror of other nodes' sessions current: subscribe to the events channel first, then
// read every node's entries (the snapshot), then apply the events that arrived meanwhile. Each
// event carries the whole entry, and pub/sub delivers them in the order Redis applied the writes,
// so replaying them over the snapshot ends in Redis's state. This runs at start and again after
// every reconnection of the subscriber (events may have been missed while it was away).
import type { Redis } from 'ioredis';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Logger } from '../core/logger.js';
import type { ClusterKeys } from './keys.js';
import type { ClusterSessionDirectory } from './cluster-directory.js';
import { RemoteSession } from './remote-mirror.js';
import { boundJid, decodeEntry, decodeEvent, type SessionEvent } from './session-entry.js';

/** Events held while a snapshot is read; past this, the snapshot is read again afterwards. */
const MAX_HELD_EVENTS = 100_000;

export class MirrorSync {
  readonly #subscriber: Redis;
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #directory: ClusterSessionDirectory;
  readonly #domain: string;
  readonly #logger: Logger;
  readonly #onGone: (node: string) => void;
  #held: string[] | undefined;
  #isOverflowed = false;
  #malformed = 0;

  constructor(options: {
    subscriber: Redis;
    redis: Redis;
    keys: ClusterKeys;
    directory: ClusterSessionDirectory;
    domain: string;
    logger: Logger;
    /** A node with sessions left or was reaped: they are already out of the mirror. */
    onGone: (node: string) => void;
  }) {
    this.#subscriber = options.subscriber;
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#directory = options.directory;
    this.#domain = options.domain;
    this.#logger = options.logger;
    this.#onGone = options.onGone;
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#keys.events) return;
      if (this.#held === undefined) return this.#apply(message);
      if (this.#held.length < MAX_HELD_EVENTS) this.#held.push(message);
      else this.#isOverflowed = true;
    });
  }

  #apply(message: string): void {
    // Called from the Redis client's socket handler: whatever goes wrong must not escape there.
    try {
      this.#applyMessage(message);
    } catch (error) {
      this.#logger.error({ err: error }, 'cluster: applying a session event failed');
    }
  }

  /** Subscribes and loads the snapshot; rejects when Redis fails meanwhile (the caller retries). */
  async load(): Promise<void> {
    this.#held = [];
    try {
      await this.#subscriber.subscribe(this.#keys.events);
      do {
        this.#isOverflowed = false;
        await this.#loadSnapshot();
        // Applied synchronously: nothing can arrive between the last held event and live ones.
        for (const message of this.#held.splice(0)) this.#apply(message);
      } while (this.#isOverflowed);
    } finally {
      this.#held = undefined;
    }
  }

  async #loadSnapshot(): Promise<void> {
    const nodes = (await this.#redis.smembers(this.#keys.nodes)).filter((node) => node !== this.#directory.node);
    const sessions: RemoteSession[] = [];
    for (const node of nodes) {
      const jids = await this.#redis.smembers(this.#keys.nodeSessions(node));
      const pipeline = this.#redis.pipeline();
      const parsed = jids.map((text) => boundJid(text, this.#domain));
      for (const jid of parsed) {
        if (jid !== undefined) pipeline.hget(this.#keys.sessions(jid.bare().toString()), jid.resource);
      }
      const replies = (await pipeline.exec()) ?? [];
      let index = 0;
      for (const jid of parsed) {
        if (jid === undefined) continue;
        const [error, value] = replies[index++] ?? [];
        const entry = !error && typeof value === 'string' ? decodeEntry(value) : undefined;
        if (entry !== undefined && entry.node === node) sessions.push(new RemoteSession(jid, entry));
      }
    }
    this.#directory.mirror.clear();
    for (const session of sessions) {
      if (this.#directory.getLocal(session.jid) === undefined) this.#directory.mirror.set(session);
    }
  }

  #applyMessage(message: string): void {
    const event = decodeEvent(message, this.#domain);
    if (event === undefined) {
      // Said once in a while, not per message: a flood of junk must not become a flood of logs.
      if (this.#malformed++ % 1000 === 0) {
        this.#logger.warn({ count: this.#malformed }, 'cluster: ignored malformed session events from Redis');
      }
      return;
    }
    this.#applyEvent(event);
  }

  #applyEvent(event: SessionEvent): void {
    const { mirror, node } = this.#directory;
    if (event.op === 'gone') {
      if (event.node === node) return;
      const dropped = mirror.dropNode(event.node);
      if (dropped.length > 0) this.#onGone(event.node);
      return;
    }
    const local = this.#directory.localBind(event.jid);
    if (event.op === 'del') {
      if (event.node !== node) mirror.delete(event.jid, event.sid);
      return;
    }
    if (event.entry.node === node) {
      // Our own announcement back: from now on a bind of this JID elsewhere is newer than ours.
      if (local !== undefined && local.bind.sid === event.entry.sid) local.bind.isEchoed = true;
      return;
    }
    if (local !== undefined) {
      // Announced before ours reached Redis: ours replaced it, and its node closes it.
      if (!local.bind.isEchoed) return;
      this.#directory.replaceByRemote(local.session, new StreamError('conflict', 'replaced by a new connection'));
    }
    mirror.set(new RemoteSession(event.jid, event.entry));
  }
}
