// One transfer each way between Libervia and the `ferry` CLI, as the Libervia interop cases run
// them: a random file, the receiving side listening first, both exit codes, the saved file and
// the stanzas Libervia saw during the case. Every wait is bounded; nothing outlives the case.
import { join } from 'node:path';
import { writeRandomFile } from './files.js';
import { exitWithin, type Run } from './cli-process.js';
import { printed, stopRun } from './libervia-netns.js';
import type { LiberviaKnobs, LiberviaPeer } from './libervia-peer.js';

export interface Transfer {
  send: Run;
  sendCode: number | null;
  receive: Run;
  /** null when the send failed: the receiver was stopped, still waiting for an offer. */
  receiveCode: number | null;
  /** SHA-256 (hex) of the file sent. */
  hash: string;
  /** Where the receiver saves it. */
  target: string;
  /** The stanzas Libervia sent and received since the case began, as raw XML. */
  wire(): string;
}

export interface TransferContext {
  lv: LiberviaPeer;
  /** `ferry ARGS` in the namespace. */
  ferry(args: string[]): Run;
  /** The ferry account's login flags. */
  login: string[];
  /** Its bare JID. */
  ferryJid: string;
  /** Where the files go. */
  dir: string;
}

/**
 * Libervia's `file send` to `ferry receive --once` (resource rx-TAG, offers from Libervia only),
 * addressed to that resource, or with `to: 'bare'` to the account's bare JID (XEP-0353).
 */
export async function fromLibervia(
  context: TransferContext,
  tag: string,
  knobs: LiberviaKnobs,
  size: number,
  receiveFlags: string[] = [],
  to: 'resource' | 'bare' = 'resource',
): Promise<Transfer> {
  const { lv } = context;
  lv.setKnobs(knobs);
  const name = `from-lv-${tag}.bin`;
  const source = join(context.dir, name);
  const hash = writeRandomFile(source, size);
  const dir = join(context.dir, `ferry-rx-${tag}`);
  const resource = `rx-${tag}`;
  const lvBare = lv.jid.split('/')[0]!;
  const options = ['--dir', dir, '--accept-all', '--once', '--from', lvBare, '--resource', resource];
  const receive = context.ferry(['receive', ...context.login, ...options, '--stall-timeout', '20', ...receiveFlags]);
  await printed(receive, /^receiving as /m, 30_000, 'ferry receive to log in');
  const wireFrom = lv.stanzas().length;
  const send = lv.send(source, to === 'bare' ? context.ferryJid : `${context.ferryJid}/${resource}`, 60);
  const sendCode = await exitWithin(send, 65_000, 'libervia-cli file send');
  // A refused offer leaves `ferry receive --once` waiting for the next one.
  const receiveCode = sendCode === 0 ? await exitWithin(receive, 30_000, 'ferry receive --once') : null;
  await stopRun(receive);
  return {
    send,
    sendCode,
    receive,
    receiveCode,
    hash,
    target: join(dir, name),
    wire: () => lv.stanzas().slice(wireFrom),
  };
}

/** `ferry send FLAGS` to Libervia's `file receive` (offers from the ferry account only), stock knobs. */
export async function toLibervia(
  context: TransferContext,
  tag: string,
  sendFlags: string[],
  size: number,
): Promise<Transfer> {
  const { lv } = context;
  lv.setKnobs({});
  const name = `to-lv-${tag}.bin`;
  const source = join(context.dir, name);
  const hash = writeRandomFile(source, size);
  const dir = join(context.dir, `lv-rx-${tag}`);
  const receive = await lv.receive(context.ferryJid, dir, 60);
  const wireFrom = lv.stanzas().length;
  const timeouts = ['--timeout', '30', '--stall-timeout', '20'];
  const send = context.ferry(['send', ...context.login, ...sendFlags, ...timeouts, lv.jid, source]);
  const sendCode = await exitWithin(send, 65_000, 'ferry send');
  // A failed session leaves `file receive` waiting for the next offer.
  const receiveCode = sendCode === 0 ? await exitWithin(receive, 30_000, 'libervia-cli file receive') : null;
  await stopRun(receive);
  return {
    send,
    sendCode,
    receive,
    receiveCode,
    hash,
    target: join(dir, name),
    wire: () => lv.stanzas().slice(wireFrom),
  };
}
