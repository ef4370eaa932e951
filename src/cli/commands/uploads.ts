// `ferry uploads [--user JID]` and `ferry uploads rm <id>`: the files people uploaded through
// XEP-0363 (the http_upload module), with their owners and sizes, read from the data directory
// whether the server runs or not.
import type { Command } from 'commander';
import { deleteUpload, listUploads } from '../../server/modules/http-upload/admin.js';
import type { FileRecord } from '../../server/modules/http-upload/file-records.js';
import { addConfigOptions, type ConfigFlags } from '../config-options.js';
import { accountConfig, usernameOf, withStorage } from '../stored-data.js';
import { formatBytes } from '../progress-bar.js';
import { CliError, usageError } from '../cli-error.js';

interface ListFlags extends ConfigFlags {
  user?: string;
  json?: boolean;
}

export function registerUploadCommands(program: Command): void {
  // One command with an optional `rm <id>` rather than a subcommand: a subcommand would not see
  // options such as --data-dir given after it (the root program parses them for itself).
  addConfigOptions(
    program
      .command('uploads')
      .description('list files uploaded through HTTP upload (XEP-0363); `ferry uploads rm <id>` deletes one')
      .argument('[action]', '"rm" to delete the file with the given id')
      .argument('[id]', 'the file to delete (an ID from the listing)'),
  )
    .option('--user <jid>', "only this account's files")
    .option('--json', 'one JSON object per file')
    .action(async (action: string | undefined, id: string | undefined, flags: ListFlags) => {
      if (action === undefined) return list(flags);
      if (action !== 'rm')
        throw usageError(`unknown action "${action}": use \`ferry uploads\` or \`ferry uploads rm <id>\``);
      if (id === undefined) throw usageError('ferry uploads rm needs the ID of the file (see `ferry uploads`)');
      const config = accountConfig(flags);
      const deleted = await withStorage(config, (storage) => deleteUpload(storage, config, id));
      if (!deleted) throw new CliError(`no upload with id ${id} (see \`ferry uploads\`)`);
      console.log(`deleted upload ${id}`);
    });
}

async function list(flags: ListFlags): Promise<void> {
  const config = accountConfig(flags);
  const owner = flags.user === undefined ? undefined : usernameOf(flags.user, config);
  const records = await withStorage(config, (storage) =>
    listUploads(storage, config, owner === undefined ? {} : { owner }),
  );
  if (flags.json) {
    for (const record of records) console.log(JSON.stringify(record));
    return;
  }
  if (records.length === 0) {
    console.log(owner === undefined ? 'no uploads' : `no uploads by ${owner}@${config.domain}`);
    return;
  }
  printTable(records, config.domain);
  const total = records.reduce((sum, record) => sum + record.size, 0);
  console.log(`${records.length} file${records.length === 1 ? '' : 's'}, ${formatBytes(total)}`);
}

function printTable(records: readonly FileRecord[], domain: string): void {
  const rows = records.map((record) => [
    record.id,
    `${record.owner}@${domain}`,
    formatBytes(record.size),
    new Date(record.created).toISOString().slice(0, 16).replace('T', ' '),
    record.expires === undefined ? 'never' : new Date(record.expires).toISOString().slice(0, 16).replace('T', ' '),
    record.name,
  ]);
  const header = ['ID', 'OWNER', 'SIZE', 'UPLOADED', 'EXPIRES', 'NAME'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    );
  }
}
