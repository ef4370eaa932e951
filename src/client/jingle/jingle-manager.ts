// The Jingle wiring (ADR 0006), first slice: XEP-0234 file transfer over the XEP-0261 IBB transport,
// both directions. Jingle iqs go through the session table and machine (session-machine.ts), whose
// outputs become stanzas here; the bytes go over the same IBB sender/receiver SI uses, opened
// with the transport's sid and block-size. FileTransferManager owns one of these when it has IBB.
//
// Decisions (see docs/architecture.md, Jingle):
// - The SHA-256 of a file path is computed before the offer and sent in it; a stream is hashed
//   while it is sent and its hash follows in a <checksum/> session-info (the offer says
//   <hash-used algo='sha-256'/>), as XEP-0234 §8.2 allows.
// - XEP-0234 §6.6: the session is preferably terminated by the last entity to finish receiving.
//   The receiver verifies size and hash, sends <received/> then session-terminate <success/>; the
//   sender's transfer succeeds on either, and the sender terminates itself only when the receiver
//   sent <received/> but no terminate within RECEIVED_GRACE_MS.
// - One content per session; SOCKS5 (XEP-0260) offers and ranges (resume) are not handled yet: an
//   offer with another transport is terminated <unsupported-transports/>.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { Jid } from '../../protocol/jid.js';
import { NS } from '../../protocol/namespaces.js';
import { StanzaError } from '../../protocol/errors/stanza-error.js';
import { xml, type Element } from '../../protocol/xml/element.js';
import {
  decodeJingle,
  encodeJingle,
  type Jingle,
  type JingleContent,
  type JingleReason,
} from '../../protocol/payloads/jingle.js';
import {
  decodeJingleFtDescription,
  decodeJingleFtInfo,
  encodeJingleChecksum,
  encodeJingleFtDescription,
  encodeJingleReceived,
  fileSender,
  jingleFtReasons,
  type JingleFile,
} from '../../protocol/payloads/jingle-ft.js';
import { answerIbbTransport, decodeIbbTransport, encodeIbbTransport } from '../../protocol/payloads/jingle-ibb.js';
import { sha256Hash } from '../../protocol/payloads/file-metadata.js';
import type { XmppConnection } from '../connection.js';
import type { ClientEntity } from '../entity.js';
import type { AcceptOptions } from '../file-offer.js';
import { checkTarget } from '../incoming-offer.js';
import type { SendOptions, TransferResult } from '../outgoing-transfer.js';
import { ProgressMeter, type Progress } from '../progress.js';
import { StallWatch, stalledError } from '../stall-watch.js';
import { TransferError } from '../transfer-error.js';
import type { IbbTransport } from '../transports/ibb/ibb-transport.js';
import type { IncomingBytestream, OutgoingBytestream } from '../transports/bytestream.js';
import { JingleOffer } from './jingle-offer.js';
import type { JingleSession, SessionOutput, SessionState } from './session-machine.js';
import { JingleSession as Session } from './session-machine.js';
import { JingleSessionTable } from './session-table.js';

/** After <received/>, how long the sender waits for the receiver's session-terminate. */
const RECEIVED_GRACE_MS = 5_000;
/** How long our own Jingle requests (session-info, terminate…) may go unanswered. */
const REQUEST_TIMEOUT_MS = 30_000;
const CONTENT_NAME = 'file';

export interface JingleManagerOptions {
  ibb: IbbTransport;
  entity: ClientEntity;
  acceptTimeoutMs: number;
  decisionTimeoutMs: number;
  streamTimeoutMs: number;
  stallTimeoutMs: number;
  /** Whether anyone listens for offers; if not, session-initiates are left to other handlers. */
  wantsOffers(): boolean;
  emit(offer: JingleOffer): void;
}

/** What the sending side reports to its OutgoingTransfer. */
export interface JingleSendEvents {
  accepted(event: { sid: string; method: string; offset: number }): void;
  progress(progress: Progress): void;
}

