// `ferry adduser | passwd | deluser | users`: account management on the server's data directory.
// They open the same SQLite file as a running server (WAL + busy timeout make that safe).
import type { Command } from 'commander';
import { Jid } from '../../protocol/jid.js';
import { openStorage, type Storage } from '../../server/storage/index.js';
import type { Config } from '../../server/core/config.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-options.js';
import { readNewPassword } from '../password-prompt.js';
import { CliError, usageError } from '../cli-error.js';

interface PasswordFlags extends ConfigFlags {
  password?: string;
}

/** The configuration, refused up front (before any password prompt) when it has nothing to manage. */
function accountConfig(flags: ConfigFlags): Config {
  const config = configFromFlags(flags);
  // An account written to this process's memory would vanish as the command exits.
  if (config.storage.backend === 'memory') {
    throw usageError('storage.backend is "memory": there are no stored accounts to manage');
  }
  return config;
}

async function withStorage<T>(config: Config, run: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage({
    backend: config.storage.backend,
    dataDir: config.data_dir,
    scramIterations: config.scram_iterations,
  });
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

/** alice@localhost → alice, checking the domain is the one this data directory serves. */
function usernameOf(address: string, config: Config): string {
  const jid = Jid.tryParse(address.includes('@') ? address : `${address}@${config.domain}`);
  if (!jid || jid.local === '' || jid.resource !== '') {
    throw usageError(`"${address}" is not an account address like alice@${config.domain}`);
  }
  if (jid.domain !== config.domain) {
    throw usageError(`${jid.toString()} is not on this server's domain (${config.domain}); pass --domain or --config`);
  }
  return jid.local;
}

async function passwordFrom(flags: PasswordFlags): Promise<string> {
  const password = flags.password ?? (process.env.FERRY_PASSWORD || undefined) ?? (await readNewPassword('Password: '));
  if (password.length === 0) throw usageError('the password is empty');
  return password;
}

export function registerAccountCommands(program: Command): void {
  addConfigOptions(program.command('adduser <jid>').description('create an account'))
    .option('-p, --password <password>', 'the password (default: prompt, or $FERRY_PASSWORD)')
    .action(async (address: string, flags: PasswordFlags) => {
      const config = accountConfig(flags);
      const username = usernameOf(address, config);
      const password = await passwordFrom(flags);
      await withStorage(config, (storage) => storage.accounts.create(username, password));
      console.log(`created ${username}@${config.domain}`);
    });
  addConfigOptions(program.command('passwd <jid>').description("change an account's password"))
    .option('-p, --password <password>', 'the new password (default: prompt, or $FERRY_PASSWORD)')
    .action(async (address: string, flags: PasswordFlags) => {
      const config = accountConfig(flags);
      const username = usernameOf(address, config);
      const password = await passwordFrom(flags);
      await withStorage(config, (storage) => storage.accounts.setPassword(username, password));
      console.log(`password changed for ${username}@${config.domain}`);
    });
  addConfigOptions(program.command('deluser <jid>').description('delete an account and its data')).action(
    async (address: string, flags: ConfigFlags) => {
      const config = accountConfig(flags);
      const username = usernameOf(address, config);
      const deleted = await withStorage(config, (storage) => storage.accounts.delete(username));
      if (!deleted) throw new CliError(`no account ${username}@${config.domain}`);
      console.log(`deleted ${username}@${config.domain}`);
    },
  );
  addConfigOptions(program.command('users').description('list accounts')).action(async (flags: ConfigFlags) => {
    const config = accountConfig(flags);
    for (const username of await withStorage(config, (storage) => storage.accounts.list())) {
      console.log(`${username}@${config.domain}`);
    }
  });
}
