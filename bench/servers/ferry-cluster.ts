// Ferry as a two-node cluster, for the cross-node rows beside the single-node ones: a private
// PostgreSQL and Redis (started from Debian's binaries like the cluster tests do), then two
// `ferry server` processes on them. Senders log in to node A and receivers to node B, so every
// message crosses Redis; the relay rows use node B's proxy by its node JID from sessions on node
// A, so the activation is forwarded and the bytes go through a node neither party is on.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { postgresSkipReason, startPostgres, type PostgresInstance } from '../../test/helpers/postgres.js';
import { redisSkipReason, startRedis, type RedisInstance } from '../../test/helpers/redis.js';
import { LOOPBACK } from '../lib/ports.js';
import { startFerryInstance, type FerryInstance } from './ferry.js';
import { PROXY_JID, type BenchServer, type ServerDefinition, type StartOptions } from './types.js';

export const ferryClusterServer: ServerDefinition = {
  name: 'ferry-cluster',
  unavailableReason: () => postgresSkipReason() ?? redisSkipReason(),
  async start(options: StartOptions): Promise<BenchServer> {
    let postgres: PostgresInstance | undefined;
    let redis: RedisInstance | undefined;
    const nodes: FerryInstance[] = [];
    const stop = async (): Promise<void> => {
      for (const node of nodes.reverse()) await node.slot.stop();
      await redis?.stop();
      await postgres?.stop();
    };
    try {
      [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
      const url = postgres.url(await postgres.createDatabase());
      const node = (id: string): readonly string[] => [
        '[storage]',
        'backend = "postgres"',
        `postgres_url = "${url}"`,
        '',
        '[cluster]',
        `redis_url = "${redis!.url}"`,
        `node_id = "${id}"`,
      ];
      // Accounts go into the shared database once, through node A's config.
      nodes.push(
        await startFerryInstance({ ...options, dir: join(options.dir, 'node-a') }, { extraToml: node('node-a') }),
      );
      nodes.push(
        await startFerryInstance(
          { ...options, dir: join(options.dir, 'node-b') },
          { extraToml: node('node-b'), createAccounts: false },
        ),
      );
    } catch (error) {
      await stop();
      throw error;
    }
    const [a, b] = nodes as [FerryInstance, FerryInstance];
    const version = (JSON.parse(readFileSync(join(options.repoRoot, 'package.json'), 'utf8')) as { version: string })
      .version;
    return {
      name: 'ferry-cluster',
      label: `Ferry ${version}, 2 nodes`,
      endpoint: a.endpoint,
      receiverEndpoint: b.endpoint,
      proxy: { jid: `node-b.${PROXY_JID}`, host: LOOPBACK, port: b.proxyPort },
      get pid() {
        return a.slot.pid;
      },
      get pids() {
        return [a.slot.pid, b.slot.pid];
      },
      measures: ['messages', 'relay'],
      logFile: a.logFile,
      accounts: a.accounts,
      upload: { httpsPort: a.httpsPort, storeDir: undefined },
      notes: [
        'two ferry server processes, node-a and node-b, with the single-node instance settings, on one private ' +
          'PostgreSQL (storage.backend = "postgres") and one private Redis ([cluster], default heartbeats)',
        "messages: senders on node-a, receivers on node-b (every stanza crosses Redis); server CPU and RSS are both nodes' sum",
        "relay: both parties' sessions on node-a, the proxy node-b.proxy.localhost (activation forwarded to node-b)",
      ],
      restart: async () => {
        await a.slot.restart();
        await b.slot.restart();
      },
      stop,
    };
  },
};
