// `ferry status`, `ferry sessions`, `ferry transfers [--watch]`, `ferry kick <jid> [--reason TEXT]`,
// `ferry reload`:
// a running server seen and acted on from its own machine, through the control socket in its data
// directory (found with the same --config / --data-dir as `ferry server`). No server: one line and
// exit 3, so `ferry status` works like `systemctl is-active`.
import type { Command } from 'commander';
import type { SessionView, StatusView, TransferView } from '../../server/modules/operations/operations-service.js';
import type { ReloadReport } from '../../server/core/reload.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-options.js';
import { controlRequest, controlSocketPath } from '../control-client.js';
import { CliError, EXIT } from '../cli-error.js';
import { sessionLines, statusLines, transferLines } from '../operations-output.js';

interface OutputFlags extends ConfigFlags {
  json?: boolean;
}

const WATCH_INTERVAL_MS = 1_000;

export function registerOperationsCommands(program: Command): void {
  command(
    program,
    'status',
    'is a server running on this data directory? Its version, uptime, counts and listeners; exit 0 only when running',
  ).action(async (flags: OutputFlags) => {
    const status = (await controlRequest(socketOf(flags), { op: 'status' })) as StatusView;
    print(flags.json ? [JSON.stringify(status)] : statusLines(status));
  });

  command(program, 'sessions', 'the sessions bound to the running server: JID, transport, TLS, address, since').action(
    async (flags: OutputFlags) => {
      const sessions = (await controlRequest(socketOf(flags), { op: 'sessions' })) as SessionView[];
      print(flags.json ? sessions.map((session) => JSON.stringify(session)) : sessionLines(sessions));
    },
  );

  command(
    program,
    'transfers',
    'transfers the running server carries now: SOCKS5 relays, IBB, HTTP uploads and downloads',
  )
    .option('--watch', 'refresh every second until Ctrl-C')
    .action(async (flags: OutputFlags & { watch?: boolean }) => {
      const path = socketOf(flags);
      const show = async (): Promise<void> => {
        const transfers = (await controlRequest(path, { op: 'transfers' })) as TransferView[];
        print(flags.json ? transfers.map((transfer) => JSON.stringify(transfer)) : transferLines(transfers));
      };
      if (!flags.watch) return show();
      await watch(show, !flags.json && process.stdout.isTTY === true);
    });

  command(program, 'kick', 'close the sessions of a JID (bare: all of its sessions) with policy-violation')
    .argument('<jid>', 'alice@example.org (every session) or alice@example.org/phone (that one)')
    .option('--reason <text>', 'the text sent with the stream error')
    .action(async (jid: string, flags: OutputFlags & { reason?: string }) => {
      const reply = (await controlRequest(socketOf(flags), {
        op: 'kick',
        jid,
        ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
      })) as { closed: number };
      if (flags.json) print([JSON.stringify({ jid, closed: reply.closed })]);
      if (reply.closed === 0) throw new CliError(`no session of ${jid} is connected`);
      if (!flags.json) print([`kicked ${jid}: ${reply.closed} session${reply.closed === 1 ? '' : 's'} closed`]);
    });

  command(
    program,
    'reload',
    're-read the configuration: log level and TLS certificate now, other changes named (restart needed); as SIGHUP',
  ).action(async (flags: OutputFlags) => {
    const report = (await controlRequest(socketOf(flags), { op: 'reload' })) as ReloadReport;
    if (flags.json) return print([JSON.stringify(report)]);
    print([
      `reloaded: ${report.applied.join(', ')}`,
      ...(report.restartNeeded.length > 0 ? [`restart needed to apply: ${report.restartNeeded.join(', ')}`] : []),
    ]);
  });
}

function command(program: Command, name: string, description: string): Command {
  return addConfigOptions(program.command(name).description(description)).option('--json', 'JSON instead of a table');
}

function socketOf(flags: ConfigFlags): string {
  return controlSocketPath(configFromFlags(flags));
}

function print(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs `show` every second until Ctrl-C (exit 0) or a failure (its own line and code). */
async function watch(show: () => Promise<void>, isScreen: boolean): Promise<void> {
  let isStopped = false;
  let wake = (): void => {};
  process.once('SIGINT', () => {
    isStopped = true;
    wake();
  });
  while (!isStopped) {
    if (isScreen) process.stdout.write('\x1b[H\x1b[2J');
    await show();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WATCH_INTERVAL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  process.exitCode = EXIT.ok;
}
