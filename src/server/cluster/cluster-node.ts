// One Ferry process as a node of a cluster: its session directory (local sessions plus a mirror of
// the others'), the remote route to other nodes, its inbox, its heartbeat, and the clean-up after
// dead nodes. Redis holds only what is live; accounts, rosters and offline messages are in the
// shared PostgreSQL database like on a single node.
import type { Redis } from 'ioredis';
import { cloneElement } from '@ferry/protocol/xml/element';
import { ConfigError, type Config } from '../core/config.js';
import { clusterStorageIssue, type ClusterConfig } from '../core/cluster-config.js';
import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import type { Storage } from '../storage/types.js';
import { clusterKeys, nodeIdFor, type ClusterKeys } from './keys.js';
import { ClusterSessionDirectory } from './cluster-directory.js';
import { ClusterConnectError, connectRedis, describeRedisUrl, openRedis, redisFailure } from './redis-connection.js';
import { SessionAnnouncer } from './session-announcer.js';
import { MirrorSync } from './mirror-sync.js';
import { Forwarder } from './forwarder.js';
import { Inbox } from './inbox.js';
import { Heartbeat, type HeartbeatReport } from './heartbeat.js';
import { Reaper } from './reaper.js';
import { ContactPresence } from './contact-presence.js';
import type { ClusterView } from './cluster-view.js';
import { RemoteSession } from './remote-mirror.js';

export class ClusterNode {
  readonly id: string;
  readonly sessions: ClusterSessionDirectory;
  readonly #config: Config;
  readonly #cluster: ClusterConfig;
  readonly #logger: Logger;
  readonly #keys: ClusterKeys;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #reader: Redis;
  #parts:
    { sync: MirrorSync; inbox: Inbox; heartbeat: Heartbeat; reaper: Reaper; contacts: ContactPresence } | undefined;
  #isStopped = false;
  /** The other members alive at the last heartbeat. */
  #liveNodes: readonly string[] = [];

  constructor(config: Config, cluster: ClusterConfig, logger: Logger) {
    // loadConfig says so already; a library caller may have built its Config by other means.
    const storageIssue = clusterStorageIssue(config);
    if (storageIssue !== undefined) throw new ConfigError(storageIssue);
    this.#config = config;
    this.#cluster = cluster;
    this.id = nodeIdFor(cluster, config.c2s.port);
    this.#logger = logger.child({ node: this.id });
    this.#keys = clusterKeys(config.domain);
    this.sessions = new ClusterSessionDirectory(this.id);
    this.#redis = openRedis(cluster, this.#logger, 'commands');
    this.#subscriber = openRedis(cluster, this.#logger, 'session events');
    this.#reader = openRedis(cluster, this.#logger, 'inbox');
  }

