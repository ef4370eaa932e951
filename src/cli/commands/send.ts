// `ferry send <jid> <file>`: a full JID gets an SI offer (SOCKS5, then IBB) as before; a bare JID
// gets one on its online resource that takes files, else an HTTP upload (XEP-0363) and a link
// message its server keeps until the contact logs in. `--method upload` forces the upload;
// `--method jingle` sends with Jingle file transfer (XEP-0234); to a bare JID whose devices
// advertise XEP-0353, the file is proposed to all of them and the first to answer gets it. Exit 0
// only on a complete, verified transfer. Ctrl-C cancels properly (the bytestream is closed).
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { Jid } from '@ferry/protocol/jid';
import { xml } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '@ferry/client/internal/connection';
import type { SendRoute } from '@ferry/client/internal/upload/method-choice';
import type { TransferResult } from '@ferry/client/internal/outgoing-transfer';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createTransports, type MethodChoice } from '@ferry/client';
import { addLoginOptions, checkLoginFlags, login, type LoginFlags } from '../login-options.js';
import { TransferProgressBar, formatBytes } from '../progress-bar.js';
import { CliError, EXIT, finishWith, usageError } from '../cli-error.js';
import { watchServer } from '../server-watch.js';
import { addTransferOptions, checkTransferFlags, type TransferFlags } from '../transfer-options.js';

type SendMethodFlag = MethodChoice | 'jingle' | 'upload';
const METHODS: readonly SendMethodFlag[] = ['auto', 'socks5', 'ibb', 'jingle', 'upload'];

/**
 * How long a bare-JID send listens for the contact's presence before deciding: presence comes
 * only with a subscription, and there is no "that was all" marker, so the wait is bounded.
 */
const PRESENCE_WAIT_MS = 2_000;

interface SendFlags extends LoginFlags, TransferFlags {
  method: SendMethodFlag;
  proxy?: string;
  direct: boolean;
  blockSize?: string;
  timeout?: string;
}

