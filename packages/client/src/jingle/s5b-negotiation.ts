// XEP-0260 on real sockets for one Jingle transport: our candidates (a direct listener of ours,
// the proxies from disco), the peer's tried in priority order, and the S5bNomination's outputs
// (s5b-candidates.ts) carried out — candidate-used/-error and activated/proxy-error sent through
// `notify`, our proxy connected and activated when it is nominated. The outcome is one connected
// socket and which candidate it is, or an S5bFailure (the caller falls back to IBB, §2.6).
// It reuses the SI transport's pieces along their seam (ADR 0006): the same listener, connect and
// activation calls, with the Jingle DST.ADDR (sid + offerer + other) as a parameter.
import type { Socket } from 'node:net';
import { randomHex } from '../platform/index.js';
import {
  encodeS5bTransport,
  type S5bCandidate,
  type S5bNotification,
  type S5bTransport,
} from '@ferry/protocol/payloads/jingle-s5b';
import type { JingleRole } from '@ferry/protocol/payloads/jingle';
import type { Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../connection.js';
import { triesPeerDirectCandidates } from '../peer-support.js';
import { TransferError } from '../transfer-error.js';
import type { DirectListener } from '../transports/socks5/direct-listener.js';
import type { ProxyDirectory } from '../transports/socks5/proxy-directory.js';
import { activateProxy, connectFirst, connectStreamhost, listenDirect } from '../transports/socks5/seam.js';
import type { Socks5Settings } from '../transports/socks5/settings.js';
import {
  buildCandidates,
  candidateDstAddr,
  S5bNomination,
  type NominationOutput,
  type OwnAddress,
} from './s5b-candidates.js';
import { askPeerSupport } from './s5b-peer.js';

/** Why SOCKS5 gave up: both sides reported candidate-error, a proxy failed, or nothing came in time. */
export class S5bFailure extends TransferError {
  readonly why: 'candidate-error' | 'proxy-error' | 'timeout';
  constructor(why: 'candidate-error' | 'proxy-error' | 'timeout', message: string) {
    super(why === 'timeout' ? 'FERRY_ERR_TIMEOUT' : 'FERRY_ERR_NO_STREAMHOST', message);
    this.why = why;
  }
}

export interface S5bConnected {
  socket: Socket;
  candidate: S5bCandidate;
  /** 'us': the peer connected to a candidate of ours (our listener, or our proxy). */
  offeredBy: 'us' | 'peer';
}

export interface S5bNegotiationOptions {
  connection: XmppConnection;
  settings: Readonly<Socks5Settings>;
  proxies: ProxyDirectory;
  role: JingleRole;
  /** The transport's sid (XEP-0260 §2.2), hashed into DST.ADDR. */
  sid: string;
  initiator: string;
  responder: string;
  signal: AbortSignal;
  /** Send a transport-info carrying this notification. */
  notify(notification: S5bNotification): void;
}

export class S5bNegotiation {
  readonly sid: string;
  readonly candidates: S5bCandidate[];
  /** The DST.ADDR of our candidates: what the peer sends to our listener or our proxy. */
  readonly dstaddr: string;
  /** What kept a candidate from being offered (no listener, no proxy found). */
  readonly problems: string[];
  readonly connected: Promise<S5bConnected>;
  readonly #options: S5bNegotiationOptions;
  readonly #listener: DirectListener | undefined;
  readonly #attempts = new AbortController();
  /** False: only the peer's proxies are tried (a peer quirk, or direct connections off). */
  readonly #triesPeerDirect: boolean;
  /** Sockets we made to the peer's candidates, by cid. */
  readonly #mine = new Map<string, Socket>();
  #nomination: S5bNomination | undefined;
  #early: S5bNotification[] = [];
  #settle!: { resolve(value: S5bConnected): void; reject(error: Error): void };
  #isSettled = false;
  #timer: NodeJS.Timeout | undefined;
  #theirDstaddr = '';

  private constructor(
    options: S5bNegotiationOptions,
    listener: DirectListener | undefined,
    candidates: S5bCandidate[],
    problems: string[],
    triesPeerDirect: boolean,
  ) {
    this.#options = options;
    this.#triesPeerDirect = triesPeerDirect;
    this.#listener = listener;
    this.sid = options.sid;
    this.candidates = candidates;
    this.problems = problems;
    this.dstaddr = candidateDstAddr(options.sid, options.role, options.initiator, options.responder);
    this.connected = new Promise<S5bConnected>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.connected.catch(() => {});
    options.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Opens our direct listener (unless direct connections are off) and finds the proxies. */
  static async prepare(options: S5bNegotiationOptions): Promise<S5bNegotiation> {
    const { settings, connection, role } = options;
    const hash = candidateDstAddr(options.sid, role, options.initiator, options.responder);
    const problems: string[] = [];
    const [listener, lookup, peer] = await Promise.all([
      settings.direct
        ? listenDirect(settings, connection.localAddress, hash).catch((error: unknown) => {
            problems.push(`direct candidate: ${error instanceof Error ? error.message : String(error)}`);
            return undefined;
          })
        : undefined,
      options.proxies.lookup(connection),
      // The initiator's quirks (the sender's are known before its offer): see triesPeerDirectCandidates.
      role === 'responder'
        ? askPeerSupport(connection, options.initiator, settings.discoveryTimeoutMs, options.signal)
        : undefined,
    ]);
    problems.push(...lookup.problems);
    if (options.signal.aborted) {
      listener?.close();
      options.signal.throwIfAborted();
    }
    const self = role === 'initiator' ? options.initiator : options.responder;
    const addresses: OwnAddress[] = listener ? [{ host: listener.host, port: listener.port }] : [];
    const candidates = buildCandidates({
      self,
      addresses,
      proxies: lookup.streamhosts,
      newCid: () => randomHex(6),
    });
    const triesPeerDirect = settings.direct && (peer === undefined || triesPeerDirectCandidates(peer));
    return new S5bNegotiation(options, listener, candidates, problems, triesPeerDirect);
  }

  /** Our <transport/>: session-initiate (mode tcp, §2.2) or session-accept (no mode). */
  transport(): Element {
    const transport: S5bTransport = {
      sid: this.#options.sid,
      mode: 'tcp',
      dstaddr: this.dstaddr,
      candidates: this.candidates,
    };
    return encodeS5bTransport(transport);
  }

  /** Both candidate lists are known: connect to the peer's in priority order. */
  start(theirs: S5bTransport): void {
    if (this.#nomination || this.#isSettled) return;
    const { settings, sid, role, initiator, responder } = this.#options;
    const peerRole: JingleRole = role === 'initiator' ? 'responder' : 'initiator';
    // COMPAT: a peer that hashed other JIDs (bare ones, a MUC) says so in 'dstaddr'; its listener
    // and its proxy activation expect that one.
    this.#theirDstaddr = theirs.dstaddr ?? candidateDstAddr(sid, peerRole, initiator, responder);
    const nomination = new S5bNomination({ role, ours: this.candidates, theirs: theirs.candidates });
    this.#nomination = nomination;
    this.#timer = setTimeout(
      () => this.#fail(new S5bFailure('timeout', `SOCKS5 candidates of ${sid}: no nomination in time`)),
      settings.negotiationTimeoutMs,
    );
    this.#run(nomination.start());
    // Direct connections off, or a peer whose own candidates fail once nominated: only the peer's
    // proxies are tried (as SI's target does with direct off); the others count as failed attempts.
    const skipped = nomination.toTry.filter((candidate) => !this.#triesPeerDirect && candidate.type !== 'proxy');
    for (const candidate of skipped) this.#run(nomination.attemptFailed(candidate.cid));
    const order = nomination.toTry;
    for (const notification of this.#early.splice(0)) this.received(notification);
    if (order.length > 0) void this.#connect(order);
  }

  /** A transport-info notification from the peer. Throws bad-request when it names no candidate of ours. */
  received(notification: S5bNotification): void {
    if (this.#isSettled) return;
    if (!this.#nomination) {
      this.#early.push(notification);
      return;
    }
    this.#run(this.#nomination.received(notification));
  }

  /** Releases everything not handed over (listener, attempts, sockets). Idempotent. */
  close(): void {
    this.#fail(new TransferError('FERRY_ERR_CANCELLED', 'the SOCKS5 negotiation was abandoned'));
  }

  readonly #onAbort = (): void => this.#fail(this.#options.signal.reason as Error);

  async #connect(order: S5bCandidate[]): Promise<void> {
    const outcome = await connectFirst(order, this.#theirDstaddr, this.#options.settings, this.#attempts.signal);
    const nomination = this.#nomination!;
    if (outcome.ok) {
      if (this.#isSettled) {
        outcome.value.destroy();
        return;
      }
      this.#mine.set(outcome.candidate.cid, outcome.value);
      this.#run(nomination.connected(outcome.candidate.cid));
      return;
    }
    if (this.#isSettled || this.#attempts.signal.aborted) return;
    for (const { candidate } of outcome.failures) this.#run(nomination.attemptFailed(candidate.cid));
  }

  #run(outputs: NominationOutput[]): void {
    for (const output of outputs) {
      if (this.#isSettled) return;
      switch (output.kind) {
        case 'send':
          this.#options.notify(output.notification);
          break;
        case 'stop-connecting':
          this.#attempts.abort(new Error('stopped connecting'));
          break;
        case 'nominated':
          this.#attempts.abort(new Error('a candidate was nominated'));
          break;
        case 'activate':
          void this.#activate(output.candidate);
          break;
        case 'ready':
          void this.#ready(output.candidate, output.offeredBy);
          break;
        case 'failed':
          this.#fail(
            new S5bFailure(
              output.why,
              output.why === 'proxy-error'
                ? 'the SOCKS5 proxy could not be activated (proxy-error)'
                : 'neither side could connect to a SOCKS5 candidate of the other (candidate-error)',
            ),
          );
          break;
      }
    }
  }

  /** §2.4: our proxy was nominated — connect to it with our DST.ADDR, activate it, say so. */
  async #activate(candidate: S5bCandidate): Promise<void> {
    const { connection, settings, sid, signal, role, initiator, responder } = this.#options;
    try {
      const socket = await connectStreamhost(candidate, this.dstaddr, settings, signal);
      if (this.#isSettled) {
        socket.destroy();
        return;
      }
      this.#mine.set(`proxy:${candidate.cid}`, socket);
      await activateProxy(connection, {
        proxy: candidate.jid,
        sid,
        target: role === 'initiator' ? responder : initiator,
        timeoutMs: settings.negotiationTimeoutMs,
        signal,
      });
      if (socket.destroyed) throw new Error('the proxy closed the connection at activation');
      this.#run(this.#nomination!.proxyActivated());
    } catch {
      if (this.#isSettled) return;
      this.#options.proxies.forget(connection);
      this.#run(this.#nomination!.proxyFailed());
    }
  }

  async #ready(candidate: S5bCandidate, offeredBy: 'us' | 'peer'): Promise<void> {
    let socket: Socket | undefined;
    if (offeredBy === 'peer') socket = this.#mine.get(candidate.cid);
    else if (candidate.type === 'proxy') socket = this.#mine.get(`proxy:${candidate.cid}`);
    else {
      try {
        socket = await this.#listener!.take(this.#options.settings.candidateTimeoutMs, this.#options.signal);
      } catch (error) {
        this.#fail(
          new S5bFailure(
            'candidate-error',
            `the peer named our direct candidate but its connection is gone: ${(error as Error).message}`,
          ),
        );
        return;
      }
    }
    if (!socket || this.#isSettled) {
      socket?.destroy();
      if (!this.#isSettled)
        this.#fail(new S5bFailure('candidate-error', `no connection for candidate ${candidate.cid}`));
      return;
    }
    for (const other of this.#mine.values()) if (other !== socket) other.destroy();
    this.#mine.clear();
    this.#finish();
    this.#settle.resolve({ socket, candidate, offeredBy });
  }

  #fail(error: Error): void {
    if (this.#isSettled) return;
    for (const socket of this.#mine.values()) socket.destroy();
    this.#mine.clear();
    this.#finish();
    this.#settle.reject(error);
  }

  #finish(): void {
    this.#isSettled = true;
    clearTimeout(this.#timer);
    this.#attempts.abort(new Error('the SOCKS5 negotiation is over'));
    this.#listener?.close();
    this.#options.signal.removeEventListener('abort', this.#onAbort);
  }
}
