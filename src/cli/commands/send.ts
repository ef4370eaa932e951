// `ferry send <full-jid> <file>`: offer a file and stream it; exit 0 only on a complete, verified
// transfer. Ctrl-C cancels properly (the bytestream is closed, not just dropped).
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { Jid } from '../../protocol/jid.js';
import type { TransferResult } from '../../client/outgoing-transfer.js';
import { FileTransferManager } from '../../client/file-transfer.js';
import { createTransports, type MethodChoice } from '../../client/index.js';
import { addLoginOptions, checkLoginFlags, login, type LoginFlags } from '../login-options.js';
import { TransferProgressBar, formatBytes } from '../progress-bar.js';
import { CliError, EXIT, finishWith, usageError } from '../cli-error.js';

interface SendFlags extends LoginFlags {
  method: MethodChoice;
  proxy?: string;
  direct: boolean;
  blockSize?: string;
  timeout?: string;
}

export function registerSendCommand(program: Command): void {
  addLoginOptions(
    program.command('send <full-jid> <file>').description('send a file to a full JID (user@domain/resource)'),
  )
    .option('--method <method>', 'auto (SOCKS5, then IBB), socks5 or ibb', 'auto')
    .option('--proxy <jid>', 'use this SOCKS5 proxy instead of discovering one')
    .option('--no-direct', 'do not offer a direct SOCKS5 connection; go through the proxy')
    .option('--block-size <bytes>', 'IBB block size (default 4096, up to 65535)')
    .option('--timeout <seconds>', 'how long to wait for the receiver to accept', '120')
    .action(async (to: string, file: string, flags: SendFlags) => {
      // Everything that needs no server is checked before the password prompt and the login.
      if (!['auto', 'socks5', 'ibb'].includes(flags.method))
        throw usageError(`--method must be auto, socks5 or ibb, not ${flags.method}`);
      const blockSize = flags.blockSize === undefined ? undefined : Number(flags.blockSize);
      if (blockSize !== undefined && !(Number.isInteger(blockSize) && blockSize >= 1 && blockSize <= 65535)) {
        throw usageError(`--block-size must be a whole number 1..65535, not ${flags.blockSize}`);
      }
      const timeout = Number(flags.timeout);
      if (flags.timeout === undefined || !Number.isFinite(timeout) || timeout <= 0 || timeout > 86_400) {
        throw usageError(`--timeout must be a number of seconds (0 < S ≤ 86400), not ${flags.timeout}`);
      }
      checkRecipient(to);
      await checkFile(file);
      checkLoginFlags(flags);
      const connection = await login(flags);
      const manager = new FileTransferManager(connection, {
        transports: createTransports({ method: flags.method, proxy: flags.proxy, blockSize, direct: flags.direct }),
        acceptTimeoutMs: timeout * 1000,
        identity: { type: 'console', name: 'Ferry' },
      });
      const controller = new AbortController();
      const onSigint = () => controller.abort(new CliError('cancelled', EXIT.interrupted));
      process.once('SIGINT', onSigint);
      const bar = new TransferProgressBar('sending');
      try {
        process.stderr.write(`offering ${file} to ${to}…\n`);
        const transfer = manager.send(to, file, { signal: controller.signal });
        transfer.on('accepted', ({ method, offset }) =>
          bar.note(`accepted; sending over ${method}${offset > 0 ? `, resuming at ${formatBytes(offset)}` : ''}`),
        );
        transfer.on('fallback', ({ from, to: next, reason }) =>
          bar.note(`${from} failed (${reason.message}); falling back to ${next}`),
        );
        transfer.on('progress', (progress) => bar.update(progress));
        const result = await transfer.done;
        bar.stop();
        console.log(
          `sent ${formatBytes(result.bytes + result.offset)} over ${route(result, connection.jid.toString())}${result.hash ? ` (md5 ${result.hash})` : ''}`,
        );
        finishWith(0);
      } catch (error) {
        bar.stop();
        if (controller.signal.aborted) throw new CliError('cancelled', EXIT.interrupted);
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
        manager.close();
        await connection.stop();
      }
    });
}

/** A file goes to one session: a full JID, which `ferry receive` prints when it starts. */
function checkRecipient(to: string): void {
  const jid = Jid.tryParse(to);
  if (!jid || jid.local === '') throw usageError(`${to} is not an address like bob@example.com/ferry-receive`);
  if (jid.resource === '') {
    throw usageError(
      `${to} has no resource: send to the full JID \`ferry receive\` prints ("receiving as ${to}/ferry-receive"; set by its --resource)`,
    );
  }
}

async function checkFile(file: string): Promise<void> {
  const stats = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw usageError(`${file}: no such file`);
    throw error;
  });
  if (stats.isDirectory())
    throw usageError(`${file} is a directory: ferry send takes one file (zip or tar a folder first)`);
  if (!stats.isFile()) throw usageError(`${file} is not a regular file`);
}

/** "socks5 (direct)", "socks5 via proxy.example.com" or "ibb". */
function route(result: TransferResult, self: string): string {
  if (!result.streamhost) return result.method;
  return result.streamhost === self ? `${result.method} (direct)` : `${result.method} via ${result.streamhost}`;
}
