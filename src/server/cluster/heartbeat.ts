// Liveness: every cluster.heartbeat_seconds this node refreshes its alive key (which expires after
// cluster.node_timeout_seconds) and learns which members' keys have expired. A dead node's
// sessions leave this node's mirror at once; the lowest live id cleans up after it (reaper.ts).
// A node that finds its own key had expired was presumed dead by the others (Redis away, or the
// process stalled): its sessions may have been removed, so it announces them again.
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { ClusterKeys } from './keys.js';
import { HEARTBEAT, runScript } from './scripts.js';
import { redisFailure } from './redis-connection.js';

export interface HeartbeatReport {
  /** Other members whose alive key is present. */
  readonly live: readonly string[];
  /** Members whose alive key expired. */
  readonly dead: readonly string[];
  /** This node's own key had expired (or this is the first beat). */
  readonly wasAbsent: boolean;
}

export class Heartbeat {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #node: string;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #onBeat: (report: HeartbeatReport) => void | Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #isBeating = false;
  #isFailing = false;

  constructor(options: {
    redis: Redis;
    keys: ClusterKeys;
    node: string;
    logger: Logger;
    intervalMs: number;
    timeoutMs: number;
    onBeat: (report: HeartbeatReport) => void | Promise<void>;
  }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#node = options.node;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs;
    this.#timeoutMs = options.timeoutMs;
    this.#onBeat = options.onBeat;
  }

  start(): void {
    // Unref'd: the listeners keep the process alive, not this timer.
    this.#timer ??= setInterval(() => void this.beat(), this.#intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One beat now; a beat still running (slow Redis) makes this one a no-op (undefined). */
  async beat(): Promise<HeartbeatReport | undefined> {
    if (this.#isBeating) return undefined;
    this.#isBeating = true;
    try {
      const reply = await runScript(
        this.#redis,
        HEARTBEAT,
        [this.#keys.nodes, this.#keys.alive(this.#node)],
        [this.#node, this.#timeoutMs, ...splitAliveKey(this.#keys)],
      );
      this.#isFailing = false;
      const report = parseReport(reply);
      if (report !== undefined) await this.#onBeat(report);
      return report;
    } catch (error) {
      if (!this.#isFailing) {
        this.#isFailing = true;
        this.#logger.warn(
          { reason: redisFailure(error) },
          'cluster: heartbeat failed; past cluster.node_timeout_seconds the other nodes will consider this one dead',
        );
      }
      return undefined;
    } finally {
      this.#isBeating = false;
    }
  }
}

/** The alive key around the node id, for the script to build the other members' keys. */
function splitAliveKey(keys: ClusterKeys): [string, string] {
  const marker = '\u0000';
  const [prefix = '', suffix = ''] = keys.alive(marker).split(marker);
  return [prefix, suffix];
}

function parseReport(reply: unknown): HeartbeatReport | undefined {
  if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1)) return undefined;
  const rest = reply.slice(1).filter((value): value is string => typeof value === 'string');
  const split = rest.indexOf('');
  if (split < 0) return undefined;
  return { wasAbsent: reply[0] === 0, live: rest.slice(0, split), dead: rest.slice(split + 1) };
}
