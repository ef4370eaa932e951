// `ferry receive`: wait for file offers, accept those allowed, write verified files.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { Jid } from '../../protocol/jid.js';
import { FileTransferManager } from '../../client/file-transfer.js';
import type { IncomingOffer } from '../../client/incoming-offer.js';
import { sanitizeFileName } from '../../client/file-name.js';
import { createTransports } from '../../client/index.js';
import { addLoginOptions, login, type LoginFlags } from '../login-options.js';
import { TransferProgressBar, formatBytes } from '../progress-bar.js';
import { CliError, finishWith } from '../cli-error.js';
import { xml } from '../../protocol/xml/element.js';

interface ReceiveFlags extends LoginFlags {
  dir: string;
  acceptAll?: boolean;
  from?: string;
  resume?: boolean;
  once?: boolean;
  resource: string;
  overwrite?: boolean;
}

export function registerReceiveCommand(program: Command): void {
  addLoginOptions(program.command('receive').description('wait for file offers and save them'))
    .option('--dir <dir>', 'where to save files', '.')
    .option('--accept-all', 'accept every offer without asking')
    .option('--from <jid>', 'accept offers from this JID (bare or full) only')
    .option('--resume', 'continue a partial NAME.part file when the sender supports it')
    .option('--overwrite', 'replace existing files')
    .option('--once', 'exit after one transfer; the exit code is its outcome')
    .option('--resource <name>', 'the resource to bind (your full JID is printed)', 'ferry-receive')
    .action(async (flags: ReceiveFlags) => {
      const allowed = flags.from ? Jid.tryParse(flags.from) : undefined;
      if (flags.from && !allowed) throw new CliError(`--from ${flags.from} is not a JID`);
      await mkdir(flags.dir, { recursive: true });
      const connection = await login(flags, flags.resource);
      const manager = new FileTransferManager(connection, {
        transports: createTransports({}),
        identity: { type: 'console', name: 'Ferry' },
      });
      // Available presence (with XEP-0115 caps): clients such as Pidgin offer files to resources they see.
      await connection.send(xml('presence'));
      console.log(`receiving as ${connection.jid.toString()}`);
      let finish!: (code: number) => void;
      const finished = new Promise<number>((resolve) => (finish = resolve));
      const stop = () => finish(130);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let isBusy = false;
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
      const code = await finished;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      manager.close();
      await connection.stop();
      finishWith(code);
    });
}

async function decide(offer: IncomingOffer, flags: ReceiveFlags, allowed: Jid | undefined): Promise<boolean> {
  const summary = `${offer.name} (${formatBytes(offer.size)}) from ${offer.from.toString()}`;
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

async function receiveOne(offer: IncomingOffer, flags: ReceiveFlags): Promise<number> {
  const path = join(flags.dir, sanitizeFileName(offer.name));
  const bar = new TransferProgressBar('receiving');
  offer.on('progress', (progress) => bar.update(progress));
  try {
    const result = await offer.accept({ to: path, resume: flags.resume, overwrite: flags.overwrite });
    bar.stop();
    console.log(
      `received ${path} (${formatBytes(offer.size)}) over ${result.method}${result.hash ? `, md5 ${result.hash} verified` : ''}`,
    );
    return 0;
  } catch (error) {
    bar.stop();
    console.error(`ferry: ${offer.name} from ${offer.from.toString()}: ${(error as Error).message}`);
    return 1;
  }
}