/** The application side of one session: what its deliveries and its end mean. */
interface SessionHandler {
  deliver(jingle: Jingle): void;
  ended(output: Extract<SessionOutput, { kind: 'ended' }>): void;
  /**
   * We are ending it from outside the transfer (close, lost connection): fail with `error`. A
   * reason returned replaces the caller's (a transfer already confirmed ends with success).
   */
  abort(error: Error): JingleReason | undefined;
}

export class JingleManager {
  readonly #connection: XmppConnection;
  readonly #options: JingleManagerOptions;
  readonly #table: JingleSessionTable;
  readonly #handlers = new WeakMap<JingleSession, SessionHandler>();
  readonly #open = new Set<JingleSession>();
  readonly #unregister: () => void;
  readonly #withdrawFeatures: () => void;
  readonly #unwatchConnection: () => void;

  constructor(connection: XmppConnection, options: JingleManagerOptions) {
    this.#connection = connection;
    this.#options = options;
    this.#table = new JingleSessionTable(connection.jid.toString(), { isKnownInfo });
    this.#withdrawFeatures = options.entity.addFeatures(NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_IBB);
    this.#unregister = connection.onIq('set', NS.JINGLE, 'jingle', (stanza, payload) =>
      this.#onIq(stanza.attrs.from, payload),
    );
    const unwatchDisconnect = connection.onDisconnect((error) =>
      this.#endAll({ condition: 'connectivity-error' }, error),
    );
    // The peer's resource going unavailable ends its sessions at once, not after a timeout.
    const unwatchPresence = connection.onPresence((presence) => {
      const from = presence.attrs.from as unknown;
      if (presence.attrs.type !== 'unavailable' || typeof from !== 'string') return;
      const error = new TransferError('FERRY_ERR_PEER_OFFLINE', `${from} went offline`);
      this.#endAll({ condition: 'gone' }, error, from);
    });
    this.#unwatchConnection = () => {
      unwatchDisconnect();
      unwatchPresence();
    };
  }

  close(): void {
    this.#unregister();
    this.#unwatchConnection();
    this.#withdrawFeatures();
    const closed = new TransferError('FERRY_ERR_CANCELLED', 'the file transfer manager was closed');
    this.#endAll({ condition: 'cancel', text: closed.message }, closed);
  }

  /** Ends every open session (with `peer` only, when given), failing its transfer with `error`. */
  #endAll(reason: JingleReason, error: Error, peer?: string): void {
    for (const session of [...this.#open]) {
      if (peer !== undefined && session.peer !== peer) continue;
      const instead = this.#handlers.get(session)?.abort(error);
      this.#run(session, session.terminate(instead ?? reason));
    }
  }

  // --- incoming iqs -------------------------------------------------------------------------

  #onIq(from: unknown, payload: Element): null | undefined {
    if (typeof from !== 'string') return undefined;
    const jingle = decodeJingle(payload); // bad-request when malformed
    if (jingle.action === 'session-initiate' && !this.#options.wantsOffers()) return undefined;
    const routed = this.#table.receive(from, jingle);
    if (routed.session && routed.isNew) this.#open.add(routed.session);
    const error = routed.outputs.find((output) => output.kind === 'reply-error');
    if (error) throw error.error;
    // The ack is the handler's return; what the application does follows it.
    const session = routed.session;
    if (session) setImmediate(() => this.#run(session, routed.outputs, routed.isNew ? jingle : undefined));
    return null;
  }

  /** Carries out a machine's outputs (the ack and error replies are the iq handler's). */
  #run(session: JingleSession, outputs: SessionOutput[], initiate?: Jingle): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'send':
          this.#request(session, output.jingle);
          break;
        case 'deliver':
          // Neither side of this slice offers another transport or content: refuse them (§7.2).
          if (output.jingle.action === 'transport-replace' || output.jingle.action === 'content-add') {
            const answer = output.jingle.action === 'transport-replace' ? 'transport-reject' : 'content-reject';
            this.#run(session, session.send(answer, { contents: output.jingle.contents }));
          } else if (initiate !== undefined && output.jingle === initiate) this.#onInitiate(session, output.jingle);
          else this.#handlers.get(session)?.deliver(output.jingle);
          break;
        case 'ended':
          this.#open.delete(session);
          this.#table.forget(session.peer, session.sid);
          this.#handlers.get(session)?.ended(output);
          break;
        default:
          break;
      }
    }
  }

  /** An iq set with this <jingle/>; an error answer goes back to the machine. */
  #request(session: JingleSession, jingle: Jingle): Promise<void> {
    const iq = xml('iq', { type: 'set', to: session.peer }, encodeJingle(jingle));
    const done = this.#connection.request(iq, REQUEST_TIMEOUT_MS).then(
      () => undefined,
      (error: unknown) => {
        // Lost or logged out: there is nobody to tell any more.
        const code = (error as { code?: string }).code;
        if (code === 'FERRY_ERR_DISCONNECTED' || code === 'FERRY_ERR_CANCELLED') return;
        const stanzaError =
          error instanceof StanzaError ? error : new StanzaError('remote-server-timeout', { text: String(error) });
        this.#run(session, session.requestFailed(jingle.action, stanzaError));
      },
    );
    return done;
  }

  // --- receiving ----------------------------------------------------------------------------

  #onInitiate(session: JingleSession, jingle: Jingle): void {
    const from = Jid.parse(session.peer);
    const content = jingle.contents[0]!;
    let file: JingleFile;
    let transport;
    try {
      if (fileSender(content) !== 'initiator') {
        this.#run(session, session.terminate(jingleFtReasons.fileNotAvailable('Ferry does not serve file requests')));
        return;
      }
      file = decodeJingleFtDescription(content.description!).file;
    } catch {
      this.#run(session, session.terminate({ condition: 'unsupported-applications' }));
      return;
    }
    try {
      transport = decodeIbbTransport(content.transport!);
    } catch {
      this.#run(session, session.terminate({ condition: 'unsupported-transports', text: 'only IBB so far' }));
      return;
    }
    const checksum = deferred<string | undefined>();
    let peerEnded: ((error: Error) => void) | undefined;
    const offer = new JingleOffer(from, session.sid, file, {
      accept: async (accepted, options) => {
        clearTimeout(decisionTimer);
        if (session.state !== 'pending') {
          throw new TransferError('FERRY_ERR_CANCELLED_BY_PEER', `${session.peer} withdrew ${accepted.name}`);
        }
        const stop = new AbortController();
        peerEnded = (error) => stop.abort(error);
        try {
          if (typeof options.to === 'string') await checkTarget(options.to, options.overwrite === true);
        } catch (error) {
          this.#run(session, session.terminate({ condition: 'decline', text: declineText(accepted.name, error) }));
          throw error;
        }
        const answer = answerIbbTransport(transport, this.#options.ibb.maxBlockSize);
        const expectation = this.#options.ibb.expect(
          {
            connection: this.#connection,
            sid: answer.sid,
            initiator: from,
            target: this.#connection.jid,
            signal: stop.signal,
          },
          this.#options.streamTimeoutMs,
        );
        this.#run(
          session,
          session.accept([{ ...content, transport: encodeIbbTransport(answer), description: content.description }]),
        );
        try {
          const stream = await expectation.established;
          const result = await this.#receive(accepted, stream, options, file, checksum.promise, stop.signal);
          // A sender that already ended the session with <success/> gets neither.
          // (The state changed since the check above: TypeScript's narrowing does not know it.)
          if ((session.state as SessionState) !== 'ended') {
            await this.#request(session, session.send('session-info', { payloads: [received(content)] })[0]!.jingle);
            this.#run(session, session.terminate({ condition: 'success' }));
          }
          return result;
        } catch (error) {
          expectation.cancel();
          const code = (error as { code?: string }).code;
          const reason: JingleReason =
            code === 'FERRY_ERR_HASH_MISMATCH'
              ? jingleFtReasons.hashMismatch((error as Error).message)
              : code === 'FERRY_ERR_SIZE_MISMATCH'
                ? { condition: 'media-error', text: (error as Error).message }
                : code === 'FERRY_ERR_TIMEOUT'
                  ? { condition: 'connectivity-error', text: (error as Error).message }
                  : { condition: 'cancel', text: (error as Error).message };
          this.#run(session, session.terminate(reason));
          throw error;
        }
      },
      decline: (_offer, reason) => {
        clearTimeout(decisionTimer);
        this.#run(session, session.terminate({ condition: 'decline', ...(reason ? { text: reason } : {}) }));
      },
    });
    const decisionTimer = setTimeout(() => {
      offer.fail(new TransferError('FERRY_ERR_TIMEOUT', `no decision on ${offer.name} in time`));
      this.#run(session, session.timedOut());
    }, this.#options.decisionTimeoutMs);
    this.#handlers.set(session, {
      deliver: (delivered) => {
        for (const payload of delivered.payloads) {
          const info = decodeJingleFtInfo(payload);
          const sha = info?.kind === 'checksum' ? info.hashes.find((hash) => hash.algo === 'sha-256') : undefined;
          if (sha) checksum.resolve(Buffer.from(sha.value, 'base64').toString('hex'));
        }
      },
      ended: (output) => {
        clearTimeout(decisionTimer);
        if (output.by !== 'peer') return;
        if (output.reason?.condition === 'success' && peerEnded !== undefined) {
          // COMPAT: some senders end the session themselves once the bytes are out (XEP-0234
          // §6.6 only prefers the receiver): the IBB stream still ends by its <close/>, and then
          // size and hash are checked as usual; a checksum can no longer come.
          checksum.resolve(undefined);
          return;
        }
        const error = new TransferError(
          'FERRY_ERR_CANCELLED_BY_PEER',
          `${session.peer} ended the transfer of ${offer.name} (${output.reason?.condition ?? output.error?.condition ?? 'no reason'})`,
        );
        offer.fail(error);
        peerEnded?.(error);
        checksum.reject(error);
      },
      abort: (error) => {
        clearTimeout(decisionTimer);
        offer.fail(error);
        peerEnded?.(error);
        checksum.reject(error);
        return undefined;
      },
    });
    this.#options.emit(offer);
  }

  async #receive(
    offer: JingleOffer,
    stream: IncomingBytestream,
    options: AcceptOptions,
    file: JingleFile,
    checksum: Promise<string | undefined>,
    stop: AbortSignal,
  ): Promise<TransferResult> {
    const part = typeof options.to === 'string' ? `${options.to}.part` : undefined;
    const timeoutMs = options.stallTimeoutMs ?? this.#options.stallTimeoutMs;
    const stall = new StallWatch(timeoutMs, () => stalledError(timeoutMs, 'from', offer.from.toString()));
    const meter = new ProgressMeter({
      offset: 0,
      total: offer.size,
      method: 'ibb',
      hash: createHash('sha256'),
      report: (progress) => offer.emit('progress', progress),
      onChunk: () => stall.touch(),
    });
    const output = part ? createWriteStream(part) : (options.to as Writable);
    const signals = [stall.signal, stop, ...(options.signal ? [options.signal] : [])];
    try {
      await pipeline(stream.readable, meter, output, { signal: AbortSignal.any(signals) });
    } catch (error) {
      const aborted = signals.find((signal) => signal.aborted);
      const reason = aborted ? (aborted.reason as Error) : error;
      stream.abort(reason as Error);
      throw reason;
    } finally {
      stall.stop();
    }
    if (offer.size !== undefined && meter.bytes !== offer.size) {
      throw new TransferError(
        'FERRY_ERR_SIZE_MISMATCH',
        `received ${meter.bytes} of ${offer.size} bytes of ${offer.name}`,
      );
    }
    const digest = meter.digest()!;
    const expected =
      offer.sha256 ??
      (file.hashesUsed.includes('sha-256')
        ? await withTimeout(checksum, this.#options.streamTimeoutMs, 'no <checksum/> after the bytes')
        : undefined);
    if (expected !== undefined && expected !== digest) {
      throw new TransferError(
        'FERRY_ERR_HASH_MISMATCH',
        `${offer.name}: SHA-256 ${digest} does not match the offered ${expected}`,
      );
    }
    if (part) await rename(part, options.to as string);
    return { sid: offer.sid, method: 'ibb', bytes: meter.bytes, offset: 0, sha256: digest };
  }

  // --- sending ------------------------------------------------------------------------------

  /** XEP-0234 §6.1: offers `source` to `peer` (a full JID) and sends it over IBB. */
  async send(peer: Jid, source: string | Readable, options: SendOptions, events: JingleSendEvents) {
    const signal = options.signal ?? new AbortController().signal;
    const file = await describeFile(source, options);
    signal.throwIfAborted();
    const ibbSid = randomBytes(12).toString('hex');
    const offered: JingleContent = {
      creator: 'initiator',
      name: CONTENT_NAME,
      senders: 'initiator',
      description: encodeJingleFtDescription({ file: file.jingle }),
      transport: encodeIbbTransport({ sid: ibbSid, blockSize: this.#options.ibb.blockSize, stanza: 'iq' }),
    };
    const { session, outputs } = Session.initiate(
      randomBytes(12).toString('hex'),
      { self: this.#connection.jid.toString(), peer: peer.toString() },
      [offered],
      { isKnownInfo },
    );
    this.#table.add(session);
    this.#open.add(session);
    const accepted = deferred<Jingle>();
    const finished = deferred<void>();
    const sessionEnd = new AbortController();
    let graceTimer: NodeJS.Timeout | undefined;
    this.#handlers.set(session, {
      deliver: (jingle) => {
        if (jingle.action === 'session-accept') accepted.resolve(jingle);
        const gotReceived = jingle.payloads.some((payload) => decodeJingleFtInfo(payload)?.kind === 'received');
        if (jingle.action === 'session-info' && gotReceived) {
          finished.resolve();
          graceTimer = setTimeout(
            () => this.#run(session, session.terminate({ condition: 'success' })),
            RECEIVED_GRACE_MS,
          );
        }
      },
      ended: (output) => {
        clearTimeout(graceTimer);
        if (output.by === 'us') return;
        if (output.reason?.condition === 'success') {
          finished.resolve(); // §6.6: the receiver ends the session once it has the file
          return;
        }
        const error = endedError(peer, file.name, output);
        accepted.reject(error);
        finished.reject(error);
        sessionEnd.abort(error);
      },
      abort: (error) => {
        clearTimeout(graceTimer);
        // The receiver confirmed the file (<received/>) but has not ended the session yet.
        if (!finished.isPending) return { condition: 'success' };
        accepted.reject(error);
        finished.reject(error);
        sessionEnd.abort(error);
        return undefined;
      },
    });
    const stopOnAbort = () => this.#run(session, session.terminate({ condition: 'cancel' }));
    signal.addEventListener('abort', stopOnAbort, { once: true });
    try {
      this.#run(session, outputs);
      await withTimeout(
        raceAbort(accepted.promise, signal),
        this.#options.acceptTimeoutMs,
        `${peer.toString()} did not answer the file offer within ${this.#options.acceptTimeoutMs / 1000} s`,
      ).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'FERRY_ERR_TIMEOUT') this.#run(session, session.timedOut());
        throw error;
      });
      const answer = session.contents[0]?.transport;
      const agreed = answer ? tryIbbTransport(answer) : undefined;
      if (!agreed || agreed.sid !== ibbSid) {
        this.#run(session, session.terminate({ condition: 'incompatible-parameters' }));
        throw new TransferError('FERRY_ERR_NO_COMMON_METHOD', `${peer.toString()} answered with another transport`);
      }
      events.accepted({ sid: session.sid, method: 'ibb', offset: 0 });
      const transferSignal = AbortSignal.any([signal, sessionEnd.signal]);
      const stream = await this.#options.ibb.open({
        connection: this.#connection,
        sid: ibbSid,
        initiator: this.#connection.jid,
        target: peer,
        signal: transferSignal,
        blockSize: Math.min(agreed.blockSize, this.#options.ibb.blockSize),
      });
      const digest = await this.#stream(stream, peer, file, source, events, transferSignal, sessionEnd.signal);
      if (file.sendsChecksum) {
        const checksum = encodeJingleChecksum({
          creator: 'initiator',
          name: CONTENT_NAME,
          hashes: [sha256Hash(digest)],
          hashesUsed: [],
        });
        if (session.state !== 'ended') this.#run(session, session.send('session-info', { payloads: [checksum] }));
      }
      await withTimeout(
        raceAbort(finished.promise, signal),
        this.#options.streamTimeoutMs,
        `${peer.toString()} did not confirm ${file.name}`,
      );
      return { sid: session.sid, method: 'ibb', bytes: file.size, offset: 0, sha256: digest };
    } catch (error) {
      if (session.state !== 'ended') this.#run(session, session.terminate({ condition: 'cancel' }));
      throw sessionEnd.signal.aborted ? (sessionEnd.signal.reason as Error) : error;
    } finally {
      signal.removeEventListener('abort', stopOnAbort);
    }
  }

  async #stream(
    stream: OutgoingBytestream,
    peer: Jid,
    file: DescribedFile,
    source: string | Readable,
    events: JingleSendEvents,
    signal: AbortSignal,
    sessionEnd: AbortSignal,
  ): Promise<string> {
    const input = typeof source === 'string' ? createReadStream(source) : source;
    const timeoutMs = this.#options.stallTimeoutMs;
    const stall = new StallWatch(timeoutMs, () => stalledError(timeoutMs, 'to', peer.toString()));
    const meter = new ProgressMeter({
      offset: 0,
      total: file.size,
      method: 'ibb',
      hash: createHash('sha256'),
      report: events.progress,
      onChunk: () => stall.touch(),
    });
    try {
      await pipeline(input, meter, stream.writable, { signal: AbortSignal.any([signal, stall.signal]) });
    } catch (error) {
      // The peer's terminate, our caller's abort (its reason, not the pipeline's AbortError), a
      // stall, or the receiver's IBB <close/>.
      const reason = sessionEnd.aborted
        ? (sessionEnd.reason as Error)
        : signal.aborted
          ? (signal.reason as Error)
          : stall.signal.aborted
            ? (stall.signal.reason as Error)
            : (error as { code?: string }).code === 'FERRY_ERR_CANCELLED'
              ? new TransferError('FERRY_ERR_CANCELLED_BY_PEER', 'the transfer was cancelled by the receiver', {
                  cause: error,
                })
              : (error as Error);
      stream.abort(reason);
      throw reason;
    } finally {
      stall.stop();
    }
    if (meter.bytes !== file.size) {
      throw new TransferError(
        'FERRY_ERR_SIZE_MISMATCH',
        `the source gave ${meter.bytes} bytes, the offer said ${file.size}`,
      );
    }
    return meter.digest()!;
  }
}

