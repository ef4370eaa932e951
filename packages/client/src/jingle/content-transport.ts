// The transport of one Jingle content, whichever it is: XEP-0260 SOCKS5 first when both sides have
// it, XEP-0261 IBB otherwise, and the switch between them (XEP-0166 §7.2.15 transport-replace,
// XEP-0260 §2.6 fallback). It turns the session's transport actions into one bytestream — the
// same OutgoingBytestream/IncomingBytestream the SI path streams through — and leaves the file
// (size, hash, progress) to the caller. Ferry's sessions always have the initiator as the sender
// (responders refuse file requests), so the IBB <open/> is sent by the initiator (XEP-0261 §2).
import { randomHex } from '../platform/index.js';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import type { Jingle, JingleContent, JingleRole } from '@ferry/protocol/payloads/jingle';
import {
  answerIbbTransport,
  decodeIbbTransport,
  encodeIbbTransport,
  type IbbTransport as IbbOffer,
} from '@ferry/protocol/payloads/jingle-ibb';
import { decodeS5bTransport, encodeS5bTransport, type S5bTransport } from '@ferry/protocol/payloads/jingle-s5b';
import type { Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../connection.js';
import { TransferError } from '../transfer-error.js';
import type { IncomingBytestream, OutgoingBytestream } from '../transports/bytestream.js';
import type { IbbTransport } from '../transports/ibb/ibb-transport.js';
import type { Socks5Transport } from '../transports/socks5/index.js';
import { IncomingSocks5Bytestream } from '../transports/socks5/incoming-stream.js';
import { OutgoingSocks5Bytestream } from '../transports/socks5/outgoing-stream.js';
import type { JingleSession, SendableAction, SessionOutput } from './session-machine.js';
import { peerEnding } from './jingle-bytes.js';
import { S5bFailure, S5bNegotiation } from './s5b-negotiation.js';

export type JingleTransportKind = 's5b' | 'ibb';

/**
 * XEP-0260 §2.6 leaves the replace to either party. The responder that saw SOCKS5 fail gives the
 * initiator this long to replace it (Ferry's initiator does at once), then replaces it itself.
 */
const RESPONDER_REPLACE_AFTER_MS = 2_000;

/** What a content transport needs from the manager and the session. */
export interface ContentTransportHost {
  connection: XmppConnection;
  ibb: IbbTransport;
  socks5: Socks5Transport | undefined;
  session: JingleSession;
  /** The content this transport belongs to (creator, name, senders, description). */
  content: JingleContent;
  /** Carries out a machine's outputs (the manager's #run for this session). */
  run(outputs: SessionOutput[]): void;
  /** Bounds the wait for an IBB <open/>, a transport-replace, a transport-accept. */
  streamTimeoutMs: number;
  /** Aborts everything (the session ended, the user cancelled). */
  signal: AbortSignal;
  /** Fallback notes ("socks5 → ibb: …") for the transfer's 'fallback' event. */
  onFallback?(event: { from: string; to: string; reason: Error }): void;
}

/** The bytestream the transport produced, with what the summary line needs. */
export type JingleStream =
  | { direction: 'out'; stream: OutgoingBytestream; method: 'socks5' | 'ibb'; streamhost?: string }
  | { direction: 'in'; stream: IncomingBytestream; method: 'socks5' | 'ibb'; streamhost?: string };

/** Which kind a <transport/> element is (undefined: one we do not have). */
export function transportKind(element: Element | undefined, socks5: boolean): JingleTransportKind | undefined {
  if (!element || element.getName() !== 'transport') return undefined;
  const ns = element.getNS();
  if (ns === NS.JINGLE_IBB) return 'ibb';
  if (ns === NS.JINGLE_S5B && socks5) return 's5b';
  return undefined;
}

export class ContentTransport {
  readonly #host: ContentTransportHost;
  readonly #role: JingleRole;
  readonly #isSender: boolean;
  /** The current transport: what we offered / accepted last. */
  #kind: JingleTransportKind;
  #s5b: S5bNegotiation | undefined;
  /** IBB: the sid and block-size offered (initiator) or accepted (responder). */
  #ibb: IbbOffer | undefined;
  /** Responder: the initiator's candidates, tried once the accept is out. */
  #theirS5b: S5bTransport | undefined;
  #ibbExpectation: { established: Promise<IncomingBytestream>; cancel(): void } | undefined;
  /** A transport-replace we sent: its IBB offer, until transport-accept or -reject. */
  #replacing: IbbOffer | undefined;
  #replaceTimer: NodeJS.Timeout | undefined;
  #settle!: { resolve(stream: JingleStream): void; reject(error: Error): void };
  #isSettled = false;
  readonly stream: Promise<JingleStream>;

  private constructor(host: ContentTransportHost, kind: JingleTransportKind) {
    this.#host = host;
    this.#role = host.session.role;
    this.#isSender = this.#role === 'initiator'; // see the header: our initiator always sends
    this.#kind = kind;
    this.stream = new Promise<JingleStream>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.stream.catch(() => {});
    host.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  get kind(): JingleTransportKind {
    return this.#kind;
  }

  // --- initiator ------------------------------------------------------------------------------

  /** The initiator's offer: SOCKS5 when the peer has it (and we do), else IBB. */
  static async offer(
    host: Omit<ContentTransportHost, 'session' | 'content' | 'run'>,
    peer: Jid,
    useS5b: boolean,
  ): Promise<{
    element: Element;
    bind(session: JingleSession, content: JingleContent, run: ContentTransportHost['run']): ContentTransport;
  }> {
    const self = host.connection.jid.toString();
    if (useS5b && host.socks5) {
      const sid = newSid();
      let bound: ContentTransport | undefined;
      const negotiation = await S5bNegotiation.prepare({
        connection: host.connection,
        settings: host.socks5.settings,
        proxies: host.socks5.proxies,
        role: 'initiator',
        sid,
        initiator: self,
        responder: peer.toString(),
        signal: host.signal,
        // The nomination starts only after session-accept, so `bound` is set by then.
        notify: (notification) => bound && bound.#notify(notification),
      });
      return {
        element: negotiation.transport(),
        bind: (session, content, run) => {
          const transport = new ContentTransport({ ...host, session, content, run }, 's5b');
          transport.#s5b = negotiation;
          transport.#watchS5b(negotiation);
          bound = transport;
          return transport;
        },
      };
    }
    const ibb: IbbOffer = { sid: newSid(), blockSize: host.ibb.blockSize, stanza: 'iq' };
    return {
      element: encodeIbbTransport(ibb),
      bind: (session, content, run) => {
        const transport = new ContentTransport({ ...host, session, content, run }, 'ibb');
        transport.#ibb = ibb;
        return transport;
      },
    };
  }

  /** The initiator got session-accept: start on the responder's transport. */
  accepted(answer: Element | undefined): void {
    if (this.#kind === 's5b') {
      const theirs = tryDecode(() => decodeS5bTransport(answer!));
      if (!theirs || !this.#s5b) return this.#fail(noCommonTransport('the answer is not our SOCKS5 transport'));
      if (theirs.sid !== this.#s5b.sid) return this.#fail(noCommonTransport('the answer names another s5b sid'));
      this.#s5b.start(theirs);
      return;
    }
    const agreed = tryDecode(() => decodeIbbTransport(answer!));
    if (!agreed || agreed.sid !== this.#ibb?.sid) {
      return this.#fail(noCommonTransport('the responder answered with another transport'));
    }
    this.#ibb = { ...this.#ibb, blockSize: Math.min(agreed.blockSize, this.#host.ibb.blockSize) };
    void this.#openIbb();
  }

  // --- responder ------------------------------------------------------------------------------

  /**
   * The responder's answer to the offered transport (for session-accept). SOCKS5: our own
   * candidates, then the initiator's are tried once `started()` is called after the accept went out.
   */
  static async answer(
    host: ContentTransportHost,
    offered: Element,
  ): Promise<{ transport: ContentTransport; element: Element }> {
    const kind = transportKind(offered, host.socks5 !== undefined);
    if (kind === 's5b') {
      const theirs = decodeS5bTransport(offered);
      if (theirs.mode === 'udp') throw new TransferError('FERRY_ERR_NO_COMMON_METHOD', 'SOCKS5 in UDP mode');
      const transport = new ContentTransport(host, 's5b');
      const negotiation = await S5bNegotiation.prepare({
        connection: host.connection,
        settings: host.socks5!.settings,
        proxies: host.socks5!.proxies,
        role: 'responder',
        sid: theirs.sid,
        initiator: host.session.peer,
        responder: host.session.self,
        signal: host.signal,
        notify: (notification) => transport.#notify(notification),
      });
      transport.#s5b = negotiation;
      transport.#theirS5b = theirs;
      transport.#watchS5b(negotiation);
      // §2.2: the responder MUST NOT include 'mode'.
      const element = negotiation.transport();
      delete element.attrs.mode;
      return { transport, element };
    }
    const offer = decodeIbbTransport(offered);
    const transport = new ContentTransport(host, 'ibb');
    const answer = answerIbbTransport(offer, host.ibb.maxBlockSize);
    transport.#ibb = answer;
    transport.#expectIbb(answer);
    return { transport, element: encodeIbbTransport(answer) };
  }

  /** The responder sent session-accept: SOCKS5 starts connecting now. */
  started(): void {
    if (this.#kind === 's5b' && this.#s5b && this.#theirS5b) this.#s5b.start(this.#theirS5b);
  }

  // --- both -----------------------------------------------------------------------------------

  /** A transport action from the peer for this content (already acknowledged). */
  delivered(jingle: Jingle): void {
    const content = jingle.contents[0];
    switch (jingle.action) {
      case 'transport-info': {
        if (this.#kind !== 's5b' || !this.#s5b || !content?.transport) return;
        const info = tryDecode(() => decodeS5bTransport(content.transport!));
        if (!info?.notification || info.sid !== this.#s5b.sid) return;
        try {
          this.#s5b.received(info.notification);
        } catch {
          // COMPAT: Libervia (0.9) names its own direct candidate in candidate-used, then sends
          // <proxy-error/> and a transport-replace to IBB. A cid that is not ours is ignored (it
          // was acknowledged already); what follows decides.
        }
        return;
      }
      case 'transport-replace':
        this.#onReplace(jingle);
        return;
      case 'transport-accept':
        this.#onReplaceAnswer(true, content?.transport);
        return;
      case 'transport-reject':
        this.#onReplaceAnswer(false, content?.transport);
        return;
      default:
        return;
    }
  }

  /** Releases sockets, listeners and handlers not handed over. Idempotent. */
  close(): void {
    this.#fail(new TransferError('FERRY_ERR_CANCELLED', 'the transport is no longer needed'));
  }

  readonly #onAbort = (): void => this.#fail(this.#host.signal.reason as Error);

  #send(action: SendableAction, transport: Element): void {
    if (this.#host.session.state === 'ended') return;
    const { creator, name } = this.#host.content;
    this.#host.run(this.#host.session.send(action, { contents: [{ creator, name, transport }] }));
  }

  #notify(notification: Parameters<S5bNegotiation['received']>[0]): void {
    if (!this.#s5b || this.#host.session.state === 'ended') return;
    this.#send('transport-info', encodeS5bTransport({ sid: this.#s5b.sid, mode: 'tcp', candidates: [], notification }));
  }

  #watchS5b(negotiation: S5bNegotiation): void {
    negotiation.connected.then(
      ({ socket, candidate }) => {
        if (this.#isSettled || this.#s5b !== negotiation) {
          socket.destroy();
          return;
        }
        const streamhost = { jid: candidate.jid, host: candidate.host, port: candidate.port };
        const settings = this.#host.socks5!.settings;
        const sender = this.#role === 'initiator' ? this.#host.session.self : this.#host.session.peer;
        // The summary's convention (as SI): the sender's JID when direct, else the proxy's.
        const via = candidate.type === 'proxy' ? candidate.jid : sender;
        this.#resolve(
          this.#isSender
            ? {
                direction: 'out',
                method: 'socks5',
                streamhost: via,
                stream: new OutgoingSocks5Bytestream(socket, streamhost, {
                  signal: this.#host.signal,
                  lingerMs: settings.negotiationTimeoutMs,
                }),
              }
            : {
                direction: 'in',
                method: 'socks5',
                streamhost: via,
                stream: new IncomingSocks5Bytestream(socket, streamhost, this.#host.signal, settings.idleTimeoutMs),
              },
        );
      },
      (error: Error) => {
        if (this.#isSettled || this.#s5b !== negotiation) return;
        if (!(error instanceof S5bFailure)) return this.#fail(error);
        this.#fallBack(error);
      },
    );
  }

  /**
   * XEP-0260 §2.6: SOCKS5 failed. The initiator replaces it with IBB at once; the responder gives
   * the initiator a short while to, then replaces it itself. Both at once is XEP-0166 §7.2.16's
   * tie: the initiator's replace wins (session-machine.ts answers ours, or drops it, accordingly).
   */
  #fallBack(reason: S5bFailure): void {
    this.#host.onFallback?.({ from: 'socks5', to: 'ibb', reason });
    if (this.#role === 'initiator') return this.#replaceWithIbb();
    const wait = Math.min(RESPONDER_REPLACE_AFTER_MS, this.#host.streamTimeoutMs / 2);
    clearTimeout(this.#replaceTimer);
    this.#replaceTimer = setTimeout(() => {
      if (this.#isSettled || this.#kind === 'ibb' || this.#host.session.state === 'ended') return;
      this.#replaceWithIbb();
    }, wait);
  }

  /** Our transport-replace to IBB; the responder (the receiver) expects the <open/> from now on. */
  #replaceWithIbb(): void {
    if (this.#replacing) return;
    const ibb: IbbOffer = {
      sid: newSid(),
      blockSize: this.#role === 'initiator' ? this.#host.ibb.blockSize : this.#host.ibb.maxBlockSize,
      stanza: 'iq',
    };
    this.#replacing = ibb;
    if (this.#role === 'responder') this.#expectIbb(ibb);
    this.#armReplaceTimer(
      this.#role === 'initiator'
        ? 'the responder did not answer our transport-replace'
        : 'the initiator neither answered our transport-replace nor opened IBB',
    );
    this.#send('transport-replace', encodeIbbTransport(ibb));
  }

  #armReplaceTimer(what: string): void {
    clearTimeout(this.#replaceTimer);
    this.#replaceTimer = setTimeout(
      () =>
        this.#fail(
          new TransferError('FERRY_ERR_NO_STREAMHOST', `${what} within ${this.#host.streamTimeoutMs / 1000} s`),
        ),
      this.#host.streamTimeoutMs,
    );
  }

  /** The peer asks for another transport: IBB we can honour until the bytes flow; others not. */
  #onReplace(jingle: Jingle): void {
    const offered = jingle.contents[0]?.transport;
    const ibb =
      offered && transportKind(offered, false) === 'ibb' ? tryDecode(() => decodeIbbTransport(offered)) : undefined;
    if (!ibb || this.#isSettled) {
      this.#send('transport-reject', offered ?? encodeIbbTransport({ sid: newSid(), blockSize: 4096, stanza: 'iq' }));
      return;
    }
    // COMPAT: Libervia sends <proxy-error/> and then its own transport-replace to IBB, whichever
    // role it has; Ferry as initiator would send one too, and XEP-0166 §7.2.16's tie-break
    // keeps the initiator's. Here the peer's wins: ours, if any, is forgotten.
    this.#dropS5b();
    clearTimeout(this.#replaceTimer);
    this.#replacing = undefined;
    const answer = answerIbbTransport(
      ibb,
      this.#role === 'initiator' ? this.#host.ibb.blockSize : this.#host.ibb.maxBlockSize,
    );
    this.#kind = 'ibb';
    this.#ibb = answer;
    if (this.#role === 'responder') this.#expectIbb(answer); // before the accept: no early <open/> lost
    this.#host.onFallback?.({
      from: 'socks5',
      to: 'ibb',
      reason: new TransferError(
        'FERRY_ERR_NO_STREAMHOST',
        `${this.#host.session.peer} replaced the transport with IBB`,
      ),
    });
    this.#send('transport-accept', encodeIbbTransport(answer));
    if (this.#role === 'initiator') void this.#openIbb();
  }

  #onReplaceAnswer(accepted: boolean, element: Element | undefined): void {
    const offer = this.#replacing;
    if (!offer) return;
    this.#replacing = undefined;
    clearTimeout(this.#replaceTimer);
    if (!accepted) {
      return this.#fail(
        new TransferError('FERRY_ERR_NO_COMMON_METHOD', `${this.#host.session.peer} refused to fall back to IBB`),
      );
    }
    const agreed = element ? tryDecode(() => decodeIbbTransport(element)) : undefined;
    this.#dropS5b();
    this.#kind = 'ibb';
    this.#ibb = { ...offer, blockSize: Math.min(agreed?.blockSize ?? offer.blockSize, offer.blockSize) };
    // The responder receives: its expectation of the <open/> is already up (#replaceWithIbb).
    if (this.#role === 'initiator') void this.#openIbb();
  }

  #dropS5b(): void {
    const negotiation = this.#s5b;
    this.#s5b = undefined;
    negotiation?.close();
  }

  /** Initiator (= sender): the XEP-0047 <open/> with the agreed sid and block-size. */
  async #openIbb(): Promise<void> {
    const ibb = this.#ibb!;
    try {
      const stream = await this.#host.ibb.open({
        connection: this.#host.connection,
        sid: ibb.sid,
        initiator: this.#host.connection.jid,
        target: parseJid(this.#host.session.peer),
        signal: this.#host.signal,
        blockSize: ibb.blockSize,
      });
      if (this.#isSettled) return stream.abort(new TransferError('FERRY_ERR_CANCELLED', 'superseded'));
      this.#resolve({ direction: 'out', method: 'ibb', stream });
    } catch (error) {
      // A receiver that gives up as our <open/> arrives answers it item-not-found, often before
      // its session-terminate reaches us: the terminate's reason (#onAbort) is what happened.
      if (!this.#host.signal.aborted) await peerEnding(this.#host.signal);
      this.#fail(error as Error);
    }
  }

  /** Responder (= receiver): wait for the initiator's <open/>. */
  #expectIbb(ibb: IbbOffer): void {
    this.#ibbExpectation?.cancel();
    const expectation = this.#host.ibb.expect(
      {
        connection: this.#host.connection,
        sid: ibb.sid,
        initiator: parseJid(this.#host.session.peer),
        target: this.#host.connection.jid,
        signal: this.#host.signal,
      },
      this.#host.streamTimeoutMs,
    );
    this.#ibbExpectation = expectation;
    expectation.established.then(
      (stream) => {
        if (this.#ibbExpectation !== expectation) return;
        this.#resolve({ direction: 'in', method: 'ibb', stream });
      },
      (error: Error) => {
        if (this.#ibbExpectation === expectation) this.#fail(error);
      },
    );
  }

  #resolve(stream: JingleStream): void {
    if (this.#isSettled) {
      stream.stream.abort(new TransferError('FERRY_ERR_CANCELLED', 'superseded'));
      return;
    }
    this.#isSettled = true;
    this.#cleanup(false);
    this.#settle.resolve(stream);
  }

  #fail(error: Error): void {
    if (this.#isSettled) return;
    this.#isSettled = true;
    this.#cleanup(true);
    this.#settle.reject(error);
  }

  #cleanup(all: boolean): void {
    clearTimeout(this.#replaceTimer);
    this.#host.signal.removeEventListener('abort', this.#onAbort);
    if (all) {
      this.#dropS5b();
      this.#ibbExpectation?.cancel();
    }
  }
}

function newSid(): string {
  return randomHex(12);
}

function tryDecode<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

function noCommonTransport(why: string): TransferError {
  return new TransferError('FERRY_ERR_NO_COMMON_METHOD', why);
}

function parseJid(jid: string): Jid {
  return Jid.parse(jid);
}
