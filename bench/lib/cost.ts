// What one measured interval cost: wall time, the server's CPU seconds and RSS (from /proc), and
// the load generator's own CPU, so a reader can tell when the client came close to being the limit.
import { cpuUsage } from 'node:process';
import { cpuSeconds, rssKiB } from './proc-stats.js';

export interface Cost {
  wallSeconds: number;
  /** NaN when there is no server process (direct TCP). */
  serverCpuSeconds: number;
  serverRssBeforeKiB: number;
  serverRssAfterKiB: number;
  clientCpuSeconds: number;
}

export interface CostMeter {
  stop(): Cost;
}

/** `pid`: the server's process, or all of them (a cluster's nodes: CPU and RSS summed). */
export function startCost(pid: number | readonly number[] | undefined): CostMeter {
  const pids = pid === undefined ? [] : typeof pid === 'number' ? [pid] : pid;
  const sum = (read: (one: number) => number): number =>
    pids.length === 0 ? Number.NaN : pids.reduce((total, one) => total + read(one), 0);
  const cpuBefore = sum(cpuSeconds);
  const rssBefore = sum(rssKiB);
  const clientBefore = cpuUsage();
  const startedAt = performance.now();
  return {
    stop(): Cost {
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const client = cpuUsage(clientBefore);
      return {
        wallSeconds,
        serverCpuSeconds: sum(cpuSeconds) - cpuBefore,
        serverRssBeforeKiB: rssBefore,
        serverRssAfterKiB: sum(rssKiB),
        clientCpuSeconds: (client.user + client.system) / 1e6,
      };
    },
  };
}
