// The Jingle wiring (ADR 0006): XEP-0234 file transfer over XEP-0260 SOCKS5 (direct or through our
// server's proxy) with XEP-0261 IBB as the fallback, both directions. Jingle iqs go through the
// session table and machine (session-machine.ts), whose outputs become stanzas here; the transport
// of the content (candidates, nomination, transport-replace) is content-transport.ts; the bytes
// are jingle-bytes.ts, with the same checks as SI. FileTransferManager owns one of these when it
// has IBB.
//
// Decisions (see docs/architecture.md, Jingle):
// - The SHA-256 of a file path is computed before the offer and sent in it; a stream is hashed
//   while it is sent and its hash follows in a <checksum/> session-info (the offer says
//   <hash-used algo='sha-256'/>), as XEP-0234 §8.2 allows.
// - XEP-0234 §6.6: the session is preferably terminated by the last entity to finish receiving.
//   The receiver verifies size and hash, sends <received/> then session-terminate <success/>; the
//   sender's transfer succeeds on either, and the sender terminates itself only when the receiver
//   sent <received/> but no terminate within RECEIVED_GRACE_MS.
// - The sender offers SOCKS5 when the peer's disco#info lists it and we have the transport, else
//   IBB. One content per session. A file path is offered with an empty <range/> (XEP-0234 §4),
//   so a receiver holding NAME.part asks for the rest in its session-accept, as SI's resume.
import { randomHex, setImmediate, stat } from '../platform/index.js';
import { base64ToHex } from '@ferry/protocol/bytes';
import type { Readable } from 'node:stream';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import {
  decodeJingle,
  encodeJingle,
  type Jingle,
  type JingleContent,
  type JingleReason,
} from '@ferry/protocol/payloads/jingle';
import {
  decodeJingleFtDescription,
  decodeJingleFtInfo,
  encodeJingleChecksum,
  encodeJingleFtDescription,
  fileSender,
  jingleFtReasons,
  type JingleFile,
} from '@ferry/protocol/payloads/jingle-ft';
import { decodeS5bTransport } from '@ferry/protocol/payloads/jingle-s5b';
import { sha256Hash } from '@ferry/protocol/payloads/file-metadata';
import type { XmppConnection } from '../connection.js';
import type { ClientEntity } from '../entity.js';
import { checkTarget } from '../incoming-offer.js';
import type { AcceptOptions } from '../file-offer.js';
import type { SendOptions, TransferResult } from '../outgoing-transfer.js';
import type { Progress } from '../progress.js';
import { TransferError } from '../transfer-error.js';
import type { IbbTransport } from '../transports/ibb/ibb-transport.js';
import type { Socks5Transport } from '../transports/socks5/index.js';
import { ContentTransport, transportKind, type JingleStream } from './content-transport.js';
import { JmiResponder } from './jmi-responder.js';
import { propose, type Proposal } from './jmi-proposer.js';
import { receiveBytes, sendBytes } from './jingle-bytes.js';
import { JingleOffer } from './jingle-offer.js';
import {
  acceptedOffset,
  declineText,
  deferred,
  describeFile,
  endedError,
  hashAfterBytes,
  failureReason,
  isKnownInfo,
  raceAbort,
  received,
  withTimeout,
} from './jingle-util.js';
import type { DescribedFile } from './described-file.js';
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
  /** XEP-0260: offered and accepted when present. */
  socks5?: Socks5Transport | undefined;
  entity: ClientEntity;
  acceptTimeoutMs: number;
  decisionTimeoutMs: number;
  streamTimeoutMs: number;
  stallTimeoutMs: number;
  /** XEP-0353: how long a proposal to a bare JID waits for a device's <proceed/>. */
  proposalTimeoutMs: number;
  /** Whether anyone listens for offers; if not, session-initiates are left to other handlers. */
  wantsOffers(): boolean;
  emit(offer: JingleOffer): void;
}

/** What the sending side reports to its OutgoingTransfer. */
export interface JingleSendEvents {
  accepted(event: { sid: string; method: string; offset: number }): void;
  progress(progress: Progress): void;
  fallback?(event: { from: string; to: string; reason: Error }): void;
}

/** XEP-0353: a proposal a device answered, and the file it described (sent as proposed). */
export interface ProposedFile extends Proposal {
  sid: string;
  file: DescribedFile;
}

