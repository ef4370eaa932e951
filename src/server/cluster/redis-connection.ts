// Connections to Redis with the waits bounded and the failures said once. Commands never queue
// while Redis is unreachable (enableOfflineQueue off): they fail at once, so a stanza for another
// node bounces instead of waiting in memory for a Redis that may not come back. Every 'error'
// event is handled: a lost Redis is logged, never the end of the process.
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { ClusterConfig } from '../core/cluster-config.js';

export class ClusterConnectError extends Error {
  readonly code = 'FERRY_ERR_CLUSTER_CONNECT';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterConnectError';
  }
}

/** The URL without its password, for log lines and error messages. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(an unparseable URL)';
  }
}

/**
 * A client that reconnects by itself (backing off up to 2 s) and reports its outages: one warn
 * line when it is lost, one info line when it is back. `role` names it in those lines.
 */
export function openRedis(cluster: ClusterConfig, logger: Logger, role: string): Redis {
  const timeoutMs = cluster.redis_timeout_seconds * 1000;
  const redis = new Redis(cluster.redis_url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  const where = describeRedisUrl(cluster.redis_url);
  let isDown = false;
  redis.on('error', (error: Error) => {
    if (isDown) return;
    isDown = true;
    logger.warn(
      { redis: where, role, err: { message: error.message } },
      'cluster: Redis unreachable; local sessions are served, stanzas for other nodes bounce until it is back (cluster.redis_url)',
    );
  });
  redis.on('ready', () => {
    if (!isDown) return;
    isDown = false;
    logger.info({ redis: where, role }, 'cluster: Redis reachable again');
  });
  return redis;
}

/** Connects, or fails after cluster.redis_timeout_seconds with one line naming cluster.redis_url. */
export async function connectRedis(redis: Redis, cluster: ClusterConfig): Promise<void> {
  const timeoutMs = cluster.redis_timeout_seconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ClusterConnectError(
            `cannot reach Redis at ${describeRedisUrl(cluster.redis_url)} within cluster.redis_timeout_seconds (${cluster.redis_timeout_seconds} s): check cluster.redis_url`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([redis.connect(), timeout]);
  } catch (error) {
    redis.disconnect();
    if (error instanceof ClusterConnectError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ClusterConnectError(
      `cannot reach Redis at ${describeRedisUrl(cluster.redis_url)}: ${withoutSecret(message, cluster.redis_url)} (cluster.redis_url)`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** A failed command's message, naming the key that bounds it when it timed out. */
export function redisFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /timed out/i.test(message) ? `${message} (past cluster.redis_timeout_seconds)` : message;
}

function withoutSecret(text: string, url: string): string {
  try {
    const { password } = new URL(url);
    return password === '' ? text : text.split(password).join('***');
  } catch {
    return text;
  }
}
