// `ferry receive`: wait for file offers, accept those allowed, write verified files. It exits 1
// when the server goes away, or with --reconnect logs in again by itself.
import { join, resolve } from 'node:path';
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { Jid } from '@ferry/protocol/jid';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import type { FileOffer } from '@ferry/client/internal/file-offer';
import { sanitizeFileName } from '@ferry/client/internal/file-name';
import { createTransports, type MethodChoice } from '@ferry/client';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { addLoginOptions, checkLoginFlags, login, type LoginFlags } from '../login-options.js';
import { TransferProgressBar, formatBytes } from '../progress-bar.js';
import { EXIT, finishWith, usageError } from '../cli-error.js';
import { explain } from '../error-lines.js';
import { watchServer } from '../server-watch.js';
import { addTransferOptions, checkTransferFlags, type TransferFlags } from '../transfer-options.js';
import { xml } from '@ferry/protocol/xml/element';

interface ReceiveFlags extends LoginFlags, TransferFlags {
  dir: string;
  acceptAll?: boolean;
  from?: string;
  resume?: boolean;
  once?: boolean;
  resource: string;
  overwrite?: boolean;
  reconnect?: boolean;
  method: MethodChoice;
  direct: boolean;
}

/** --reconnect waits 1, 2, 4… seconds between attempts, never more than this. */
const MAX_BACKOFF_MS = 30_000;

export function registerReceiveCommand(program: Command): void {
  addTransferOptions(addLoginOptions(program.command('receive').description('wait for file offers and save them')))
    .option('--dir <dir>', 'where to save files (created if missing)', '.')
    .option('--accept-all', 'accept every offer without asking')
    .option('--from <jid>', 'accept offers from this JID (bare or full) only')
    .option('--resume', 'continue a partial NAME.part file when the sender supports it')
    .option('--overwrite', 'replace existing files')
    .option('--once', 'exit after one transfer; the exit code is its outcome')
    .option('--resource <name>', 'the resource to bind (your full JID is printed)', 'ferry-receive')
    .option('--reconnect', 'when the server goes away, log in again (backoff up to 30 s) instead of exiting')
    .option(
      '--method <method>',
      'which offered stream method to accept: auto (SOCKS5, then IBB), socks5 or ibb',
      'auto',
    )
    .option('--no-direct', "SOCKS5: skip the sender's own streamhosts and connect through a proxy only")
    .action(async (flags: ReceiveFlags) => {
      if (!['auto', 'socks5', 'ibb'].includes(flags.method))
        throw usageError(`--method must be auto, socks5 or ibb, not ${flags.method}`);
      const allowed = flags.from ? Jid.tryParse(flags.from) : undefined;
      if (flags.from && !allowed) throw usageError(`--from ${flags.from} is not a JID`);
      const { keepaliveMs, stallTimeoutMs } = checkTransferFlags(flags);
      checkLoginFlags(flags);
      await prepareDir(flags.dir);

      let finish!: (code: number) => void;
      const finished = new Promise<number>((resolve) => (finish = resolve));
      const stop = () => finish(EXIT.interrupted);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let session: Session | undefined;
      let isDone = false;
      void finished.then(() => (isDone = true));
      // The server went away: exit 1, or log in again with a growing pause.
      const onLost = async (error: Error): Promise<void> => {
        await session?.close();
        session = undefined;
        if (!flags.reconnect) {
          console.error(`ferry: ${explain(error).line}`);
          finish(EXIT.failure);
          return;
        }
        for (let attempt = 1; !isDone; attempt++) {
          const delay = Math.min(1000 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
          console.error(
            `ferry: the server closed the connection; reconnecting in ${delay / 1000} s (attempt ${attempt})`,
          );
          // A referenced timer: while waiting to reconnect it is all that keeps the process alive.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            void finished.then(() => {
              clearTimeout(timer);
              resolve();
            });
          });
          if (isDone) return;
          try {
            session = await start();
            return;
          } catch (failure) {
            console.error(`ferry: ${explain(failure).line}`);
          }
        }
      };
      const start = async () =>
        startSession(await login(flags, flags.resource), flags, allowed, finish, {
          keepaliveMs,
          stallTimeoutMs,
          onLost: (error) => void onLost(error),
        });
      session = await start();
      const code = await finished;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await session?.close();
      finishWith(code);
    });
}

interface Session {
  close(): Promise<void>;
}

