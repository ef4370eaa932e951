#!/usr/bin/env node
// `ferry`: the command line. Each command lives in cli/commands/.
import { Command } from 'commander';
import { FERRY_VERSION } from '../version.js';
import { registerServerCommand } from './commands/server.js';
import { registerAccountCommands } from './commands/accounts.js';
import { registerSendCommand } from './commands/send.js';
import { registerReceiveCommand } from './commands/receive.js';
import { CliError } from './cli-error.js';
import { ConfigError } from '../server/core/config.js';
import { StanzaError } from '../protocol/errors/stanza-error.js';

const program = new Command()
  .name('ferry')
  .description('XMPP file transfer that just works')
  .version(FERRY_VERSION)
  .showHelpAfterError();

registerServerCommand(program);
registerAccountCommands(program);
registerSendCommand(program);
registerReceiveCommand(program);

/** Known, user-facing failures print one line; anything else is a bug and shows its stack. */
function report(error: unknown): never {
  if (error instanceof CliError || error instanceof ConfigError) {
    console.error(`ferry: ${error.message}`);
    process.exit(error instanceof CliError ? error.exitCode : 2);
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('FERRY_ERR_')) {
    console.error(`ferry: ${(error as Error).message}`);
    process.exit(1);
  }
  if (error instanceof StanzaError) {
    console.error(`ferry: the peer answered ${error.condition}${error.text ? `: ${error.text}` : ''}`);
    process.exit(1);
  }
  console.error(error);
  process.exit(1);
}

program.parseAsync(process.argv).catch(report);
