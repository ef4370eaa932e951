// Redis key names for one domain's cluster, in one place. Every key carries the domain in a hash
// tag ({…}), so a Redis Cluster would keep one domain's keys on one shard, where the scripts need them.
import { hostname } from 'node:os';
import { NODE_ID_PATTERN, type ClusterConfig } from '../core/cluster-config.js';

export interface ClusterKeys {
  /** Pub/sub channel: every bind, change and unbind, and nodes that are gone. */
  readonly events: string;
  /** Set of node ids that joined and have not left nor been reaped. */
  readonly nodes: string;
  /** Hash per account: resource → session entry (session-entry.ts). */
  sessions(bare: string): string;
  /** Set per node: the full JIDs it announced, so a dead node's entries can be found. */
  nodeSessions(node: string): string;
  /** Per node, expiring after cluster.node_timeout_seconds unless refreshed: "alive". */
  alive(node: string): string;
  /** Stream per node: stanzas other nodes forward to its sessions. */
  inbox(node: string): string;
  /** A dead node's unread inbox, while the node cleaning up after it routes what it holds. */
  salvage(node: string): string;
  /** Held by the node cleaning up after a dead one. */
  reaping(node: string): string;
}

export function clusterKeys(domain: string): ClusterKeys {
  const prefix = `ferry:{${domain}}:`;
  return {
    events: `${prefix}events`,
    nodes: `${prefix}nodes`,
    sessions: (bare) => `${prefix}sessions:${bare}`,
    nodeSessions: (node) => `${prefix}node:${node}:sessions`,
    alive: (node) => `${prefix}node:${node}:alive`,
    inbox: (node) => `${prefix}node:${node}:inbox`,
    salvage: (node) => `${prefix}node:${node}:inbox:salvage`,
    reaping: (node) => `${prefix}node:${node}:reaping`,
  };
}

/**
 * cluster.node_id, or the host name and c2s port: distinct for nodes on distinct hosts, and for
 * nodes on one host with distinct ports. An ephemeral port (0) is not known yet: the process id
 * stands in for it.
 */
export function nodeIdFor(cluster: ClusterConfig, c2sPort: number): string {
  if (cluster.node_id !== undefined) return cluster.node_id;
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 50) || 'node';
  const id = `${host}-${c2sPort === 0 ? `pid${process.pid}` : c2sPort}`;
  if (!NODE_ID_PATTERN.test(id)) throw new Error(`cannot derive a node id from "${hostname()}": set cluster.node_id`);
  return id;
}
