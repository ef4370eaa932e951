// The [cluster] section: several Ferry nodes serving one domain, sharing PostgreSQL for what
// lasts and Redis for what is live (who is bound where, node heartbeats, stanzas between nodes).
// Absent: this process is the whole server, as before.
import { z } from 'zod';

/** Letters, digits, '.', '_' and '-': a node id is part of Redis key names and of log lines. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const clusterSection = z
  .strictObject({
    /** redis://[:password@]host:6379[/db] or rediss:// for TLS. Never repeated in messages: it may hold a password. */
    redis_url: z.string().refine(isRedisUrl, { error: 'must be a URL like redis://host:6379 or rediss://host:6380' }),
    /** This node's name among the others; default: the host name and the c2s port ("host-5222"). */
    node_id: z
      .string()
      .regex(NODE_ID_PATTERN, { error: 'letters, digits, ".", "_" and "-" only, 1 to 64 of them' })
      .optional(),
    /** How often this node tells Redis it is alive, and looks for nodes that stopped. */
    heartbeat_seconds: z.number().positive().max(60).default(2),
    /** A node silent for this long is dead: its sessions are dropped and its users' contacts told. */
    node_timeout_seconds: z.number().positive().max(600).default(6),
    /** Connecting to Redis, and each command, that takes longer fails (stanzas bounce, never hang). */
    redis_timeout_seconds: z.number().positive().max(60).default(5),
    /** Stanzas waiting in one node's inbox in Redis at most; past it, forwards to it bounce. */
    max_inbox_stanzas: z.number().int().min(100).max(1_000_000).default(10_000),
  })
  .superRefine((cluster, context) => {
    if (cluster.node_timeout_seconds < 2 * cluster.heartbeat_seconds) {
      context.addIssue({
        code: 'custom',
        path: ['node_timeout_seconds'],
        message: 'must be at least twice cluster.heartbeat_seconds, or one late heartbeat declares a live node dead',
      });
    }
  })
  .optional();

export type ClusterConfig = NonNullable<z.infer<typeof clusterSection>>;

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.host !== '';
  } catch {
    return false;
  }
}

/**
 * Every node must read and write the same accounts, rosters and offline messages: a cluster on
 * per-process storage would lose messages between nodes. The line to show, or undefined.
 */
export function clusterStorageIssue(config: {
  cluster?: ClusterConfig | undefined;
  storage: { backend: string };
}): string | undefined {
  if (config.cluster === undefined || config.storage.backend === 'postgres') return undefined;
  return `storage.backend: must be "postgres" when [cluster] is set, so that every node shares accounts, rosters and offline messages (it is "${config.storage.backend}")`;
}