export function registerSendCommand(program: Command): void {
  addTransferOptions(
    addLoginOptions(
      program
        .command('send <jid> <file>')
        .description(
          'send a file: to a full JID (user@domain/resource) directly; to a bare JID directly when it is online, else by upload and link',
        ),
    ),
  )
    .option(
      '--method <method>',
      'auto (SOCKS5, then IBB; a bare JID that is offline: upload), socks5, ibb, jingle (Jingle over SOCKS5, then IBB; a bare JID: proposed to its devices when they advertise XEP-0353) or upload (HTTP upload + link)',
      'auto',
    )
    .option('--proxy <jid>', 'use this SOCKS5 proxy instead of discovering one')
    .option('--no-direct', 'do not offer a direct SOCKS5 connection; go through the proxy')
    .option('--block-size <bytes>', 'IBB block size (default 4096, up to 65535)')
    .option('--timeout <seconds>', 'how long to wait for the receiver to accept', '120')
    .action(async (to: string, file: string, flags: SendFlags) => {
      // Everything that needs no server is checked before the password prompt and the login.
      if (!METHODS.includes(flags.method))
        throw usageError(`--method must be auto, socks5, ibb, jingle or upload, not ${flags.method}`);
      const blockSize = flags.blockSize === undefined ? undefined : Number(flags.blockSize);
      if (blockSize !== undefined && !(Number.isInteger(blockSize) && blockSize >= 1 && blockSize <= 65535)) {
        throw usageError(`--block-size must be a whole number 1..65535, not ${flags.blockSize}`);
      }
      const timeout = Number(flags.timeout);
      if (flags.timeout === undefined || !Number.isFinite(timeout) || timeout <= 0 || timeout > 86_400) {
        throw usageError(`--timeout must be a number of seconds (0 < S ≤ 86400), not ${flags.timeout}`);
      }
      const { stallTimeoutMs, keepaliveMs } = checkTransferFlags(flags);
      const recipient = checkRecipient(to);
      await checkFile(file);
      checkLoginFlags(flags);
      const connection = await login(flags);
      // socks5 and ibb name SI's stream method; Jingle, like auto, has SOCKS5 (XEP-0260) and IBB (XEP-0261).
      const streamMethod = flags.method === 'upload' || flags.method === 'jingle' ? 'auto' : flags.method;
      const manager = new FileTransferManager(connection, {
        transports: createTransports({ method: streamMethod, proxy: flags.proxy, blockSize, direct: flags.direct }),
        acceptTimeoutMs: timeout * 1000,
        proposalTimeoutMs: timeout * 1000,
        stallTimeoutMs,
        identity: { type: 'console', name: 'Ferry' },
        links: false, // a sender takes no files
      });
      const controller = new AbortController();
      const onSigint = () => controller.abort(new CliError('cancelled', EXIT.interrupted));
      process.once('SIGINT', onSigint);
      // A server that vanished (half-open TCP: nothing closes) is noticed by a ping going
      // unanswered, not after the receiver's accept timeout or the transfer's stall timeout.
      const unwatch = watchServer(connection, keepaliveMs, (error) => controller.abort(error));
      const bar = new TransferProgressBar('sending');
      try {
        if (!recipient.isFull && flags.method !== 'upload') await seePresence(connection, recipient, controller.signal);
        process.stderr.write(`sending ${file} to ${to}…\n`);
        const method =
          flags.method === 'upload' || flags.method === 'jingle' || flags.method === 'auto' ? flags.method : 'si';
        const transfer = manager.send(to, file, { signal: controller.signal, method });
        transfer.on('route', (route) => bar.note(describeRoute(route)));
        transfer.on('ringing', ({ from }) => bar.note(`${from.toString()} is ringing`));
        transfer.on('accepted', ({ method, offset }) =>
          bar.note(`accepted; sending over ${method}${offset > 0 ? `, resuming at ${formatBytes(offset)}` : ''}`),
        );
        transfer.on('fallback', ({ from, to: next, reason }) =>
          bar.note(`${from} failed (${reason.message}); falling back to ${next}`),
        );
        transfer.on('progress', (progress) => bar.update(progress));
        const result = await transfer.done;
        bar.stop();
        if (result.url) {
          console.log(
            `uploaded ${formatBytes(result.bytes)} (sha-256 ${result.sha256 ?? '?'}) and sent ${to} the link:`,
          );
          console.log(result.url);
          finishWith(0);
          return;
        }
        console.log(
          `sent ${formatBytes(result.bytes + result.offset)} over ${route(result, connection.jid.toString())}${result.hash ? ` (md5 ${result.hash})` : result.sha256 ? ` (sha-256 ${result.sha256})` : ''}`,
        );
        finishWith(0);
      } catch (error) {
        bar.stop();
        // Ctrl-C ('cancelled', 130) or the server gone (its line, 1).
        if (controller.signal.aborted) throw controller.signal.reason as Error;
        throw error;
      } finally {
        unwatch();
        process.off('SIGINT', onSigint);
        manager.close();
        await connection.stop();
      }
    });
}

/** A full JID (one session, as `ferry receive` prints it) or a bare one (the contact, online or not). */
function checkRecipient(to: string): Jid {
  const jid = Jid.tryParse(to);
  if (!jid || jid.local === '')
    throw usageError(`${to} is not an address like bob@example.com or bob@example.com/ferry-receive`);
  return jid;
}

/**
 * Announces us (priority -1: the server then delivers none of our own offline messages to this
 * short session, RFC 6121 §8.5.2.1.1) so that it sends us the contact's presence, and waits until
 * one of the contact's resources shows up or PRESENCE_WAIT_MS pass.
 */
async function seePresence(connection: XmppConnection, contact: Jid, signal: AbortSignal): Promise<void> {
  let stop!: () => void;
  const seen = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, PRESENCE_WAIT_MS);
    const unsubscribe = connection.onPresence((presence) => {
      const from = Jid.tryParse((presence.attrs.from as string | undefined) ?? '');
      if (presence.attrs.type === undefined && from?.isFull && from.bare().equals(contact)) resolve();
    });
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    stop = () => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    };
  });
  await connection.send(xml('presence', null, xml('priority', null, '-1')));
  await seen.finally(stop);
  signal.throwIfAborted();
}

function describeRoute(route: SendRoute): string {
  if (route.kind === 'upload') return `uploading: ${route.reason}; the link goes by message (stored if offline)`;
  if (route.kind === 'jingle' && route.propose) {
    return `proposing to every device of ${route.to.toString()} (${route.reason})`;
  }
  return `offering to ${route.to.toString()} (${route.reason})`;
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
