// The remote route: a stanza for a session bound to another node goes into that node's inbox (a
// Redis stream), with one script that refuses when the node is not alive or its inbox is full.
// Forwards leave on one connection in the order they were made, so stanzas from one sender reach
// the other node in order. What cannot be forwarded bounces at once (the router answers
// service-unavailable; a dead node or a full inbox: recipient-unavailable), never waits.
import type { Redis } from 'ioredis';
import { StanzaError, errorReply } from '@ferry/protocol/errors/stanza-error';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import type { RemoteStanza } from '../core/routing-types.js';
import type { ClusterKeys } from './keys.js';
import { RemoteSession } from './remote-mirror.js';
import { FORWARD, runScript } from './scripts.js';
import { MAX_HOPS, closeFields, hostFields, stanzaFields } from './envelope.js';

/**
 * Bytes of forwards in flight at once from this node (written to Redis, not yet acknowledged);
 * past it, more bounce until Redis answers. A budget in bytes, not stanzas: a burst of small
 * messages (50 senders with a thousand each in flight) must pass, a Redis that stopped answering
 * must not grow this process without bound.
 */
export const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

export class Forwarder {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #router: Router;
  readonly #logger: Logger;
  readonly #maxInbox: number;
  /** Stanzas this node routes again after their session had gone, with the forwards behind them. */
  readonly #rerouted = new WeakMap<Element, number>();
  readonly #liveNodes: () => readonly string[];
  /** Bytes (UTF-16 code units, near enough) of the forwards awaiting Redis's answer. */
  #inFlight = 0;

  constructor(options: {
    redis: Redis;
    keys: ClusterKeys;
    router: Router;
    logger: Logger;
    maxInbox: number;
    /** The other nodes whose heartbeat is current. */
    liveNodes: () => readonly string[];
  }) {
    this.#liveNodes = options.liveNodes;
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#router = options.router;
    this.#logger = options.logger;
    this.#maxInbox = options.maxInbox;
  }

  /**
   * Marks a stanza this node routes again (its session left after it was forwarded here): it may
   * follow the session to its new node, but stale mirrors cannot pass it around for ever.
   */
  markRerouted(stanza: Element, hops: number): void {
    this.#rerouted.set(stanza, hops);
  }

  /** For Router.onRemote: claims stanzas for sessions of other nodes, and for their own hosts. */
  readonly route = (event: RemoteStanza): boolean | Promise<boolean> => {
    if (event.reason === 'domain') return this.#routeToNodeHost(event);
    const session = event.session;
    if (event.reason !== 'session' || !(session instanceof RemoteSession)) return false;
    const hops = this.#rerouted.get(event.stanza) ?? 0;
    if (hops >= MAX_HOPS) return false;
    if (this.#redis.status !== 'ready' || this.#inFlight >= MAX_IN_FLIGHT_BYTES) return false;
    return this.#send(session.node, stanzaFields(session.jid, event.stanza, hops)).then((outcome) => {
      if (outcome === 'sent') return true;
      if (outcome === 'failed') return false;
      const text = outcome === 'dead' ? 'its server node is down' : 'its server node is overloaded';
      this.#bounce(event.stanza, new StanzaError('recipient-unavailable', { text }));
      return true;
    });
  };

  /**
   * A host named after another live node (`<node>.proxy.<domain>`: its SOCKS5 proxy, whose
   * streamhost JID names the node so that activation reaches the node holding both connections).
   */
  #routeToNodeHost(event: RemoteStanza): boolean | Promise<boolean> {
    const host = event.to.domain;
    if (!host.endsWith(`.${this.#router.domain}`)) return false;
    const node = this.#liveNodes().find((id) => host.startsWith(`${id}.`));
    if (node === undefined || this.#redis.status !== 'ready' || this.#inFlight >= MAX_IN_FLIGHT_BYTES) return false;
    return this.#send(node, hostFields(event.stanza)).then((outcome) => {
      if (outcome === 'sent') return true;
      if (outcome === 'failed') return false;
      this.#bounce(event.stanza, new StanzaError('remote-server-timeout', { text: 'its server node is down' }));
      return true;
    });
  }

  /** Asks the session's node to close it (account removed, kicked). */
  close(session: RemoteSession, error: StreamError): void {
    if (this.#redis.status !== 'ready') return;
    void this.#send(session.node, closeFields(session.jid, session.sid, error.condition, error.text ?? ''));
  }

  async #send(node: string, fields: string[]): Promise<'sent' | 'dead' | 'full' | 'failed'> {
    const bytes = fields.reduce((total, field) => total + field.length, 0);
    this.#inFlight += bytes;
    try {
      const outcome = await runScript(
        this.#redis,
        FORWARD,
        [this.#keys.inbox(node), this.#keys.alive(node)],
        [this.#maxInbox, ...fields],
      );
      if (outcome === 1) return 'sent';
      if (outcome === -1) return 'dead';
      this.#logger.warn({ node }, "cluster: a node's inbox is full (cluster.max_inbox_stanzas); stanzas for it bounce");
      return 'full';
    } catch (error) {
      this.#logger.debug({ err: error, node }, 'cluster: a stanza could not be forwarded');
      return 'failed';
    } finally {
      this.#inFlight -= bytes;
    }
  }

  #bounce(stanza: Element, error: StanzaError): void {
    const type = stanza.attrs.type as string | undefined;
    if (type === 'error' || (stanza.name === 'iq' && type === 'result')) return;
    const reply = errorReply(stanza, error);
    if (!reply.attrs.from) reply.attrs.from = this.#router.domain;
    this.#router.route(reply, undefined);
  }
}
