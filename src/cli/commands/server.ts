// `ferry server`: start the server on embedded defaults or a config file.
import type { Command } from 'commander';
import { FerryServer } from '../../server/core/server.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-options.js';

export function registerServerCommand(program: Command): void {
  addConfigOptions(program.command('server').description('run the XMPP server')).action(async (flags: ConfigFlags) => {
    const config = configFromFlags(flags);
    const server = new FerryServer({ config });
    await server.start();
    let isStopping = false;
    const stop = (signal: string) => {
      if (isStopping) return;
      isStopping = true;
      server.logger.info({ signal }, 'shutting down');
      void server.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
