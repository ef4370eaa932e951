// Ferry cluster nodes in one process (distinct ephemeral ports) on one private PostgreSQL and one
// private Redis, for the cluster tests: start nodes, log clients in, wait for what another node
// brings about. Heartbeats are fast (0.5 s, dead after 2 s) so failures show within seconds.
import { Jid } from '@ferry/protocol/jid';
import type { Logger } from '../../src/server/core/logger.js';
import { startTestServer, type TestServer } from './server.js';
import { connectClient, type TestClient } from './xmpp-client.js';
import { postgresSkipReason, startPostgres, type PostgresInstance } from './postgres.js';
import { redisSkipReason, startRedis, type RedisInstance } from './redis.js';

export const clusterSkipReason = (): string | undefined => postgresSkipReason() ?? redisSkipReason();

/** Waits for a condition another node brings about (a mirror update), never longer than `ms`. */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface ClusterNodes {
  readonly redis: RedisInstance;
  /** The shared database's URL. */
  readonly postgresUrl: string;
  /** The config keys that make a node of this cluster (another Redis URL for failure cases). */
  overrides(id: string, redisUrl?: string): Record<string, string | number>;
  /** A node with this id; `extra` config keys beside the cluster's (an upload store, limits). */
  start(id: string, extra?: Record<string, string | number>): Promise<TestServer>;
  login(node: TestServer, username: string, resource: string): Promise<TestClient>;
  /** A client logged in earlier, by its full JID. */
  client(jid: string): TestClient;
  /** True once `node` routes `jid` to another node, available. */
  seesRemote(node: TestServer, jid: string): () => boolean;
  /** Clients, then nodes (last started first), then Redis and PostgreSQL. */
  stop(): Promise<void>;
}

export async function startClusterNodes(options: { logger?: Logger } = {}): Promise<ClusterNodes> {
  let postgres: PostgresInstance | undefined;
  let redis: RedisInstance | undefined;
  try {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  } catch (error) {
    await Promise.all([postgres?.stop(), redis?.stop()]);
    throw error;
  }
  const postgresUrl = postgres.url(await postgres.createDatabase());
  const nodes: TestServer[] = [];
  const clients: TestClient[] = [];
  const started = { postgres, redis };
  const overrides = (id: string, redisUrl = started.redis.url) => ({
    'storage.backend': 'postgres',
    'storage.postgres_url': postgresUrl,
    'cluster.redis_url': redisUrl,
    'cluster.node_id': id,
    'cluster.heartbeat_seconds': 0.5,
    'cluster.node_timeout_seconds': 2,
    'cluster.redis_timeout_seconds': 1,
  });
  return {
    redis,
    postgresUrl,
    overrides,
    async start(id, extra = {}) {
      const node = await startTestServer(
        { ...overrides(id), ...extra },
        options.logger ? { logger: options.logger } : {},
      );
      nodes.push(node);
      return node;
    },
    async login(node, username, resource) {
      const client = await connectClient({ port: node.ports.c2s, username, resource });
      clients.push(client);
      return client;
    },
    client(jid) {
      const client = clients.find((candidate) => candidate.jid === jid);
      if (client === undefined) throw new Error(`no client logged in as ${jid}`);
      return client;
    },
    seesRemote: (node, jid) => () => {
      const session = node.server.sessions.get(Jid.parse(jid));
      return session !== undefined && !session.isLocal && session.presence !== undefined;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.stop()));
      for (const node of nodes.reverse()) await node.stop();
      await started.redis.stop();
      await started.postgres.stop();
    },
  };
}
