// `ferry backup FILE` and `ferry restore FILE`: the embedded database (accounts, rosters, offline
// messages, module data, upload records) and the data directory's secrets, as one file. A backup
// is safe while the server runs; a restore needs it stopped and keeps what it replaces.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { FERRY_VERSION } from '../../version.js';
import {
  backupDataDir,
  BackupError,
  databasePath,
  readBackup,
  restoreDataDir,
} from '../../server/storage/sqlite/backup.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-options.js';
import { CliError, usageError } from '../cli-error.js';
import type { Config } from '../../server/core/config.js';
import { controlSocketPath, isServerRunning } from '../control-client.js';

interface RestoreFlags extends ConfigFlags {
  force?: boolean;
}

export function registerBackupCommands(program: Command): void {
  addConfigOptions(
    program
      .command('backup')
      .description('write the database and the data directory’s keys to FILE (safe while the server runs)')
      .argument('<file>', 'the backup file to write (replaced if it exists)'),
  ).action(async (file: string, flags: ConfigFlags) => {
    const config = sqliteConfig(flags);
    const target = resolve(file);
    const manifest = await asCliError(() =>
      backupDataDir({ dataDir: config.data_dir, domain: config.domain, ferryVersion: FERRY_VERSION, target }),
    );
    console.log(
      `backed up ${manifest.accounts} account${manifest.accounts === 1 ? '' : 's'} of ${manifest.domain} to ${target}` +
        ` (schema ${manifest.schemaVersion}${manifest.files.length ? `, with ${manifest.files.join(', ')}` : ''})`,
    );
    console.log('uploaded files are not in it: copy the upload store (data_dir/uploads, or the S3 bucket) separately');
  });

  addConfigOptions(
    program
      .command('restore')
      .description('replace the database with a backup (stop the server first; what it replaces is kept)')
      .argument('<file>', 'a file written by `ferry backup`'),
  )
    .option('--force', 'replace an existing database (it is renamed aside, not deleted)')
    .action(async (file: string, flags: RestoreFlags) => {
      const config = sqliteConfig(flags);
      if (await isServerRunning(config)) {
        throw new CliError(
          `a server is running on ${config.data_dir} (its control socket ${controlSocketPath(config)} answers): stop it first`,
        );
      }
      const outcome = await asCliError(async () => {
        const manifest = readBackup(resolve(file));
        if (manifest.domain !== config.domain) {
          throw usageError(
            `the backup is of ${manifest.domain}, this data directory serves ${config.domain}: pass --domain ${manifest.domain} or the right --config`,
          );
        }
        if (existsSync(databasePath(config.data_dir)) && !flags.force) {
          throw usageError(
            `${config.data_dir} already has a database: pass --force to replace it (the current one is renamed aside, not deleted)`,
          );
        }
        return restoreDataDir({ dataDir: config.data_dir, backup: resolve(file) });
      });
      const { manifest, keptAside } = outcome;
      console.log(
        `restored ${manifest.accounts} account${manifest.accounts === 1 ? '' : 's'} of ${manifest.domain} from a backup of ${manifest.createdAt} (Ferry ${manifest.ferryVersion})`,
      );
      for (const path of keptAside) console.log(`kept the replaced ${path}`);
    });
}

function sqliteConfig(flags: ConfigFlags): Config {
  const config = configFromFlags(flags);
  if (config.storage.backend !== 'sqlite') {
    const hint = config.storage.backend === 'postgres' ? '; back PostgreSQL up with pg_dump' : '';
    throw usageError(
      `storage.backend is "${config.storage.backend}": ferry backup and restore handle the embedded SQLite store${hint}`,
    );
  }
  return config;
}

async function asCliError<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message, undefined, { cause: error });
    throw error;
  }
}
