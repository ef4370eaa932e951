// The servers the benchmark knows, started one after another into their own temp dirs. One that
// is not installed or fails to start is recorded with the reason; the others still run.
import { join } from 'node:path';
import { ejabberdServer } from './ejabberd.js';
import { ferryServer } from './ferry.js';
import { ferryClusterServer } from './ferry-cluster.js';
import { prosodyServer } from './prosody.js';
import type { BenchServer, ServerDefinition, ServerName } from './types.js';
import type { ServerInfo } from '../lib/results.js';

const DEFINITIONS: Record<ServerName, ServerDefinition> = {
  ferry: ferryServer,
  prosody: prosodyServer,
  ejabberd: ejabberdServer,
  'ferry-cluster': ferryClusterServer,
};

const LABELS: Record<ServerName, string> = {
  ferry: 'Ferry',
  prosody: 'Prosody',
  ejabberd: 'ejabberd',
  'ferry-cluster': 'Ferry, 2 nodes',
};

export interface StartServersOptions {
  names: readonly ServerName[];
  baseDir: string;
  repoRoot: string;
  accountCount: number;
  ferryFromDist: boolean;
  ferryCpuProfileDir?: string | undefined;
  prosodyReadSize?: number;
  log: (line: string) => void;
}

export async function startServers(
  options: StartServersOptions,
): Promise<{ running: BenchServer[]; info: ServerInfo[] }> {
  const running: BenchServer[] = [];
  const info: ServerInfo[] = [];
  for (const name of options.names) {
    const definition = DEFINITIONS[name];
    const unavailable = definition.unavailableReason();
    if (unavailable) {
      options.log(`${name}: skipped — ${unavailable}`);
      info.push({ name, label: LABELS[name], notes: [], skipped: unavailable });
      continue;
    }
    const startedAt = Date.now();
    try {
      const server = await definition.start({
        dir: join(options.baseDir, name),
        repoRoot: options.repoRoot,
        accountCount: options.accountCount,
        log: options.log,
        ferryFromDist: options.ferryFromDist,
        ferryCpuProfileDir: options.ferryCpuProfileDir,
        prosodyReadSize: options.prosodyReadSize,
      });
      options.log(`${server.label}: ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (pid ${server.pid})`);
      running.push(server);
      info.push({ name, label: server.label, notes: server.notes });
    } catch (error) {
      const reason = `failed to start: ${(error as Error).message}`;
      options.log(`${name}: ${reason}`);
      info.push({ name, label: LABELS[name], notes: [], skipped: reason.split('\n')[0]! });
    }
  }
  return { running, info };
}
