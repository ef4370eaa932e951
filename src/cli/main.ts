#!/usr/bin/env node
// `ferry`: the command line. Each command lives in cli/commands/. Every failure ends here, in
// report(): one line on stderr and a documented exit code (cli-error.ts EXIT), a stack trace only
// with --debug.
import { Command } from 'commander';
import { FERRY_VERSION } from '../version.js';
import { registerServerCommand } from './commands/server.js';
import { registerAccountCommands } from './commands/accounts.js';
import { registerSendCommand } from './commands/send.js';
import { registerReceiveCommand } from './commands/receive.js';
import { registerUploadCommands } from './commands/uploads.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerOperationsCommands } from './commands/operations.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerSettingsCommand } from './commands/settings.js';
import { EXIT } from './cli-error.js';
import { explain } from './error-lines.js';

const program = new Command()
  .name('ferry')
  .description('XMPP file transfer that just works')
  .version(FERRY_VERSION)
  .option('--debug', 'print stack traces and error details')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ outputError: (text, write) => write(`ferry: ${text.replace(/^error: /, '')}`) })
  // Usage mistakes are exit 2, like configuration mistakes; --help and --version are 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage));

registerServerCommand(program);
registerAccountCommands(program);
registerSendCommand(program);
registerReceiveCommand(program);
registerUploadCommands(program);
registerDoctorCommand(program);
registerOperationsCommands(program);
registerSettingsCommand(program);
registerBackupCommands(program);

// Read before parsing finishes, so a failure while parsing is reported the same way.
const isDebug = process.argv.includes('--debug');

function report(error: unknown): never {
  const { line, exitCode } = explain(error);
  console.error(`ferry: ${line}`);
  if (isDebug) console.error(error);
  process.exit(exitCode);
}

// COMPAT: xmpp.js 0.14 can emit 'error' with no listener while it connects (ECONNREFUSED,
// SASLError); login() listens for those itself while it connects (then it is not the only
// listener, and its line names the server), and this keeps anything else to one line too.
process.on('uncaughtException', (error) => {
  if (process.listenerCount('uncaughtException') === 1) report(error);
});
process.on('unhandledRejection', (error) => {
  if (process.listenerCount('unhandledRejection') === 1) report(error);
});

program.parseAsync(process.argv).catch(report);