async function startSession(
  connection: XmppConnection,
  flags: ReceiveFlags,
  allowed: Jid | undefined,
  finish: (code: number) => void,
  watch: { keepaliveMs: number; stallTimeoutMs: number; onLost(error: Error): void },
): Promise<Session> {
  const manager = new FileTransferManager(connection, {
    // The receiver's choice among the offered stream methods (XEP-0095 §4.2) is these transports.
    transports: createTransports({ method: flags.method, direct: flags.direct }),
    identity: { type: 'console', name: 'Ferry' },
    stallTimeoutMs: watch.stallTimeoutMs,
  });
  // Available presence (with XEP-0115 caps): clients such as Pidgin offer files to resources they see.
  await connection.send(xml('presence'));
  console.log(`receiving as ${connection.jid.toString()}`);
  let isBusy = false;
  manager.on('refused', (refused) =>
    console.log(`declined ${refused.name} from ${refused.from.toString()}: ${refused.reason}`),
  );
  manager.on('offer', (offer) => {
    if (flags.once && isBusy) return offer.decline('busy');
    void decide(offer, flags, allowed).then(async (isAccepted) => {
      if (!isAccepted) {
        offer.decline();
        console.log(`declined ${offer.name} from ${offer.from.toString()}`);
        return;
      }
      isBusy = true;
      const code = await receiveOne(offer, flags);
      if (flags.once) finish(code);
      isBusy = false;
    });
  });
  const unwatch = watchServer(connection, watch.keepaliveMs, watch.onLost);
  return {
    async close() {
      unwatch();
      manager.close();
      await connection.stop();
    },
  };
}

/** --dir exists (created if missing) and can be written, before anything logs in. */
async function prepareDir(dir: string): Promise<void> {
  const where = resolve(dir);
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`--dir ${where}: cannot create it (${error.code ?? error.message}); pick another folder`);
  });
  if (!(await stat(dir)).isDirectory()) throw usageError(`--dir ${where} is not a folder`);
  await access(dir, constants.W_OK).catch(() => {
    throw usageError(`--dir ${where} is not writable; pick another folder`);
  });
}

async function decide(offer: FileOffer, flags: ReceiveFlags, allowed: Jid | undefined): Promise<boolean> {
  const size = offer.size === undefined ? 'size unknown' : formatBytes(offer.size);
  const summary = `${offer.name} (${size}) from ${offer.from.toString()}${isLink(offer) ? ' as a link' : ''}`;
  if (allowed) return allowed.isFull ? allowed.equals(offer.from) : allowed.equals(offer.from.bare());
  if (flags.acceptAll) return true;
  if (!process.stdin.isTTY) {
    console.log(`offer of ${summary}: pass --accept-all or --from to accept offers without a terminal`);
    return false;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`accept ${summary}? [y/N] `);
  prompt.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function receiveOne(offer: FileOffer, flags: ReceiveFlags): Promise<number> {
  const path = join(flags.dir, sanitizeFileName(offer.name));
  const bar = new TransferProgressBar('receiving');
  offer.on('progress', (progress) => bar.update(progress));
  try {
    const result = await offer.accept({ to: path, resume: flags.resume, overwrite: flags.overwrite });
    bar.stop();
    const verified = result.hash
      ? `, md5 ${result.hash} verified`
      : result.sha256 && offer.sha256
        ? `, sha-256 ${result.sha256} verified`
        : '';
    const over = result.url
      ? `by link (${new URL(result.url).host})`
      : `over ${result.method}${viaStreamhost(result, offer.from.toString())}`;
    console.log(`received ${path} (${formatBytes(result.bytes + result.offset)}) ${over}${verified}`);
    return EXIT.ok;
  } catch (error) {
    bar.stop();
    console.error(`ferry: ${offer.name} from ${offer.from.toString()}: ${receiveFailure(error, path, isLink(offer))}`);
    return EXIT.failure;
  }
}

function receiveFailure(error: unknown, path: string, isLink: boolean): string {
  const code = (error as { code?: string }).code;
  // An SI sender is told why; a link's sender waits on nobody.
  const told = isLink ? '' : '; the sender was told';
  if (code === 'FERRY_ERR_FILE_EXISTS') {
    return `${path} already exists; pass --overwrite to replace it (or --resume to continue ${path}.part)${told}`;
  }
  if (code === 'FERRY_ERR_TARGET_NOT_WRITABLE') return `${(error as Error).message}; pick another --dir${told}`;
  return explain(error).line;
}

/** " (direct)" or " via proxy.example.com" for SOCKS5; nothing for other methods. */
function viaStreamhost(result: { streamhost?: string }, sender: string): string {
  if (result.streamhost === undefined) return '';
  return result.streamhost === sender ? ' (direct)' : ` via ${result.streamhost}`;
}

/** Links are downloaded; SI and Jingle offers have a sender waiting for the answer. */
function isLink(offer: FileOffer): boolean {
  return offer.method === 'upload' || offer.method === 'link';
}