  /** Every connection to Redis is up: stanzas for other nodes can be forwarded and received. */
  get isConnected(): boolean {
    return [this.#redis, this.#subscriber, this.#reader].every((redis) => redis.status === 'ready');
  }

  /** This node and the others it knows of, with their sessions (for `ferry status` and the console). */
  view(): ClusterView {
    const counts = this.sessions.mirror.countByNode();
    const others = [...new Set([...this.#liveNodes, ...counts.keys()])].filter((id) => id !== this.id).sort();
    return {
      node: this.id,
      nodes: [
        { id: this.id, sessions: this.sessions.size, isSelf: true },
        ...others.map((id) => ({ id, sessions: counts.get(id) ?? 0, isSelf: false })),
      ],
    };
  }

  /** Joins the cluster; fails (naming the config key) when Redis cannot be reached or the id is taken. */
  async start(router: Router, storage: Storage): Promise<void> {
    const cluster = this.#cluster;
    try {
      await Promise.all([this.#redis, this.#subscriber, this.#reader].map((redis) => connectRedis(redis, cluster)));
    } catch (error) {
      this.#disconnect();
      throw error;
    }
    const logger = this.#logger;
    const keys = this.#keys;
    const redis = this.#redis;
    const forwarder = new Forwarder({
      redis,
      keys,
      router,
      logger,
      maxInbox: cluster.max_inbox_stanzas,
      liveNodes: () => this.#liveNodes,
    });
    const announcer = new SessionAnnouncer(redis, keys, this.id, logger);
    const timeoutMs = cluster.node_timeout_seconds * 1000;
    const contacts = new ContactPresence({ directory: this.sessions, router, storage, logger });
    const reaper = new Reaper({
      redis,
      keys,
      directory: this.sessions,
      router,
      forwarder,
      contacts,
      logger,
      lockMs: 5 * timeoutMs,
      maxStanzaBytes: this.#config.limits.max_stanza_bytes,
    });
    const sync = new MirrorSync({
      subscriber: this.#subscriber,
      redis,
      keys,
      directory: this.sessions,
      domain: this.#config.domain,
      logger,
      onGone: (node) => logger.info({ gone: node }, 'cluster: a node left'),
    });
    const inbox = new Inbox({
      reader: this.#reader,
      redis,
      key: keys.inbox(this.id),
      directory: this.sessions,
      router,
      forwarder,
      logger,
      blockMs: Math.min(1_000, (cluster.redis_timeout_seconds * 1000) / 2),
      maxStanzaBytes: this.#config.limits.max_stanza_bytes,
    });
    const heartbeat = new Heartbeat({
      redis,
      keys,
      node: this.id,
      logger,
      intervalMs: cluster.heartbeat_seconds * 1000,
      timeoutMs,
      onBeat: (report) => this.#onBeat(report),
    });
    this.#parts = { sync, inbox, heartbeat, reaper, contacts };
    // Before the clean-up below, which may route what a previous run's inbox held to other nodes.
    this.sessions.attach(announcer, (session, error) => forwarder.close(session, error));
    router.onRemote(forwarder.route);
    try {
      await this.#claimId();
      // The others' sessions first: the clean-up below tells contacts wherever they are.
      await sync.load();
      // What a previous run under this id left (it crashed): gone, and its users' contacts told.
      await reaper.remove(this.id, { salvage: true });
      await heartbeat.beat();
    } catch (error) {
      this.#disconnect();
      if (error instanceof ClusterConnectError) throw error;
      throw new ClusterConnectError(
        `cannot join the cluster through Redis at ${describeRedisUrl(cluster.redis_url)}: ${redisFailure(error)}; check cluster.redis_url`,
        { cause: error },
      );
    }
    inbox.start();
    heartbeat.start();
    // After an outage: events were missed and writes dropped, so both sides start over.
    this.#subscriber.on('ready', () => void this.#resyncMirror());
    this.#redis.on('ready', () => void this.#rejoin());
    logger.info(
      { redis: describeRedisUrl(cluster.redis_url), remoteSessions: this.sessions.mirror.size },
      'cluster: joined',
    );
  }

  /** Leaves at once: this node's entries go, and the other nodes drop its sessions now. */
  async stop(): Promise<void> {
    if (this.#isStopped || this.#parts === undefined) return;
    this.#isStopped = true;
    const { heartbeat, inbox, reaper } = this.#parts;
    heartbeat.stop();
    await inbox.stop();
    try {
      if (this.#redis.status === 'ready') {
        await this.#redis.del(this.#keys.alive(this.id));
        await reaper.remove(this.id, { salvage: false });
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'cluster: could not leave cleanly; the others will time this node out');
    }
    this.#disconnect();
    this.#logger.info('cluster: left');
  }

  /** Test hook and last resort: stops talking to Redis without leaving, as a crash would. */
  halt(): void {
    this.#isStopped = true;
    this.#parts?.heartbeat.stop();
    void this.#parts?.inbox.stop();
    this.#disconnect();
  }

  /**
   * Test hook: this node stops beating, as a stalled process would look to the others, and goes
   * on serving its sessions; the returned function makes it beat again.
   */
  suspendHeartbeat(): () => void {
    const heartbeat = this.#parts?.heartbeat;
    heartbeat?.stop();
    return () => {
      if (!this.#isStopped) heartbeat?.start();
    };
  }

  /** A previous run with this id may still be alive: wait for its key to expire, or refuse. */
  async #claimId(): Promise<void> {
    const deadline = Date.now() + this.#cluster.node_timeout_seconds * 1000 + 1_000;
    while ((await this.#redis.exists(this.#keys.alive(this.id))) === 1) {
      if (Date.now() > deadline) {
        throw new ClusterConnectError(
          `another node with cluster.node_id "${this.id}" is alive; give each node its own cluster.node_id`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async #onBeat(report: HeartbeatReport): Promise<void> {
    if (this.#isStopped || this.#parts === undefined) return;
    this.#liveNodes = report.live;
    if (report.wasAbsent && this.sessions.size > 0) {
      this.#logger.warn('cluster: this node was presumed dead (no heartbeat in time); announcing its sessions again');
      this.sessions.announceAll();
      await this.#presentAgain(this.#parts.contacts);
    }
    const lowest = [this.id, ...report.live].sort()[0];
    for (const node of report.dead) {
      this.sessions.mirror.dropNode(node);
      if (lowest !== this.id) continue;
      try {
        await this.#parts.reaper.reap(node);
      } catch (error) {
        this.#logger.warn({ err: error, dead: node }, 'cluster: cleaning up after a dead node failed; retried');
      }
    }
  }

  /**
   * The node that cleaned up after this one told the contacts on other nodes that its users went
   * offline; each available user's last presence tells them they are back (RFC 6121 §4.4.2 allows
   * a repeat). Contacts on this node were never told otherwise and get nothing.
   */
  async #presentAgain(contacts: ContactPresence): Promise<void> {
    for (const session of [...this.sessions.local()]) {
      const presence = session.presence;
      if (presence === undefined) continue;
      const from = session.jid.toString();
      await contacts.tell(
        session.jid,
        (to) => {
          const copy = cloneElement(presence);
          copy.attrs.from = from;
          copy.attrs.to = to;
          return copy;
        },
        (recipient) => recipient instanceof RemoteSession,
      );
    }
  }

  /**
   * Back from an outage: alive again at once rather than at the next beat (a Redis that restarted
   * empty knows no node), and every session announced again (writes were dropped meanwhile).
   */
  async #rejoin(): Promise<void> {
    if (this.#isStopped || this.#parts === undefined) return;
    const report = await this.#parts.heartbeat.beat();
    // A beat that found this node's key gone has announced them already.
    if (report === undefined || !report.wasAbsent) this.sessions.announceAll();
  }

  async #resyncMirror(): Promise<void> {
    if (this.#isStopped) return;
    try {
      await this.#parts?.sync.load();
    } catch (error) {
      this.#logger.warn({ err: error }, "cluster: could not reload the other nodes' sessions; retried at reconnection");
    }
  }

  #disconnect(): void {
    for (const redis of [this.#redis, this.#subscriber, this.#reader]) redis.disconnect();
  }
}
