// The options `ferry server` and the account commands share: where the config and data live.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../server/core/config.js';
import { usageError } from './cli-error.js';

export interface ConfigFlags {
  config?: string;
  dataDir?: string;
  domain?: string;
  set?: string[];
}

export function addConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'TOML config file (default: ./ferry.toml when present, or $FERRY_CONFIG)')
    .option('-d, --data-dir <dir>', 'data directory (database, certificates)')
    .option('--domain <domain>', 'the XMPP domain served')
    .option('--set <key=value...>', 'override any config key, e.g. --set c2s.port=5333');
}

export function configFromFlags(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const file = flags.config ?? env.FERRY_CONFIG ?? (existsSync('ferry.toml') ? 'ferry.toml' : undefined);
  const overrides: Record<string, string> = {};
  for (const pair of flags.set ?? []) {
    const index = pair.indexOf('=');
    if (index <= 0) throw usageError(`--set expects key=value, e.g. --set c2s.port=5333; got "${pair}"`);
    overrides[pair.slice(0, index)] = pair.slice(index + 1);
  }
  if (flags.dataDir) overrides.data_dir = flags.dataDir;
  if (flags.domain) overrides.domain = flags.domain;
  return loadConfig({ file, env, overrides });
}
