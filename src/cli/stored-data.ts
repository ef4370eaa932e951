// The server's stored data as CLI commands reach it (accounts, uploads): the data directory or
// the PostgreSQL database named by the config, opened beside a running server (SQLite: WAL and
// a busy timeout make that safe; PostgreSQL: transactions and row locks).
import { Jid } from '@ferry/protocol/jid';
import { openStorage, storageOptions, type Storage } from '../server/storage/index.js';
import type { Config } from '../server/core/config.js';
import { configFromFlags, type ConfigFlags } from './config-options.js';
import { usageError } from './cli-error.js';

/** The configuration, refused up front (before any password prompt) when it has nothing to manage. */
export function accountConfig(flags: ConfigFlags): Config {
  const config = configFromFlags(flags);
  // An account written to this process's memory would vanish as the command exits.
  if (config.storage.backend === 'memory') {
    throw usageError('storage.backend is "memory": there are no stored accounts to manage');
  }
  return config;
}

export async function withStorage<T>(config: Config, run: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(storageOptions(config));
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

/** alice@localhost → alice, checking the domain is the one this data directory serves. */
export function usernameOf(address: string, config: Config): string {
  const jid = Jid.tryParse(address.includes('@') ? address : `${address}@${config.domain}`);
  if (!jid || jid.local === '' || jid.resource !== '') {
    throw usageError(`"${address}" is not an account address like alice@${config.domain}`);
  }
  if (jid.domain !== config.domain) {
    throw usageError(`${jid.toString()} is not on this server's domain (${config.domain}); pass --domain or --config`);
  }
  return jid.local;
}
