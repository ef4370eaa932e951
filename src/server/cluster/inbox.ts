// This node's inbox: other nodes' forwards, read in order from one Redis stream on a connection
// of its own (a blocking read would hold up every other command), delivered through the router's
// outbound path as if routed here, then deleted. A stanza whose session has gone meanwhile is
// routed again (orphan-stanza.ts). Entries that fail validation are dropped and counted in the log.
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import type { ClusterSessionDirectory } from './cluster-directory.js';
import type { Forwarder } from './forwarder.js';
import { decodeEnvelope, type Envelope } from './envelope.js';
import { routeOrphan } from './orphan-stanza.js';

const BATCH = 100;

export class Inbox {
  readonly #reader: Redis;
  readonly #redis: Redis;
  readonly #key: string;
  readonly #directory: ClusterSessionDirectory;
  readonly #router: Router;
  readonly #forwarder: Forwarder;
  readonly #logger: Logger;
  readonly #blockMs: number;
  readonly #maxStanzaBytes: number;
  #lastId = '0-0';
  #isStopped = false;
  #malformed = 0;
  #loop: Promise<void> | undefined;

  constructor(options: {
    reader: Redis;
    redis: Redis;
    key: string;
    directory: ClusterSessionDirectory;
    router: Router;
    forwarder: Forwarder;
    logger: Logger;
    /** Below the command timeout, so a blocking read is never cut off as a timeout. */
    blockMs: number;
    maxStanzaBytes: number;
  }) {
    this.#reader = options.reader;
    this.#redis = options.redis;
    this.#key = options.key;
    this.#directory = options.directory;
    this.#router = options.router;
    this.#forwarder = options.forwarder;
    this.#logger = options.logger;
    this.#blockMs = options.blockMs;
    this.#maxStanzaBytes = options.maxStanzaBytes;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Ends the read loop (the reader connection is closed by the caller). */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#reader.disconnect();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#isStopped) {
      let reply: unknown;
      try {
        if (this.#reader.status !== 'ready') await this.#ready();
        if (this.#isStopped) return;
        reply = await this.#reader.xread('COUNT', BATCH, 'BLOCK', this.#blockMs, 'STREAMS', this.#key, this.#lastId);
      } catch (error) {
        if (this.#isStopped) return;
        this.#logger.debug({ err: error }, 'cluster: inbox read failed; trying again');
        await pause(this.#blockMs);
        continue;
      }
      const ids = this.#handle(reply);
      if (ids.length > 0) this.#redis.xdel(this.#key, ...ids).catch(() => {});
    }
  }

  /** Waits for the reader to be connected again, at most one block time. */
  #ready(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#reader.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, this.#blockMs);
      this.#reader.once('ready', done);
    });
  }

  /** Delivers one XREAD reply's entries; returns their ids. */
  #handle(reply: unknown): string[] {
    const entries = Array.isArray(reply) && Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : undefined;
    if (!Array.isArray(entries)) return [];
    const ids: string[] = [];
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const id = entry[0];
      this.#lastId = id;
      ids.push(id);
      const envelope = decodeEnvelope(entry[1], this.#router.domain, this.#maxStanzaBytes);
      if (envelope === undefined) {
        if (this.#malformed++ % 1000 === 0) {
          this.#logger.warn({ count: this.#malformed }, 'cluster: dropped malformed inbox entries from Redis');
        }
        continue;
      }
      try {
        this.#deliver(envelope);
      } catch (error) {
        this.#logger.error({ err: error, id }, 'cluster: delivering a forwarded stanza failed');
      }
    }
    return ids;
  }

  #deliver(envelope: Envelope): void {
    if (envelope.kind === 'host') {
      this.#router.route(envelope.stanza, undefined);
      return;
    }
    const session = this.#directory.getLocal(envelope.to);
    if (envelope.kind === 'close') {
      const bind = this.#directory.localBind(envelope.to);
      if (bind !== undefined && (envelope.sid === '' || bind.bind.sid === envelope.sid)) {
        this.#directory.close(bind.session, new StreamError(envelope.condition, envelope.text || undefined));
      }
      return;
    }
    if (session !== undefined) this.#router.deliver(session, envelope.stanza);
    else routeOrphan(envelope, { directory: this.#directory, router: this.#router, forwarder: this.#forwarder });
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
