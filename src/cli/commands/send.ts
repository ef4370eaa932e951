// `ferry send <full-jid> <file>`: offer a file and stream it; exit 0 only on a complete, verified
// transfer. Ctrl-C cancels properly (the bytestream is closed, not just dropped).
import type { Command } from 'commander';
import { FileTransferManager } from '../../client/file-transfer.js';
import { createTransports, type MethodChoice } from '../../client/index.js';
import { addLoginOptions, login, type LoginFlags } from '../login-options.js';
import { TransferProgressBar, formatBytes } from '../progress-bar.js';
import { CliError, finishWith } from '../cli-error.js';

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
      if (!['auto', 'socks5', 'ibb'].includes(flags.method))
        throw new CliError(`--method must be auto, socks5 or ibb, not ${flags.method}`);
      const blockSize = flags.blockSize === undefined ? undefined : Number(flags.blockSize);
      if (blockSize !== undefined && !(Number.isInteger(blockSize) && blockSize >= 1 && blockSize <= 65535)) {
        throw new CliError('--block-size must be 1..65535');
      }
      const connection = await login(flags);
      const manager = new FileTransferManager(connection, {
        transports: createTransports({ method: flags.method, proxy: flags.proxy, blockSize, direct: flags.direct }),
        acceptTimeoutMs: Number(flags.timeout) * 1000,
        identity: { type: 'console', name: 'Ferry' },
      });
      const controller = new AbortController();
      const onSigint = () => controller.abort(new CliError('cancelled', 130));
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
          `sent ${formatBytes(result.bytes + result.offset)} over ${result.method}${result.hash ? ` (md5 ${result.hash})` : ''}`,
        );
        finishWith(0);
      } catch (error) {
        bar.stop();
        if (controller.signal.aborted) throw new CliError('cancelled', 130);
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
        manager.close();
        await connection.stop();
      }
    });
}
