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

export function startCost(pid: number | undefined): CostMeter {
  const cpuBefore = pid === undefined ? Number.NaN : cpuSeconds(pid);
  const rssBefore = pid === undefined ? Number.NaN : rssKiB(pid);
  const clientBefore = cpuUsage();
  const startedAt = performance.now();
  return {
    stop(): Cost {
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const client = cpuUsage(clientBefore);
      return {
        wallSeconds,
        serverCpuSeconds: pid === undefined ? Number.NaN : cpuSeconds(pid) - cpuBefore,
        serverRssBeforeKiB: rssBefore,
        serverRssAfterKiB: pid === undefined ? Number.NaN : rssKiB(pid),
        clientCpuSeconds: (client.user + client.system) / 1e6,
      };
    },
  };
}