function tryIbbTransport(element: Element): ReturnType<typeof decodeIbbTransport> | undefined {
  try {
    return decodeIbbTransport(element);
  } catch {
    return undefined;
  }
}

/** §6.8: the session-info payloads we understand (XEP-0234 §8 checksum and received). */
function isKnownInfo(payload: Element): boolean {
  try {
    return decodeJingleFtInfo(payload) !== undefined;
  } catch {
    return false;
  }
}

function received(content: JingleContent): Element {
  return encodeJingleReceived({ creator: content.creator, name: content.name });
}

function declineText(name: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  return code === 'FERRY_ERR_FILE_EXISTS'
    ? `the receiver already has ${name}`
    : code === 'FERRY_ERR_TARGET_NOT_WRITABLE'
      ? `the receiver cannot save ${name} (its folder is not writable)`
      : `the receiver could not accept ${name}`;
}

/** The sender's error for a session the peer ended: the same codes the SI path uses. */
function endedError(peer: Jid, name: string, output: Extract<SessionOutput, { kind: 'ended' }>): TransferError {
  const who = peer.toString();
  if (output.error) {
    const condition = output.error.condition;
    if (condition === 'item-not-found' || condition === 'recipient-unavailable') {
      return new TransferError('FERRY_ERR_PEER_OFFLINE', `${who} is not online (${condition})`, {
        cause: output.error,
      });
    }
    return new TransferError('FERRY_ERR_PEER_UNSUPPORTED', `${who} refused the Jingle offer (${condition})`, {
      cause: output.error,
    });
  }
  const text = output.reason?.text ? `: ${output.reason.text}` : '';
  switch (output.reason?.condition) {
    case 'decline':
    case 'busy':
      return new TransferError('FERRY_ERR_DECLINED', `${who} declined ${name}${text}`);
    case 'media-error':
      return new TransferError('FERRY_ERR_HASH_MISMATCH', `${who} received ${name} damaged${text}`);
    case 'timeout':
      return new TransferError('FERRY_ERR_TIMEOUT', `${who} gave up waiting${text}`);
    case 'unsupported-applications':
    case 'unsupported-transports':
    case 'incompatible-parameters':
      return new TransferError('FERRY_ERR_NO_COMMON_METHOD', `${who} cannot take ${name} this way${text}`);
    default:
      return new TransferError(
        'FERRY_ERR_CANCELLED_BY_PEER',
        `the transfer was cancelled by the receiver (${output.reason?.condition ?? 'no reason'}${text})`,
      );
  }
}

