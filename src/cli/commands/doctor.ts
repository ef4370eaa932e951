// `ferry doctor`: checks a server from a client's side, step by step (DNS, TCP, certificate,
// login, services, the proxy's advertised address, loop-back transfers, an upload), printing one
// ✓/✗ line each with the fix; `--server` checks a config and data dir without starting a server.
// Exit 0 only when every check passes; 1 otherwise; 2 for usage (and configuration) mistakes.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { addConfigOptions, type ConfigFlags } from '../config-options.js';
import { addLoginOptions, checkLoginFlags, type LoginFlags } from '../login-options.js';
import { readPassword } from '../password-prompt.js';
import { CliError, EXIT, finishWith, usageError } from '../cli-error.js';
import {
  clientChecks,
  closeClientState,
  formatResult,
  runChecks,
  serverChecks,
  type CheckResult,
  type ClientDoctorState,
  type ServerDoctorState,
} from '../doctor/index.js';

interface DoctorFlags extends LoginFlags, ConfigFlags {
  server?: boolean;
  json?: boolean;
  timeout: string;
  directTlsPort?: string;
}

export function registerDoctorCommand(program: Command): void {
  const command = program
    .command('doctor')
    .description(
      'check a server step by step as a client (DNS, TCP, certificate, login, proxy, transfers, upload), or with --server its config and data dir',
    );
  addLoginOptions(command)
    .option('--direct-tls-port <port>', 'expect direct TLS (XEP-0368) on this port (default: 5223, optional)')
    .option('--timeout <seconds>', 'per check', '10')
    .option('--json', 'print one JSON object for scripts')
    .option('--server', 'check a config and data dir (--config, --data-dir, --set) without starting a server');
  addConfigOptions(command).action(async (flags: DoctorFlags) => {
    const timeout = Number(flags.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3_600)
      throw usageError(`--timeout must be a number of seconds (0 < S ≤ 3600), not ${flags.timeout}`);
    const controller = new AbortController();
    const onSigint = () => controller.abort(new CliError('cancelled', EXIT.interrupted));
    process.once('SIGINT', onSigint);
    const print = (result: CheckResult) => {
      if (!flags.json) console.log(formatResult(result));
    };
    const options = { timeoutMs: timeout * 1000, report: print, signal: controller.signal };
    let results: CheckResult[];
    try {
      if (flags.server) {
        refuseClientFlags(flags);
        const state: ServerDoctorState = { flags };
        results = await runChecks(serverChecks, state, options);
      } else {
        refuseServerFlags(flags);
        const state = await clientState(flags, timeout * 1000);
        if (!flags.json) console.log(`ferry doctor: ${state.jid.toString()}`);
        try {
          results = await runChecks(clientChecks, state, options);
        } finally {
          await closeClientState(state);
        }
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (controller.signal.aborted) throw new CliError('cancelled', EXIT.interrupted);
    const isOk = results.every((result) => result.ok);
    if (flags.json) {
      console.log(JSON.stringify({ ok: isOk, mode: flags.server ? 'server' : 'client', checks: results }, null, 2));
    } else {
      console.log(summary(results));
    }
    // A configuration that does not load is a configuration mistake, as for `ferry server`.
    const isConfigBroken = flags.server && results[0]?.status === 'fail';
    finishWith(isOk ? EXIT.ok : isConfigBroken ? EXIT.usage : EXIT.failure);
  });
}

function summary(results: readonly CheckResult[]): string {
  const count = (status: CheckResult['status']) => results.filter((result) => result.status === status).length;
  const [failed, skipped, warned] = [count('fail'), count('skip'), count('warn')];
  if (failed === 0 && skipped === 0)
    return `all ${results.length} checks passed${warned > 0 ? ` (${warned} with a warning)` : ''}`;
  return `${failed} failed, ${skipped} skipped, ${results.length - failed - skipped} passed`;
}

function refuseClientFlags(flags: DoctorFlags): void {
  for (const [flag, value] of [
    ['--jid', flags.jid],
    ['--host', flags.host],
    ['--port', flags.port],
    ['--direct-tls-port', flags.directTlsPort],
    ['--ca-file', flags.caFile],
    ['--insecure', flags.insecure],
    ['--password', flags.password],
  ] as const) {
    if (value !== undefined) throw usageError(`${flag} is for the client checks; --server reads the config instead`);
  }
}

function refuseServerFlags(flags: DoctorFlags): void {
  for (const [flag, value] of [
    ['--config', flags.config],
    ['--data-dir', flags.dataDir],
    ['--domain', flags.domain],
    ['--set', flags.set],
  ] as const) {
    if (value !== undefined) throw usageError(`${flag} goes with --server (checking a config and data dir)`);
  }
}

async function clientState(flags: DoctorFlags, timeoutMs: number): Promise<ClientDoctorState> {
  const { jid, port } = checkLoginFlags(flags);
  const directTlsPort = flags.directTlsPort === undefined ? undefined : Number(flags.directTlsPort);
  if (directTlsPort !== undefined && !(Number.isInteger(directTlsPort) && directTlsPort > 0 && directTlsPort < 65536))
    throw usageError(`--direct-tls-port ${flags.directTlsPort} is not a port (1..65535)`);
  let ca: string | undefined;
  if (flags.caFile !== undefined) {
    ca = await readFile(flags.caFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw usageError(`--ca-file ${flags.caFile}: cannot read it (${error.code ?? error.message})`);
    });
  }
  const fromEnv = process.env.FERRY_PASSWORD || undefined;
  const passwordFrom =
    flags.password !== undefined
      ? '--password'
      : fromEnv !== undefined
        ? '$FERRY_PASSWORD'
        : process.stdin.isTTY
          ? 'the prompt'
          : 'standard input';
  const password = flags.password ?? fromEnv ?? (await readPassword(`Password for ${jid.bare().toString()}: `));
  return {
    jid: jid.bare(),
    password,
    passwordFrom,
    flags: { host: flags.host, port, directTlsPort, caFile: flags.caFile },
    trust: { insecure: flags.insecure === true, ca },
    timeoutMs,
    tag: randomBytes(3).toString('hex'),
  };
}