/** The application side of one session: what its deliveries and its end mean. */
interface SessionHandler {
  /** The content's transport, once there is one: transport-* actions go to it. */
  transport?: ContentTransport;
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
  readonly #jmi: JmiResponder;

  constructor(connection: XmppConnection, options: JingleManagerOptions) {
    this.#connection = connection;
    this.#options = options;
    this.#table = new JingleSessionTable(connection.jid.toString(), { isKnownInfo });
    this.#withdrawFeatures = options.entity.addFeatures(
      NS.JINGLE,
      NS.JINGLE_FT,
      NS.JINGLE_IBB,
      NS.JINGLE_MESSAGE,
      ...(options.socks5 ? [NS.JINGLE_S5B] : []),
    );
    this.#jmi = new JmiResponder(connection, { wantsOffers: options.wantsOffers });
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

  /** Whether a peer's disco#info lets us offer it SOCKS5 (else IBB). */
  offersS5b(features: readonly string[] | undefined): boolean {
    return this.#options.socks5 !== undefined && features !== undefined && features.includes(NS.JINGLE_S5B);
  }

  close(): void {
    this.#unregister();
    this.#unwatchConnection();
    this.#jmi.close();
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
          void this.#request(session, output.jingle);
          break;
        case 'deliver':
          this.#deliver(session, output.jingle, initiate);
          break;
        case 'ended':
          this.#open.delete(session);
          this.#table.forget(session.peer, session.sid);
          this.#handlers.get(session)?.transport?.close();
          this.#handlers.get(session)?.ended(output);
          break;
        default:
          break;
      }
    }
  }

  #deliver(session: JingleSession, jingle: Jingle, initiate: Jingle | undefined): void {
    if (initiate !== undefined && jingle === initiate) return this.#onInitiate(session, jingle);
    const handler = this.#handlers.get(session);
    if (jingle.action === 'content-add') {
      // One content per session: another is refused (§7.2.1).
      this.#run(session, session.send('content-reject', { contents: jingle.contents }));
      return;
    }
    if (jingle.action.startsWith('transport-')) {
      if (handler?.transport) handler.transport.delivered(jingle);
      else if (jingle.action === 'transport-replace' && session.state !== 'ended') {
        // Before there is a transport (the offer is still undecided): nothing to replace yet.
        this.#run(session, session.send('transport-reject', { contents: jingle.contents }));
      }
      return;
    }
    handler?.deliver(jingle);
  }

  /** An iq set with this <jingle/>; an error answer goes back to the machine. */
  #request(session: JingleSession, jingle: Jingle): Promise<void> {
    const iq = xml('iq', { type: 'set', to: session.peer }, encodeJingle(jingle));
    return this.#connection.request(iq, REQUEST_TIMEOUT_MS).then(
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
  }

  // --- receiving ----------------------------------------------------------------------------

  #onInitiate(session: JingleSession, jingle: Jingle): void {
    const from = Jid.parse(session.peer);
    const content = jingle.contents[0]!;
    // XEP-0353 §3.3: the initiator disavowed this sid before it initiated.
    if (this.#jmi.initiated(session.peer, session.sid) === 'retracted') {
      this.#run(session, session.terminate({ condition: 'cancel', text: 'the proposal was retracted' }));
      return;
    }
    let file: JingleFile;
    try {
      // COMPAT: Gajim offers senders='initiator' with ft:5; :3/:4 offers are read by the codec.
      if (fileSender(content) !== 'initiator') {
        this.#run(session, session.terminate(jingleFtReasons.fileNotAvailable('Ferry does not serve file requests')));
        return;
      }
      file = decodeJingleFtDescription(content.description!).file;
    } catch {
      this.#run(session, session.terminate({ condition: 'unsupported-applications' }));
      return;
    }
    const kind = transportKind(content.transport, this.#options.socks5 !== undefined);
    const isUdp =
      kind === 's5b' &&
      (() => {
        try {
          return decodeS5bTransport(content.transport!).mode === 'udp';
        } catch {
          return true;
        }
      })();
    if (kind === undefined || isUdp) {
      const ours = this.#options.socks5 ? 'SOCKS5 (tcp) or IBB' : 'IBB';
      this.#run(session, session.terminate({ condition: 'unsupported-transports', text: `only ${ours}` }));
      return;
    }
    const checksum = deferred<string | undefined>();
    let peerEnded: ((error: Error) => void) | undefined;
    const handler: SessionHandler = {
      deliver: (delivered) => {
        for (const payload of delivered.payloads) {
          const info = decodeJingleFtInfo(payload);
          const sha = info?.kind === 'checksum' ? info.hashes.find((hash) => hash.algo === 'sha-256') : undefined;
          if (sha) checksum.resolve(base64ToHex(sha.value));
        }
      },
      ended: (output) => {
        clearTimeout(decisionTimer);
        if (output.by !== 'peer') return;
        if (output.reason?.condition === 'success' && peerEnded !== undefined) {
          // COMPAT: some senders end the session themselves once the bytes are out (XEP-0234
          // §6.6 only prefers the receiver): the bytestream still ends by itself, and then
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
    };
    const offer = new JingleOffer(from, session.sid, file, {
      accept: async (accepted, options) => {
        clearTimeout(decisionTimer);
        if (session.state !== 'pending') {
          throw new TransferError('FERRY_ERR_CANCELLED_BY_PEER', `${session.peer} withdrew ${accepted.name}`);
        }
        const stop = new AbortController();
        peerEnded = (error) => stop.abort(error);
        let transport: ContentTransport | undefined;
        let offset = 0;
        try {
          if (typeof options.to === 'string') await checkTarget(options.to, options.overwrite === true);
          offset = await resumeOffset(file, options);
        } catch (error) {
          this.#run(session, session.terminate({ condition: 'decline', text: declineText(accepted.name, error) }));
          throw error;
        }
        try {
          const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
          const answer = await ContentTransport.answer(
            {
              connection: this.#connection,
              ibb: this.#options.ibb,
              socks5: this.#options.socks5,
              session,
              content,
              run: (outputs) => this.#run(session, outputs),
              streamTimeoutMs: this.#options.streamTimeoutMs,
              signal,
            },
            content.transport!,
          );
          transport = answer.transport;
          handler.transport = transport;
          if ((session.state as SessionState) !== 'pending') {
            throw new TransferError('FERRY_ERR_CANCELLED_BY_PEER', `${session.peer} withdrew ${accepted.name}`);
          }
          // §4: resuming, the accept's <file/> carries the <range offset/> we want the bytes from.
          const description =
            offset > 0
              ? encodeJingleFtDescription({ file: { ...file, range: { offset, hashes: [] } } })
              : content.description;
          this.#run(session, session.accept([{ ...content, description, transport: answer.element }]));
          transport.started();
          const opened = await transport.stream;
          if (opened.direction !== 'in') throw new Error('a receiving transport gave an outgoing stream');
          const result = await receiveBytes({
            offer: accepted,
            stream: opened.stream,
            method: opened.method,
            options,
            file,
            checksum: checksum.promise,
            stop: stop.signal,
            stallTimeoutMs: this.#options.stallTimeoutMs,
            checksumTimeoutMs: this.#options.streamTimeoutMs,
            offset,
          });
          // A sender that already ended the session with <success/> gets neither.
          if ((session.state as SessionState) !== 'ended') {
            await this.#request(session, session.send('session-info', { payloads: [received(content)] })[0]!.jingle);
            this.#run(session, session.terminate({ condition: 'success' }));
          }
          return withStreamhost(result, opened);
        } catch (error) {
          transport?.close();
          this.#run(session, session.terminate(failureReason(error)));
          throw stop.signal.aborted ? (stop.signal.reason as Error) : error;
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
    this.#handlers.set(session, handler);
    this.#options.emit(offer);
  }

  // --- sending ------------------------------------------------------------------------------

  /**
   * XEP-0353: proposes `source` to every device of `to` (a bare JID) and resolves with the one that
   * answered <proceed/>; send() then initiates to it with `prepared`. The proposal carries the
   * file's description (and its SHA-256, computed first for a path).
   */
  async propose(
    to: Jid,
    source: string | Readable,
    options: SendOptions,
    onRinging?: (from: Jid) => void,
  ): Promise<ProposedFile> {
    const signal = options.signal ?? new AbortController().signal;
    const file = await describeFile(source, options);
    signal.throwIfAborted();
    const sid = randomHex(12);
    const proposal = await propose(this.#connection, {
      to,
      sid,
      descriptions: [encodeJingleFtDescription({ file: file.jingle })],
      timeoutMs: this.#options.proposalTimeoutMs,
      what: file.name,
      signal,
      ...(onRinging ? { onRinging } : {}),
    });
    return { ...proposal, sid, file };
  }

  /**
   * XEP-0234 §6.1: offers `source` to `peer` (a full JID) and sends it over SOCKS5 (falling back
   * to IBB) when `useS5b`, else over IBB.
   */
  async send(
    peer: Jid,
    source: string | Readable,
    options: SendOptions,
    events: JingleSendEvents,
    useS5b = false,
    hashInOffer = true,
    /** XEP-0353: the proposal's sid and file, already described. */
    prepared?: { sid: string; file: DescribedFile },
  ): Promise<TransferResult> {
    const signal = options.signal ?? new AbortController().signal;
    const file = prepared
      ? hashInOffer
        ? prepared.file
        : hashAfterBytes(prepared.file)
      : await describeFile(source, options, hashInOffer);
    signal.throwIfAborted();
    const sessionEnd = new AbortController();
    const transferSignal = AbortSignal.any([signal, sessionEnd.signal]);
    const offered = await ContentTransport.offer(
      {
        connection: this.#connection,
        ibb: this.#options.ibb,
        socks5: this.#options.socks5,
        streamTimeoutMs: this.#options.streamTimeoutMs,
        signal: transferSignal,
        ...(events.fallback ? { onFallback: events.fallback } : {}),
      },
      peer,
      useS5b,
    );
    const content: JingleContent = {
      creator: 'initiator',
      name: CONTENT_NAME,
      senders: 'initiator',
      description: encodeJingleFtDescription({ file: file.jingle }),
      transport: offered.element,
    };
    const { session, outputs } = Session.initiate(
      prepared?.sid ?? randomHex(12),
      { self: this.#connection.jid.toString(), peer: peer.toString() },
      [content],
      { isKnownInfo },
    );
    const transport = offered.bind(session, content, (outputs) => this.#run(session, outputs));
    this.#table.add(session);
    this.#open.add(session);
    const accepted = deferred<Jingle>();
    const finished = deferred<void>();
    let graceTimer: NodeJS.Timeout | undefined;
    this.#handlers.set(session, {
      transport,
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
      const offset = acceptedOffset(file, session.contents[0]?.description);
      events.accepted({ sid: session.sid, method: transport.kind === 's5b' ? 'socks5' : 'ibb', offset });
      transport.accepted(session.contents[0]?.transport);
      let opened: JingleStream;
      try {
        opened = await raceAbort(transport.stream, transferSignal);
      } catch (error) {
        if (session.state !== 'ended') this.#run(session, session.terminate(failureReason(error)));
        throw error;
      }
      if (opened.direction !== 'out') throw new Error('a sending transport gave an incoming stream');
      const digest = await sendBytes({
        stream: opened.stream,
        method: opened.method,
        peer,
        file,
        source,
        progress: events.progress,
        signal: transferSignal,
        sessionEnd: sessionEnd.signal,
        stallTimeoutMs: this.#options.stallTimeoutMs,
        offset,
      });
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
      return withStreamhost(
        { sid: session.sid, method: opened.method, bytes: file.size - offset, offset, sha256: digest },
        opened,
      );
    } catch (error) {
      transport.close();
      if (session.state !== 'ended') this.#run(session, session.terminate({ condition: 'cancel' }));
      throw sessionEnd.signal.aborted ? (sessionEnd.signal.reason as Error) : error;
    } finally {
      signal.removeEventListener('abort', stopOnAbort);
    }
  }
}

/**
 * XEP-0234 §4: where to ask the file from — the size of NAME.part with `resume` (a path), or
 * `offset` (a Writable holding the start) — when the offer carries a <range/>; else 0.
 */
async function resumeOffset(file: JingleFile, options: AcceptOptions): Promise<number> {
  if (file.range === undefined || file.size === undefined) return 0;
  if (typeof options.to !== 'string') {
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > file.size) {
      throw new RangeError(`offset must be 0..${file.size}`);
    }
    return offset;
  }
  if (!options.resume) return 0;
  const partial = await stat(`${options.to}.part`).catch(() => undefined);
  return partial && partial.size < file.size ? partial.size : 0;
}

function withStreamhost(result: TransferResult, opened: JingleStream): TransferResult {
  return opened.streamhost !== undefined ? { ...result, streamhost: opened.streamhost } : result;
}