interface DescribedFile {
  name: string;
  size: number;
  jingle: JingleFile;
  /** The hash goes in a <checksum/> after the bytes (a stream: unknown before). */
  sendsChecksum: boolean;
}

async function describeFile(source: string | Readable, options: SendOptions): Promise<DescribedFile> {
  const date = options.date instanceof Date ? options.date.toISOString() : options.date;
  let name: string;
  let size: number;
  let modified: string | undefined = date;
  const hashes = [];
  if (typeof source === 'string') {
    const info = await stat(source);
    if (!info.isFile()) throw new TypeError(`${source} is not a regular file`);
    name = options.name ?? basename(source);
    size = info.size;
    modified ??= info.mtime.toISOString();
    const digest = createHash('sha256');
    for await (const chunk of createReadStream(source)) digest.update(chunk as Buffer);
    hashes.push(sha256Hash(digest.digest('hex')));
  } else {
    if (options.size === undefined) throw new TypeError('sending a stream needs its size');
    name = options.name ?? 'file';
    size = options.size;
  }
  const jingle: JingleFile = {
    name,
    size,
    hashes,
    hashesUsed: hashes.length === 0 ? ['sha-256'] : [],
    ...(options.mimeType !== undefined ? { mediaType: options.mimeType } : {}),
    ...(modified !== undefined ? { date: modified } : {}),
    ...(options.description !== undefined ? { desc: options.description } : {}),
  };
  return { name, size, jingle, sendsChecksum: hashes.length === 0 };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
  readonly isPending: boolean;
}

function deferred<T>(): Deferred<T> {
  let isPending = true;
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return {
    promise,
    resolve: (value) => {
      isPending = false;
      resolve(value);
    },
    reject: (error) => {
      isPending = false;
      reject(error);
    },
    get isPending() {
      return isPending;
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransferError('FERRY_ERR_TIMEOUT', message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
