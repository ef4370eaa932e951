// `ferry adduser | passwd | deluser | users`: account management on the server's data directory.
// They open the same SQLite file as a running server (WAL + busy timeout make that safe).
import type { Command } from 'commander';
import { addConfigOptions, type ConfigFlags } from '../config-options.js';
import { accountConfig, usernameOf, withStorage } from '../stored-data.js';
import { deleteUploadsOf, listUploads } from '../../server/modules/http-upload/admin.js';
import { readNewPassword } from '../password-prompt.js';
import { CliError, usageError } from '../cli-error.js';

interface PasswordFlags extends ConfigFlags {
  password?: string;
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
      const deleted = await withStorage(config, async (storage) => {
        // The account's upload records go with it; its files' bytes are deleted here too, rather
        // than left for the server's orphan sweep.
        const uploads = await listUploads(storage, config, { owner: username });
        if (!(await storage.accounts.delete(username))) return false;
        await deleteUploadsOf(config, uploads);
        return true;
      });
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
