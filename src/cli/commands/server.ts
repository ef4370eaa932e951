// `ferry server`: start the server on embedded defaults or a config file.
import type { Command } from 'commander';
import { FerryServer } from '../../server/core/server.js';
import { flushLogFile } from '../../server/core/logger.js';
import type { Config } from '../../server/core/config.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-options.js';
import { CliError, EXIT } from '../cli-error.js';

export function registerServerCommand(program: Command): void {
  addConfigOptions(program.command('server').description('run the XMPP server')).action(async (flags: ConfigFlags) => {
    const config = configFromFlags(flags);
    // SIGHUP and `ferry reload` read the same file, environment and flags again.
    const server = new FerryServer({ config, reloadConfig: () => configFromFlags(flags) });
    try {
      await server.start();
    } catch (error) {
      await server.stop().catch(() => {});
      throw startError(error, config);
    }
    let isStopping = false;
    const stop = (signal: string) => {
      if (isStopping) return;
      isStopping = true;
      server.logger.info({ signal }, 'shutting down');
      const exit = (code: number) => {
        flushLogFile(server.logger);
        process.exit(code);
      };
      void server.stop().then(
        () => exit(EXIT.ok),
        () => exit(EXIT.failure),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // Reload, not stop, as Prosody and ejabberd do; logrotate sends it after moving log.file, which
    // reload() reopens. The outcome (applied, restart needed, refused) is logged by reload() itself.
    process.on('SIGHUP', () => void server.reload().catch(() => {}));
  });
}

interface StartFailure {
  code?: string;
  path?: string;
  port?: number;
  cause?: StartFailure;
}

/** A start-up failure named by the config key that fixes it: the port, the certificate, data_dir. */
function startError(error: unknown, config: Config): unknown {
  const failure = error as StartFailure;
  const errno = failure.cause ?? failure;
  if (errno.code === 'EADDRINUSE' || errno.code === 'EACCES' || errno.code === 'EADDRNOTAVAIL') {
    const key = portKeys(config).find(([, port]) => port === errno.port)?.[0];
    if (key && errno.code === 'EADDRINUSE')
      return new CliError(`port ${errno.port} is already in use: stop what uses it, or set ${key} to another port`);
    if (key) return new CliError(`cannot listen on port ${errno.port} (${errno.code}): check ${key} and its host`);
  }
  const path = errno.path;
  if (path && errno.code) {
    for (const [key, file] of [
      ['tls.cert_file', config.tls.cert_file],
      ['tls.key_file', config.tls.key_file],
    ] as const) {
      if (file === path)
        return new CliError(`${key}: cannot read ${path} (${errno.code}); fix the path in the config`, EXIT.usage);
    }
    if (path === config.data_dir || path.startsWith(`${config.data_dir}/`)) {
      return new CliError(
        `data_dir ${config.data_dir} is not usable (${errno.code} on ${path}): pick a writable directory with --data-dir or data_dir`,
        EXIT.usage,
      );
    }
  }
  return error;
}

function portKeys(config: Config): [string, number][] {
  return [
    ['c2s.port', config.c2s.port],
    ['c2s_direct_tls.port', config.c2s_direct_tls.port],
    ['http.port', config.http.port],
    ['http.https_port', config.http.https_port],
  ];
}
